/**
 * `sekiwake search`: finds archived syslog messages across plain and
 * gzipped files, streaming, oldest first (or newest first), and prints
 * them as stored text lines or as JSON Lines.
 */
import { EXIT } from '@sekiwake/shared';
import {
  escape, facilityCode, jsonRecord, newStats, parseUserTime, search, severityCode,
  type Query,
} from '@sekiwake/store';
import { intOption, parse, usage } from './args.js';

/** Options shared with `replay`: which messages to take. */
export const SELECT_OPTIONS = {
  dir: { type: 'string' },
  from: { type: 'string' },
  source: { type: 'string' },
} as const;

/** A time option in the stored form; E_USAGE when it is not a time. */
export function timeOption(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const t = parseUserTime(String(v));
  if (t === null) throw usage(`--${name} wants an RFC 3339 time (2026-12-03T16:20:00Z), a date or epoch seconds`);
  return t;
}

/** The archive directory option, required. */
export function dirOption(values: Record<string, unknown>): string {
  if (typeof values.dir !== 'string' || values.dir === '') throw usage('--dir wants the store directory');
  return values.dir;
}

function severityOption(v: unknown): Query['severity'] {
  if (v === undefined) return undefined;
  const text = String(v);
  const upTo = text.startsWith('..');
  const code = severityCode(upTo ? text.slice(2) : text);
  if (code === null) throw usage('--severity wants 0..7 or a name (err, warning, ...); "..N" for N and more severe');
  return upTo ? { min: 0, max: code } : { min: code, max: code };
}

function buildQuery(values: Record<string, unknown>): Query {
  const q: Query = { from: timeOption(values, 'from'), to: timeOption(values, 'to') };
  if (values.source !== undefined) q.source = String(values.source);
  if (values.facility !== undefined) {
    const f = facilityCode(String(values.facility));
    if (f === null) throw usage('--facility wants 0..23 or a name (daemon, local0, ...)');
    q.facility = f;
  }
  q.severity = severityOption(values.severity);
  if (values.text !== undefined && values.regex !== undefined) throw usage('--text and --regex exclude each other');
  if (values.text !== undefined) q.text = Buffer.from(String(values.text));
  if (values.regex !== undefined) {
    try {
      q.regex = new RegExp(String(values.regex));
    } catch (err) {
      throw usage(`--regex: ${(err as Error).message}`);
    }
  }
  if (values.limit !== undefined) q.limit = intOption(values, 'limit', 1, Number.MAX_SAFE_INTEGER);
  q.newestFirst = values['newest-first'] === true;
  return q;
}

/** Runs `sekiwake search`. */
export async function run(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...SELECT_OPTIONS,
    to: { type: 'string' },
    facility: { type: 'string' },
    severity: { type: 'string' },
    text: { type: 'string' },
    regex: { type: 'string' },
    limit: { type: 'string' },
    'newest-first': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const dir = dirOption(values);
  const q = buildQuery(values);
  const json = values.json === true;
  const stats = newStats();
  const out = new Output();
  let found = 0;
  for await (const r of search(dir, q, stats)) {
    found++;
    await out.write(json
      ? `${JSON.stringify(jsonRecord(r.time, r.source, r.raw))}\n`
      : `${r.time} ${r.source} ${escape(r.raw).toString('latin1')}\n`);
  }
  await out.end();
  process.stderr.write(`${JSON.stringify({ found, ...stats })}\n`);
  return found > 0 ? EXIT.OK : EXIT.FAILURE;
}

/** stdout in large writes, waiting when the pipe is full. */
class Output {
  private buf = '';

  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= 1 << 16) await this.push();
  }

  async end(): Promise<void> {
    await this.push();
  }

  private async push() {
    const data = Buffer.from(this.buf, 'latin1');
    this.buf = '';
    if (!process.stdout.write(data)) await new Promise((r) => process.stdout.once('drain', r));
  }
}
