/**
 * The proxy: binds the bus's XSUB side (publishers connect) and XPUB side
 * (subscribers connect) and passes messages one way, subscriptions the
 * other. Counting needs each message in hand, so the loop is ours rather
 * than libzmq's zmq_proxy; it moves whole batches, so its cost per datagram
 * is small.
 */
import * as zmq from 'zeromq';
import {
  readBatchHeader,
  SekiwakeError,
  SequenceTracker,
  type BatchHeader,
  type RunningService,
  type ServiceContext,
} from '@sekiwake/shared';
import { proxyMetrics } from './metrics.js';

/** Starts the proxy. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  const { bus } = ctx.config;
  const log = ctx.log.child({ component: 'proxy' });
  const m = proxyMetrics(ctx.metrics);
  const frontend = new zmq.XSubscriber({ receiveHighWaterMark: bus.receiveHighWaterMark, linger: 0 });
  const backend = new zmq.XPublisher({ sendHighWaterMark: bus.sendHighWaterMark, linger: 0 });
  await bind(frontend, bus.publishEndpoint);
  await bind(backend, bus.subscribeEndpoint);
  log.info({ publish: bus.publishEndpoint, subscribe: bus.subscribeEndpoint }, 'proxy bound');

  const sequences = new SequenceTracker();
  const forward = (async () => {
    for await (const msg of frontend) {
      const header = inspect(msg);
      if (header === null) {
        m.dropped.inc({ reason: 'envelope_invalid' });
        continue;
      }
      const { lost } = sequences.observe(header);
      if (lost > 0) m.lost.inc({ kind: header.kind }, lost);
      m.messages.inc({ kind: header.kind });
      m.datagrams.inc({ kind: header.kind }, header.count);
      m.bytes.inc({ kind: header.kind }, msg[1]!.length);
      await backend.send(msg);
    }
  })();
  const subscriptions = (async () => {
    for await (const [frame] of backend) {
      if (frame === undefined || frame.length === 0) continue;
      m.subscriptions.inc({ action: frame[0] === 1 ? 'subscribe' : 'unsubscribe' });
      await frontend.send(frame);
    }
  })();
  const loops = Promise.all([forward, subscriptions]).then(() => undefined);
  const failed = loops.catch((err: unknown) => {
    if (frontend.closed) return;
    throw new SekiwakeError('E_BUS', `proxy loop failed: ${(err as Error).message}`, {}, { cause: err });
  });

  return {
    health: () => ({ ok: true }),
    finished: failed.then(() => new Promise<void>(() => undefined)),
    async stop() {
      frontend.close();
      backend.close();
      await loops.catch(() => undefined);
    },
  };
}

// A message that is not [topic, envelope] cannot be counted or checked and is
// not passed on: a subscriber could not read it either.
function inspect(msg: Buffer[]): BatchHeader | null {
  if (msg.length !== 2) return null;
  try {
    return readBatchHeader(msg[1]!);
  } catch {
    return null;
  }
}

async function bind(socket: zmq.Socket, endpoint: string): Promise<void> {
  try {
    await socket.bind(endpoint);
  } catch (err) {
    throw new SekiwakeError('E_BUS', `cannot bind ${endpoint}: ${(err as Error).message}`, { endpoint }, { cause: err });
  }
}
