/**
 * The writer: messages in, lines on disk, one file per day and source.
 *
 * Durability, precisely:
 * - A message received from the bus is appended to its file's buffer in
 *   memory. Every `flushIntervalMs` (sooner when a file has `flushBytes`
 *   waiting) the buffer goes to the file in one positioned write(2) of
 *   whole lines. Every `fsyncIntervalMs`, and when a file is rotated or
 *   closed, and on stop, written files get fdatasync(2) and new directory
 *   entries fsync(2).
 * - SIGTERM (stop): the writer takes no more messages, writes and syncs
 *   everything it received, closes every file, then resolves.
 * - Process crash (SIGKILL, OOM): what write(2) accepted is in the page
 *   cache and survives; lost are the messages received in the last
 *   `flushIntervalMs` (plus what sat unread in ZeroMQ queues).
 * - Power loss or kernel crash: at most the last `flushIntervalMs +
 *   fsyncIntervalMs` of messages are at risk.
 * - Torn lines: a write may be cut short (a full disk, a crash in the
 *   middle). When a file is opened again its unfinished last line is cut
 *   off (counted in store_torn_bytes_removed_total), and the readers skip
 *   any line that does not parse, so every file stays readable.
 * - Disk refuses writes (ENOSPC, EIO, ...): lines stay in memory, up to
 *   `maxBacklogBytes` in all, and are tried again every `retryIntervalMs`;
 *   past the bound new messages are dropped and counted (reason
 *   `backlog_full`). Nothing is lost silently and the process stays up.
 */
import { rename, readdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatAddress, LogThrottle, type Datagram, type Logger } from '@sekiwake/shared';
import type { Clock } from '../clock.js';
import { encodeJson, encodeText, type LineBuffer, type StoreFormat } from '../format/record.js';
import { DayFormatter, dayStartMs, TimeFormatter } from '../format/time.js';
import type { Layout } from '../layout.js';
import { errorCode, type StoreMetrics } from '../metrics.js';
import { ArchiveFile } from './file.js';
import { close, fdatasync, openForAppend, repairFile, syncDir, writeAt, writtenBefore } from './fs.js';

const DAY_MS = 86_400_000;
/** Longest stop() keeps trying to write what it holds when the disk refuses it. */
export const STOP_DRAIN_MS = 10_000;
/** Source address texts remembered before the cache starts again. */
const SOURCE_CACHE_MAX = 65_536;

/** What the writer needs. */
export interface WriterOptions {
  layout: Layout;
  format: StoreFormat;
  flushIntervalMs: number;
  flushBytes: number;
  fsyncIntervalMs: number;
  maxFileBytes: number;
  maxOpenFiles: number;
  dayCloseDelayMs: number;
  maxBacklogBytes: number;
  retryIntervalMs: number;
  clock: Clock;
  log: Logger;
  metrics: StoreMetrics;
  /** Called with the new name of each file closed by rotation. */
  onRotated(path: string): void;
}

interface SourceEntry {
  text: string;
  file: ArchiveFile | null;
}

/** Appends messages to the archive; see the top of this file for what it guarantees. */
export class Writer {
  private readonly files = new Map<string, ArchiveFile>();
  private readonly retiring = new Map<string, Promise<void>>();
  private readonly sources = new Map<number | string, SourceEntry>();
  private readonly dirtyDirs = new Set<string>();
  private readonly times = new TimeFormatter();
  private readonly days = new DayFormatter();
  private readonly errorLog = new LogThrottle(10_000);
  private readonly encode: typeof encodeText;
  private timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> | null = null;
  private syncing: Promise<void> | null = null;
  private useTick = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private openCount = 0;
  private stopping = false;
  private stopDeadline = Infinity;
  /** Bytes and messages received and not yet written. */
  backlogBytes = 0;
  backlogMessages = 0;
  /** The errno code while the disk refuses writes, else null. */
  blocked: string | null = null;
  private retryAt = 0;

  constructor(private readonly o: WriterOptions) {
    this.encode = o.format === 'jsonl' ? encodeJson : encodeText;
  }

