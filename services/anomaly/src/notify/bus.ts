/**
 * Bus notifications: each event as JSON in a two-frame message
 * [`anomaly`, JSON] published through the proxy's XSUB side. The topic is
 * not a datagram kind, so forwarders and the store never receive it.
 */
import * as zmq from 'zeromq';
import { CLOSE_LINGER_MS, SekiwakeError } from '@sekiwake/shared';
import type { AnomalyEvent } from './event.js';

/** The bus topic notifications are published on. */
export const ANOMALY_TOPIC = 'anomaly';

/** Publishes events on the bus; a full queue drops (counted by the caller). */
export class BusNotifier {
  private readonly socket: zmq.Publisher;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    readonly endpoint: string,
    sendHighWaterMark: number,
    private readonly outcome: (o: 'sent' | 'failed') => void,
  ) {
    this.socket = new zmq.Publisher({ sendHighWaterMark, linger: CLOSE_LINGER_MS });
  }

  /** Connects to the proxy; libzmq reconnects by itself. */
  connect(): void {
    try {
      this.socket.connect(this.endpoint);
    } catch (err) {
      throw new SekiwakeError('E_BUS', `bus connect on ${this.endpoint} failed: ${(err as Error).message}`, { endpoint: this.endpoint, op: 'connect' }, { cause: err });
    }
  }

  /** Publishes `e` after the ones before it; never throws. */
  send(e: AnomalyEvent): void {
    const frames = [ANOMALY_TOPIC, JSON.stringify(e)];
    // zeromq.js takes one send at a time: chain them.
    this.sending = this.sending.then(() =>
      this.socket.send(frames).then(
        () => this.outcome('sent'),
        () => this.outcome('failed'),
      ),
    );
  }

  /** Waits for queued sends (bounded by the linger), then closes. */
  async stop(): Promise<void> {
    await Promise.race([this.sending, new Promise((r) => setTimeout(r, CLOSE_LINGER_MS).unref())]);
    this.socket.close();
  }
}
