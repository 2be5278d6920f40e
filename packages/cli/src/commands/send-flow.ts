/**
 * `sekiwake send flow`: a paced test exporter of NetFlow v5, v9, IPFIX or
 * sFlow v5. Sequence numbers increase as the protocol defines them; v9
 * and IPFIX datagrams carry their templates at the start and every
 * --template-every datagrams. --skip leaves chosen datagrams out while
 * their sequence numbers still advance, as if they were lost on the way.
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dataRecords, EXIT, exportDatagram, type ExportStream } from '@sekiwake/shared';
import { hostPort, intOption, parse, usage } from './args.js';
import { COMMON_SEND_OPTIONS } from './send.js';

/** Ticks of the pacing loop; each sends what is due. */
const TICK_MS = 2;
/** Most skipped datagram numbers one --skip may name. */
const MAX_SKIPS = 100_000;

/** What to send. */
export interface FlowSendOptions {
  stream: ExportStream;
  host: string;
  port: number;
  /** Datagrams per second; 0 sends as fast as possible. */
  rate: number;
  count: number;
  /** Datagram numbers (from 0) left out; their sequence numbers are used up. */
  skip: Set<number>;
  /** The first datagram's sequence number. */
  startSeq: number;
  source: string | undefined;
}

/** What was sent. */
export interface FlowSendReport {
  sent: number;
  skipped: number;
  records: number;
  errors: number;
  seconds: number;
  rate: number;
}

/** How far datagram `i` moves the sequence: records for v5/IPFIX, one for v9/sFlow. */
function advance(s: ExportStream, i: number): number {
  return s.version === 5 || s.version === 10 ? dataRecords(s, i) : 1;
}

/** Sends `count` export datagrams at `rate` per second and reports. */
export async function sendFlow(o: FlowSendOptions): Promise<FlowSendReport> {
  const address = isIP(o.host) ? o.host : (await lookup(o.host)).address;
  const socket = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4', sendBufferSize: 4 << 20 });
  let errors = 0;
  socket.on('error', () => errors++);
  // Not connected, like an exporter: see send-syslog.ts.
  await new Promise<void>((r) => socket.bind(0, o.source, () => r()));
  const t0 = performance.now();
  let i = 0;
  let seq = o.startSeq;
  let sent = 0;
  let records = 0;
  while (i < o.count) {
    const due = o.rate > 0 ? Math.min(o.count, Math.floor(((performance.now() - t0) / 1000) * o.rate) + 1) : o.count;
    for (; i < due; i++) {
      const up = Math.floor(performance.now() - t0) + 60_000;
      if (!o.skip.has(i)) {
        socket.send(exportDatagram(o.stream, i, seq >>> 0, up), o.port, address);
        sent++;
        records += dataRecords(o.stream, i);
      }
      seq += advance(o.stream, i);
      if (socket.getSendQueueCount() > 4096) {
        i++;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, o.rate > 0 ? TICK_MS : 0));
  }
  while (socket.getSendQueueCount() > 0) await new Promise((r) => setTimeout(r, 1));
  const seconds = (performance.now() - t0) / 1000;
  await new Promise<void>((r) => socket.close(() => r()));
  return { sent, skipped: o.count - sent, records, errors, seconds, rate: Math.round(sent / seconds) };
}

/** "3,7,10-12" as a set of numbers. */
function parseSkip(text: string | undefined): Set<number> {
  const out = new Set<number>();
  if (text === undefined || text === '') return out;
  for (const part of text.split(',')) {
    const m = part.match(/^(\d+)(?:-(\d+))?$/);
    if (!m) throw usage(`--skip wants numbers and ranges like 3,7,10-12, got "${part}"`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || out.size + to - from + 1 > MAX_SKIPS) throw usage(`--skip names at most ${MAX_SKIPS} datagrams, in increasing ranges`);
    for (let n = from; n <= to; n++) out.add(n);
  }
  return out;
}

function version(v: unknown): ExportStream['version'] {
  if (v === '5' || v === '9' || v === '10') return Number(v) as 5 | 9 | 10;
  if (v === 'sflow') return 'sflow';
  throw usage('--version must be 5, 9, 10 (IPFIX) or sflow');
}

/** Runs `sekiwake send flow ...`. */
export async function sendFlowCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...COMMON_SEND_OPTIONS,
    version: { type: 'string' },
    records: { type: 'string' },
    'template-every': { type: 'string', default: '20' },
    domain: { type: 'string', default: '1' },
    'start-seq': { type: 'string', default: '0' },
    skip: { type: 'string' },
    source: { type: 'string' },
  });
  const v = version(values.version);
  const { host, port } = hostPort(values.to);
  const maxRecords = v === 5 ? 30 : 40;
  const stream: ExportStream = {
    version: v,
    records: values.records === undefined ? (v === 5 ? 30 : 10) : intOption(values, 'records', 1, maxRecords),
    domain: intOption(values, 'domain', 0, v === 5 ? 255 : 0xffffffff),
    templateEvery: intOption(values, 'template-every', 1, 1_000_000_000),
    bootMs: Date.now() - 60_000,
  };
  const report = await sendFlow({
    stream,
    host,
    port,
    rate: intOption(values, 'rate', 0, 10_000_000),
    count: intOption(values, 'count', 1, 1_000_000_000),
    skip: parseSkip(values.skip as string | undefined),
    startSeq: intOption(values, 'start-seq', 0, 0xffffffff),
    source: values.source as string | undefined,
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.errors > 0 ? EXIT.FAILURE : EXIT.OK;
}