  /** Starts the flush, sync and day-close timers. */
  start(): void {
    const every = (ms: number, fn: () => unknown) => this.timers.push(setInterval(fn, ms));
    every(this.o.flushIntervalMs, () => void this.flush());
    every(this.o.fsyncIntervalMs, () => void this.sync());
    every(1000, () => this.closeEndedDays());
  }

  /** True while the writer holds `path` open or is closing it. */
  holds(path: string): boolean {
    return this.files.has(path) || this.retiring.has(path);
  }

  /** Appends one message; false when it was dropped (counted). */
  append(d: Datagram): boolean {
    const src = this.source(d.src);
    const day = this.days.day(d.tsSec);
    const hour = this.o.layout.usesHour ? String(Math.floor((d.tsSec % 86400) / 3600)).padStart(2, '0') : '';
    let f = src.file;
    if (f === null || f.detached || f.day !== day || f.hour !== hour) {
      f = this.fileFor(day, hour, src.text);
      src.file = f;
    }
    const worst = 64 + src.text.length + 4 * d.payload.length;
    if (this.stopping || this.backlogBytes + worst > this.o.maxBacklogBytes) return false;
    const n = this.encode(f.pending, this.times.format(d.tsSec, d.tsNsec), src.text, d.payload);
    if (f.pendingCount === 0) f.oldestMs = d.tsSec * 1000 + d.tsNsec / 1e6;
    f.pendingCount++;
    this.backlogBytes += n;
    this.backlogMessages++;
    if (f.pending.used >= this.o.flushBytes && f.writing === null) this.writeFile(f);
    return true;
  }

