/**
 * A UDP destination: one connected datagram socket per destination, so that
 * each send carries no address and ICMP port-unreachable comes back as an
 * error we can count. Sends never wait: libuv queues what the kernel cannot
 * take at once, and that queue is bounded here.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from './log.js';
import { LogThrottle } from './log.js';

/** Datagrams libuv may hold for one destination before new ones are dropped. */
export const MAX_SEND_QUEUE = 8192;
/** First and longest wait before resolving/connecting a destination again. */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 30_000;

/** Why a datagram meant for a destination was not sent. */
export type DestinationDrop = 'destination_down' | 'send_queue_full';

/** What a destination reports, per datagram or error. */
export interface DestinationEvents {
  /** The socket is connected (first time or again): sends go out from now. */
  up?(): void;
  sent(bytes: number): void;
  dropped(reason: DestinationDrop): void;
  error(code: string): void;
  /** A datagram the destination sent back to this socket (an inform's response). */
  received?(msg: Buffer): void;
}

/** Where and how to send. */
export interface DestinationOptions {
  host: string;
  port: number;
  name: string;
  sendBufferBytes: number;
}

/** One UDP destination with its own socket. */
export class UdpDestination {
  private socket: Socket | null = null;
  private ready = false;
  private closed = false;
  private backoffMs = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | null = null;
  private readonly errLog = new LogThrottle(10_000);

  constructor(
    readonly opts: DestinationOptions,
    private readonly events: DestinationEvents,
    private readonly log: Logger,
  ) {}

  /** True once the socket is connected and sends go out. */
  get up(): boolean {
    return this.ready;
  }

  /** Resolves and connects; retries with backoff on failure, in the background. */
  open(): void {
    void this.connect();
  }

  /** Sends one payload unchanged. The bytes must not change until sent. */
  send(payload: Uint8Array): void {
    const s = this.socket;
    if (!this.ready || s === null) return this.events.dropped('destination_down');
    if (s.getSendQueueCount() >= MAX_SEND_QUEUE) return this.events.dropped('send_queue_full');
    s.send(payload);
    this.events.sent(payload.length);
  }

  /** Waits until libuv has handed every queued datagram to the kernel (bounded), then closes. */
  async close(maxWaitMs = 2000): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const s = this.socket;
    if (s === null) return;
    const until = Date.now() + maxWaitMs;
    while (this.ready && s.getSendQueueCount() > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async connect(): Promise<void> {
    const { host, port, name } = this.opts;
    try {
      const address = isIP(host) ? host : (await lookup(host)).address;
      const s = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4', sendBufferSize: this.opts.sendBufferBytes });
      s.on('error', (err: NodeJS.ErrnoException) => this.onError(err));
      s.on('message', (msg: Buffer) => this.events.received?.(msg));
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        // A failed connect(2) (ENETUNREACH: no route) reaches this
        // callback as its argument, not as an 'error' event.
        s.connect(port, address, (err?: Error) => {
          s.off('error', reject);
          if (err) {
            s.close();
            reject(err);
          } else resolve();
        });
      });
      if (this.closed) return void s.close();
      this.socket = s;
      this.ready = true;
      this.backoffMs = RECONNECT_MIN_MS;
      this.log.info({ destination: name, address, port }, 'destination connected');
      this.events.up?.();
    } catch (err) {
      this.events.error((err as NodeJS.ErrnoException).code ?? 'EUNKNOWN');
      this.log.warn({ destination: name, err, retryMs: this.backoffMs }, 'destination unavailable');
      this.retry();
    }
  }

  private retry() {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.connect(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
  }

  // ECONNREFUSED is ICMP port-unreachable from the destination host: nobody
  // listens there now. The socket stays usable; the datagram is lost.
  private onError(err: NodeJS.ErrnoException) {
    const code = err.code ?? 'EUNKNOWN';
    this.events.error(code);
    const skipped = this.errLog.hit();
    if (skipped >= 0) this.log.warn({ destination: this.opts.name, code, skipped }, 'destination send failed');
  }
}
