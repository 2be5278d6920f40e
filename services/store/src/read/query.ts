/**
 * Reading the archive back, for `sekiwake search` and `sekiwake replay`:
 * plain and gzipped files alike, streamed (the archive may be far larger
 * than memory), filtered as they are read, and merged into time order.
 *
 * Files are taken one UTC day at a time (the day in their path); within a
 * day every file is read at once and merged by capture time, so memory
 * holds a chunk per file of that day. Lines that do not parse (a torn
 * last line after a crash, damage) are skipped and counted.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { isIP } from 'node:net';
import { createGunzip } from 'node:zlib';
import { decodeJson, decodeText, type StoredRecord } from '../format/record.js';
import { priOf } from '../format/syslog.js';
import { listArchive, type FoundFile } from '../rotate/maintenance.js';

/** What to look for; every given condition must hold. */
export interface Query {
  /** Earliest capture time, inclusive, in the stored fixed-width form. */
  from?: string;
  /** Latest capture time, exclusive, in the stored fixed-width form. */
  to?: string;
  source?: string;
  facility?: number;
  /** Severity codes accepted, lowest (most severe) and highest. */
  severity?: { min: number; max: number };
  /** Bytes the raw message must contain. */
  text?: Buffer;
  /** Pattern the raw message, read as UTF-8, must match. */
  regex?: RegExp;
  newestFirst?: boolean;
  limit?: number;
}

/** A message found, and the file it is in. */
export interface Found extends StoredRecord {
  file: string;
}

/** Counts of one search, for the caller to report. */
export interface SearchStats {
  files: number;
  lines: number;
  unreadable: number;
}

/** Finds the messages matching `q` under `root`, in time order. */
export async function* search(root: string, q: Query, stats: SearchStats = newStats()): AsyncGenerator<Found> {
  const days = groupByDay(await listArchive(root), q);
  if (q.newestFirst) days.reverse();
  let left = q.limit ?? Infinity;
  for (const [, files] of days) {
    if (left <= 0) return;
    stats.files += files.length;
    const merged = mergeDay(files, q, stats);
    if (!q.newestFirst) {
      for await (const r of merged) {
        yield r;
        if (--left <= 0) return;
      }
      continue;
    }
    // Newest first: the day's matches (at most `left` of them) come out reversed.
    // Shortcoming: without --limit, one day's matches are held in memory.
    const keep: Found[] = [];
    for await (const r of merged) {
      keep.push(r);
      if (keep.length > left * 2 && left < Infinity) keep.splice(0, keep.length - left);
    }
    for (let i = keep.length - 1; i >= 0 && left > 0; i--, left--) yield keep[i]!;
  }
}

/** Empty counts. */
export function newStats(): SearchStats {
  return { files: 0, lines: 0, unreadable: 0 };
}

