/**
 * `sekiwake send flow`: a paced test exporter of NetFlow v5, v9, IPFIX or
 * sFlow v5. Sequence numbers increase as the protocol defines them; v9
 * and IPFIX datagrams carry their templates at the start and every
 * --template-every datagrams. --skip leaves chosen datagrams out while
 * their sequence numbers still advance, as if they were lost on the way.
 */
import { dataRecords, EXIT, exportDatagram, type ExportStream } from '@sekiwake/shared';
import { hostPort, intOption, parse, usage } from './args.js';
import { openSender, paced } from './pace.js';
import { COMMON_SEND_OPTIONS } from './send.js';

/** Ticks of the pacing loop; each sends what is due. */
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
  const sender = await openSender(o.host, o.port, o.source);
  let seq = o.startSeq;
  let sent = 0;
  let records = 0;
  const seconds = await paced(sender, o.count, o.rate, (i, elapsedMs) => {
    if (!o.skip.has(i)) {
      sender.socket.send(exportDatagram(o.stream, i, seq >>> 0, Math.floor(elapsedMs) + 60_000), o.port, sender.address);
      sent++;
      records += dataRecords(o.stream, i);
    }
    seq += advance(o.stream, i);
  });
  return { sent, skipped: o.count - sent, records, errors: sender.errors(), seconds, rate: Math.round(sent / seconds) };
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
