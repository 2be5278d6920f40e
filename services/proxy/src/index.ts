/**
 * The proxy: binds the bus's XSUB side (publishers connect) and XPUB side
 * (subscribers connect) and passes messages one way, subscriptions the
 * other. Counting needs each message in hand, so the loop is ours rather
 * than libzmq's zmq_proxy; it moves whole batches, so its cost per datagram
 * is small.
 *
 * Beside them, a ROUTER serves replica groups (groups.ts): each group's
 * share of every batch goes to exactly one of its members. The proxy
 * subscribes upstream for the union of what XPUB subscribers and groups
 * want, keeping its own count of each topic's wanters.
 */
import * as zmq from 'zeromq';
import {
  readBatchHeader,
  SekiwakeError,
  Fairness,
  SendQueue,
  serverSecurity,
  ZapHandler,
  SequenceTracker,
  type BatchHeader,
  type RunningService,
  type ServiceContext,
} from '@sekiwake/shared';
import { GroupRouter } from './groups.js';
import { proxyMetrics } from './metrics.js';

/** Starts the proxy. */
export async function start(ctx: ServiceContext): Promise<RunningService> {
  const { bus } = ctx.config;
  const log = ctx.log.child({ component: 'proxy' });
  const m = proxyMetrics(ctx.metrics);
  const security = serverSecurity(bus.curve);
  const zap = bus.curve ? new ZapHandler(bus.curve, log, () => m.dropped.inc({ reason: 'client_refused' })) : null;
  await zap?.start();
  const frontend = new zmq.XSubscriber({ ...security, receiveHighWaterMark: bus.receiveHighWaterMark, linger: 0 });
  const backend = new zmq.XPublisher({ ...security, sendHighWaterMark: bus.sendHighWaterMark, linger: 0 });
  // Sends to a member never wait: a full member queue is a counted drop,
  // an unreachable member is taken out of its group at once.
  const router = new zmq.Router({ ...security, sendHighWaterMark: bus.sendHighWaterMark, mandatory: true, sendTimeout: 0, linger: 0 });
  await bind(frontend, bus.publishEndpoint);
  await bind(backend, bus.subscribeEndpoint);
  await bind(router, bus.groupEndpoint);
  log.info({ publish: bus.publishEndpoint, subscribe: bus.subscribeEndpoint, groups: bus.groupEndpoint, curve: bus.curve !== undefined }, 'proxy bound');

  const upstreamOut = new SendQueue(frontend);
  const xpubTopics = new Set<string>();
  const upstream = new Set<string>();
  const groups = new GroupRouter(router, m, log.child({ component: 'groups' }), () => void syncUpstream());
  // Subscribes upstream to what someone wants now, and unsubscribes from
  // what nobody wants any more.
  const syncUpstream = async () => {
    const wanted = new Set<string>([...xpubTopics, ...groups.wantedKinds()]);
    const frame = (on: number, t: string) => Buffer.concat([Buffer.from([on]), Buffer.from(t, 'latin1')]);
    for (const t of wanted) if (!upstream.has(t)) { upstream.add(t); await upstreamOut.send(frame(1, t)); }
    for (const t of [...upstream]) if (!wanted.has(t)) { upstream.delete(t); await upstreamOut.send(frame(0, t)); }
  };

  const sequences = new SequenceTracker();
  const forward = (async () => {
    const fairness = new Fairness();
    for await (const msg of frontend) {
      await fairness.turn();
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
      if (xpubTopics.size > 0) await backend.send(msg);
      await groups.route(header, msg[1]!);
    }
  })();
  const subscriptions = (async () => {
    for await (const [frame] of backend) {
      if (frame === undefined || frame.length === 0) continue;
      const topic = frame.subarray(1).toString('latin1');
      if (frame[0] === 1) xpubTopics.add(topic);
      else xpubTopics.delete(topic);
      m.subscriptions.inc({ action: frame[0] === 1 ? 'subscribe' : 'unsubscribe' });
      await syncUpstream();
    }
  })();
  const loops = Promise.all([forward, subscriptions, groups.start()]).then(() => undefined);
  const failed = loops.catch((err: unknown) => {
    if (frontend.closed) return;
    throw new SekiwakeError('E_BUS', `proxy loop failed: ${(err as Error).message}`, {}, { cause: err });
  });

  return {
    health: () => ({ ok: true }),
    finished: failed.then(() => new Promise<void>(() => undefined)),
    async stop() {
      groups.stop();
      router.close();
      frontend.close();
      backend.close();
      await loops.catch(() => undefined);
      await zap?.close();
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