function groupByDay(files: FoundFile[], q: Query): Array<[string, FoundFile[]]> {
  const fromDay = q.from?.slice(0, 10);
  const toDay = q.to?.slice(0, 10);
  const days = new Map<string, FoundFile[]>();
  for (const f of files) {
    if (f.name.partial) continue;
    const day = f.day ?? '';
    if (day !== '' && ((fromDay !== undefined && day < fromDay) || (toDay !== undefined && day > toDay))) continue;
    if (q.source !== undefined && !mayHold(f.path, q.source)) continue;
    const list = days.get(day) ?? [];
    list.push(f);
    days.set(day, list);
  }
  return [...days].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// With a layout naming files after their source, other sources' files are skipped.
function mayHold(path: string, source: string): boolean {
  const stem = basename(path).replace(/\.(log|jsonl)(\.\d+)?(\.gz)?$/, '');
  return isIP(stem) === 0 || stem === source;
}

/** True when `r` meets every condition of `q` but the time range. */
function matches(r: StoredRecord, q: Query): boolean {
  if (q.source !== undefined && r.source !== q.source) return false;
  if (q.facility !== undefined || q.severity !== undefined) {
    const pri = priOf(r.raw);
    if (pri < 0) return false;
    if (q.facility !== undefined && pri >> 3 !== q.facility) return false;
    if (q.severity !== undefined && ((pri & 7) < q.severity.min || (pri & 7) > q.severity.max)) return false;
  }
  if (q.text !== undefined && r.raw.indexOf(q.text) < 0) return false;
  if (q.regex !== undefined && !q.regex.test(r.raw.toString('utf8'))) return false;
  return true;
}

/** The records of one file that match, a chunk at a time. */
class FileRecords {
  private batch: Found[] = [];
  private at = 0;
  private done = false;
  private carry: Buffer | null = null;
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly decode: (line: Buffer) => StoredRecord | null;

  constructor(
    private readonly file: FoundFile,
    private readonly q: Query,
    private readonly stats: SearchStats,
  ) {
    const raw = createReadStream(file.path, { highWaterMark: 256 << 10 });
    const stream = file.name.gzip ? raw.pipe(createGunzip()) : raw;
    if (file.name.gzip) raw.on('error', (err) => stream.destroy(err));
    this.chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.decode = file.name.format === 'jsonl' ? decodeJson : decodeText;
  }

  /** The current record, or undefined at the end. */
  get current(): Found | undefined {
    return this.batch[this.at];
  }

  /** Moves to the next matching record. */
  async advance(): Promise<void> {
    this.at++;
    if (this.at >= this.batch.length) await this.fill();
  }

  /** Reads chunks until a record matches or the file ends. */
  async fill(): Promise<void> {
    this.batch = [];
    this.at = 0;
    while (this.batch.length === 0 && !this.done) {
      const r = await this.chunks.next();
      if (r.done) {
        this.done = true;
        // A last line without its newline was cut short by a crash.
        if (this.carry !== null && this.carry.length > 0) this.stats.unreadable++;
        break;
      }
      this.parse(r.value);
    }
  }

  private parse(chunk: Buffer) {
    const data = this.carry === null ? chunk : Buffer.concat([this.carry, chunk]);
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
      const line = data.subarray(start, nl);
      start = nl + 1;
      if (line.length === 0) continue;
      this.stats.lines++;
      const rec = this.decode(line);
      if (rec === null) {
        this.stats.unreadable++;
        continue;
      }
      const { from, to } = this.q;
      if ((from !== undefined && rec.time < from) || (to !== undefined && rec.time >= to)) continue;
      if (matches(rec, this.q)) this.batch.push({ ...rec, file: this.file.path });
    }
    this.carry = start < data.length ? Buffer.from(data.subarray(start)) : null;
  }
}

/**
 * Merges the matching records of a day's files by capture time (a binary
 * heap). Each file is taken to be in capture-time order, as one capture
 * writes it. Shortcoming: every file of the day is open at once, so a day
 * with more sources than the descriptor limit cannot be searched.
 */
async function* mergeDay(files: FoundFile[], q: Query, stats: SearchStats): AsyncGenerator<Found> {
  const streams = files.map((f) => new FileRecords(f, q, stats));
  await Promise.all(streams.map((s) => s.fill()));
  const heap = streams.filter((s) => s.current !== undefined);
  const less = (a: FileRecords, b: FileRecords) => a.current!.time < b.current!.time;
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i, less);
  while (heap.length > 0) {
    const top = heap[0]!;
    yield top.current!;
    await top.advance();
    if (top.current === undefined) {
      const last = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    siftDown(heap, 0, less);
  }
}

function siftDown<T>(h: T[], i: number, less: (a: T, b: T) => boolean) {
  for (;;) {
    const l = 2 * i + 1, r = l + 1;
    let m = i;
    if (l < h.length && less(h[l]!, h[m]!)) m = l;
    if (r < h.length && less(h[r]!, h[m]!)) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m]!, h[i]!];
    i = m;
  }
}