  private source(addr: Uint8Array): SourceEntry {
    const key = addr.length === 4
      ? ((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0
      : Buffer.from(addr.buffer, addr.byteOffset, addr.length).toString('latin1');
    let e = this.sources.get(key);
    if (e === undefined) {
      if (this.sources.size >= SOURCE_CACHE_MAX) this.sources.clear();
      e = { text: formatAddress(addr), file: null };
      this.sources.set(key, e);
    }
    return e;
  }

  private fileFor(day: string, hour: string, source: string): ArchiveFile {
    const path = this.o.layout.path(day, hour, source);
    let f = this.files.get(path);
    if (f === undefined) {
      f = new ArchiveFile(path, day, hour, this.retiring.get(path) ?? Promise.resolve());
      this.files.set(path, f);
    }
    return f;
  }

  /** Writes what every file has pending. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.blocked !== null && Date.now() < this.retryAt) return Promise.resolve();
    const writes: Promise<boolean>[] = [];
    for (const f of this.files.values()) {
      if (f.pending.used > 0 && f.writing === null) writes.push(this.writeFile(f));
    }
    this.flushing = Promise.all(writes).then(() => {
      this.flushing = null;
      this.gauges();
    });
    return this.flushing;
  }

  private writeFile(f: ArchiveFile): Promise<boolean> {
    const p = this.writeChunk(f).finally(() => {
      f.writing = null;
      if (!f.detached && f.size >= this.o.maxFileBytes) void this.detach(f, 'size');
    });
    f.writing = p;
    return p;
  }

  // One write(2) of everything pending in `f`; on failure the unwritten
  // part goes back in front of what arrived meanwhile.
  private async writeChunk(f: ArchiveFile): Promise<boolean> {
    const { lines, count, oldestMs } = f.take();
    try {
      await this.ensureOpen(f);
      f.lastUsed = ++this.useTick;
      await writeAt(f.fd!, lines.buf, lines.used, f.size);
    } catch (err) {
      const done = writtenBefore(err);
      f.size += done;
      const rest = count - countLines(lines, 0, done);
      this.accountWritten(count - rest, done, oldestMs);
      f.putBack(lines, done, rest, oldestMs);
      this.diskError(err, f.path);
      return false;
    }
    f.size += lines.used;
    f.unsynced = true;
    this.accountWritten(count, lines.used, oldestMs);
    f.recycle(lines);
    this.unblock();
    return true;
  }

  private accountWritten(count: number, bytes: number, oldestMs: number) {
    const m = this.o.metrics;
    this.backlogBytes -= bytes;
    this.backlogMessages -= count;
    if (count === 0) return;
    m.written.inc(count);
    m.bytes.inc(bytes);
    m.writeLag.observe(Math.max(0, Date.now() - oldestMs) / 1000);
  }

  private async ensureOpen(f: ArchiveFile): Promise<void> {
    if (f.fd !== null) return;
    await f.before;
    // No await between the last check and the count going up: concurrent
    // opens cannot all pass the limit at once.
    while (this.openCount >= this.o.maxOpenFiles) {
      const victim = this.leastRecent();
      if (victim !== null) {
        await this.detach(victim, null);
        continue;
      }
      // Every slot is taken by a file still opening or closing: wait for one.
      await new Promise<void>((r) => this.slotWaiters.push(r));
    }
    this.openCount++;
    try {
      const opened = await openForAppend(f.path);
      f.fd = opened.fd;
      f.size = opened.size;
      this.wakeSlotWaiters();
      for (const dir of opened.created) this.dirtyDirs.add(dir);
      if (opened.cut > 0) {
        this.o.metrics.repaired.inc(opened.cut);
        this.o.log.warn({ path: f.path, bytes: opened.cut }, 'cut an unfinished last line left by a crash');
      }
    } catch (err) {
      this.openCount--;
      this.wakeSlotWaiters();
      throw err;
    }
    this.o.metrics.filesOpen.set(this.openCount);
  }

  private wakeSlotWaiters() {
    for (const wake of this.slotWaiters.splice(0)) wake();
  }

  // The open file written least recently; closing it writes what it holds.
  private leastRecent(): ArchiveFile | null {
    let victim: ArchiveFile | null = null;
    for (const f of this.files.values()) {
      if (f.fd === null) continue;
      if (victim === null || f.lastUsed < victim.lastUsed) victim = f;
    }
    return victim;
  }

  /**
   * Takes `f` out of use: writes what it holds, syncs, closes; with a
   * reason, also renames it to its next number and hands it to `onRotated`.
   */
  private detach(f: ArchiveFile, reason: 'size' | 'day' | null): Promise<void> {
    if (f.detached) return this.retiring.get(f.path) ?? Promise.resolve();
    f.detached = true;
    if (this.files.get(f.path) === f) this.files.delete(f.path);
    const done = this.retire(f, reason).finally(() => {
      if (this.retiring.get(f.path) === done) this.retiring.delete(f.path);
    });
    this.retiring.set(f.path, done);
    return done;
  }

  private async retire(f: ArchiveFile, reason: 'size' | 'day' | null): Promise<void> {
    await f.writing;
    await this.drainFile(f);
    f.dropSpare();
    if (f.fd !== null) {
      const fd = f.fd;
      f.fd = null;
      await this.syncFd(fd, f.path);
      await close(fd).catch((err: unknown) => this.diskError(err, f.path));
      this.openCount--;
      this.o.metrics.filesOpen.set(this.openCount);
      this.wakeSlotWaiters();
    }
    if (reason !== null) await this.rotate(f.path, reason);
  }

  // Writes all of `f`'s pending lines, retrying while the disk refuses
  // them; on stop it gives up at the deadline and counts the rest.
  private async drainFile(f: ArchiveFile, deadline = Infinity): Promise<void> {
    while (f.pending.used > 0) {
      if (await this.writeChunk(f)) continue;
      if (Date.now() >= Math.min(deadline, this.stopDeadline)) {
        this.o.metrics.dropped.inc({ reason: 'disk_error_at_stop' }, f.pendingCount);
        this.o.log.error({ path: f.path, messages: f.pendingCount, code: this.blocked }, 'stopping with messages the disk refused: dropped');
        this.backlogBytes -= f.pending.used;
        this.backlogMessages -= f.pendingCount;
        f.take();
        return;
      }
      await sleep(this.o.retryIntervalMs);
    }
  }

  /** Renames a closed active file to its next number; resolves when done. */
  async rotate(path: string, reason: 'size' | 'day'): Promise<void> {
    try {
      const target = `${path}.${await nextNumber(path)}`;
      await rename(path, target);
      await syncDir(dirname(path));
      this.o.metrics.rotations.inc({ reason });
      this.o.onRotated(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.diskError(err, path);
    }
  }

  /**
   * Rotates a file found on disk that no one writes to (its day ended
   * while the store was down): cuts a torn last line, then renames it.
   */
  retireOnDisk(path: string): Promise<void> {
    if (this.holds(path)) return Promise.resolve();
    const done = (async () => {
      const cut = await repairFile(path);
      if (cut > 0) this.o.metrics.repaired.inc(cut);
      await this.rotate(path, 'day');
    })()
      .catch((err: unknown) => this.diskError(err, path))
      .finally(() => {
        if (this.retiring.get(path) === done) this.retiring.delete(path);
      });
    this.retiring.set(path, done);
    return done;
  }

  /** Closes (and rotates) the files of days that ended `dayCloseDelayMs` ago. */
  closeEndedDays(): Promise<void> {
    const now = this.o.clock.now();
    const closing: Promise<void>[] = [];
    for (const f of [...this.files.values()]) {
      if (dayStartMs(f.day) + DAY_MS + this.o.dayCloseDelayMs <= now) closing.push(this.detach(f, 'day'));
    }
    return Promise.all(closing).then(() => undefined);
  }

  /** fdatasync of every file written since the last one, fsync of new directories. */
  sync(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      const jobs: Promise<void>[] = [];
      for (const f of this.files.values()) {
        if (f.fd === null || !f.unsynced) continue;
        f.unsynced = false;
        jobs.push(this.syncFd(f.fd, f.path));
      }
      const dirs = [...this.dirtyDirs];
      this.dirtyDirs.clear();
      for (const d of dirs) jobs.push(syncDir(d).catch((err: unknown) => this.diskError(err, d)));
      await Promise.all(jobs);
    })().finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async syncFd(fd: number, path: string): Promise<void> {
    try {
      await fdatasync(fd);
      this.o.metrics.fsyncs.inc();
    } catch (err) {
      this.diskError(err, path);
    }
  }

  private diskError(err: unknown, path: string) {
    const code = errorCode(err);
    this.o.metrics.diskErrors.inc({ code });
    this.retryAt = Date.now() + this.o.retryIntervalMs;
    const first = this.blocked === null;
    this.blocked = code;
    this.o.metrics.diskBlocked.set(1);
    const skipped = first ? 0 : this.errorLog.hit();
    if (first) this.errorLog.hit();
    if (skipped >= 0) {
      this.o.log.error(
        { code, errno: (err as NodeJS.ErrnoException).code ?? null, path, backlogBytes: this.backlogBytes, skipped, err },
        'archive write failed: holding messages in memory and retrying',
      );
    }
  }

  private unblock() {
    if (this.blocked === null) return;
    this.o.log.warn({ code: this.blocked, backlogBytes: this.backlogBytes }, 'archive writes succeed again');
    this.blocked = null;
    this.o.metrics.diskBlocked.set(0);
  }

  private gauges() {
    this.o.metrics.backlogBytes.set(this.backlogBytes);
    this.o.metrics.backlogMessages.set(this.backlogMessages);
  }

  /** Writes and syncs everything received, closes every file. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const deadline = Date.now() + STOP_DRAIN_MS;
    this.stopDeadline = deadline;
    await this.flushing;
    const files = [...this.files.values()];
    await Promise.all(files.map(async (f) => {
      await f.writing;
      await this.drainFile(f, deadline);
    }));
    await this.sync();
    await Promise.all(files.map((f) => this.detach(f, null)));
    await Promise.all([...this.retiring.values()]);
    await Promise.all([...this.dirtyDirs].map((d) => syncDir(d).catch(() => undefined)));
    this.gauges();
  }
}

function countLines(lines: LineBuffer, from: number, to: number): number {
  let n = 0;
  for (let i = lines.buf.indexOf(0x0a, from); i >= 0 && i < to; i = lines.buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** One more than the highest number of a closed file of `path`. */
async function nextNumber(path: string): Promise<number> {
  const base = basename(path);
  let max = 0;
  for (const name of await readdir(dirname(path))) {
    if (!name.startsWith(`${base}.`)) continue;
    const m = /^\.(\d+)(\.gz)?(\.tmp)?$/.exec(name.slice(base.length));
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}
