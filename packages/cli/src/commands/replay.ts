/**
 * `sekiwake replay`: re-sends archived messages, each exactly as it was
 * captured, to a UDP destination, oldest first, paced at --rate per
 * second. --source selects the archived source address (the messages go
 * out from this host's own address).
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { EXIT } from '@sekiwake/shared';
import { search, type Query } from '@sekiwake/store';
import { hostPort, intOption, parse, usage } from './args.js';
import { dirOption, SELECT_OPTIONS, timeOption } from './search.js';

/** Ticks of the pacing loop; each sends what is due. */
const TICK_MS = 2;
/** Datagrams libuv may hold queued before the loop waits. */
const MAX_QUEUED_SENDS = 4096;

/** Runs `sekiwake replay`. */
export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...SELECT_OPTIONS,
    to: { type: 'string' },
    'to-time': { type: 'string' },
    rate: { type: 'string', default: '1000' },
  });
  const dir = dirOption(values);
  const { host, port } = hostPort(values.to);
  if (isIP(host) === 0) throw usage('--to wants an IP address as its host');
  const rate = intOption(values, 'rate', 0, 10_000_000);
  const q: Query = { from: timeOption(values, 'from'), to: timeOption(values, 'to-time') };
  if (values.source !== undefined) q.source = String(values.source);
  const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', sendBufferSize: 4 << 20 });
  let errors = 0;
  socket.on('error', () => errors++);
  await new Promise<void>((r) => socket.bind(0, () => r()));
  const t0 = performance.now();
  let sent = 0;
  for await (const r of search(dir, q)) {
    while (rate > 0 && sent >= ((performance.now() - t0) / 1000) * rate) await pause(TICK_MS);
    while (socket.getSendQueueCount() > MAX_QUEUED_SENDS) await pause(0);
    socket.send(r.raw, port, host, (err) => err && errors++);
    sent++;
  }
  while (socket.getSendQueueCount() > 0) await pause(1);
  const seconds = (performance.now() - t0) / 1000;
  await new Promise<void>((r) => socket.close(() => r()));
  process.stdout.write(`${JSON.stringify({ sent, errors, seconds: Math.round(seconds * 1000) / 1000 })}\n`);
  return errors > 0 ? EXIT.FAILURE : EXIT.OK;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
