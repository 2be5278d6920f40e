/** One archive file the writer appends to, and what waits to go into it. */
import { LineBuffer } from '../format/record.js';

/** Spare buffers larger than this are let go rather than kept for reuse. */
const SPARE_MAX_BYTES = 4 << 20;

/** The state of one active file. */
export class ArchiveFile {
  /** Lines received and not yet handed to write(2). */
  pending = new LineBuffer(0);
  pendingCount = 0;
  /** Capture time (ms) of the oldest pending message. */
  oldestMs = 0;
  fd: number | null = null;
  /** Where the next write goes: the file's length as this writer keeps it. */
  size = 0;
  /** Written since the last fdatasync. */
  unsynced = false;
  /** The write in flight, if any. */
  writing: Promise<boolean> | null = null;
  /** Tick of the last write, for closing the least recently used. */
  lastUsed = 0;
  /** Taken out of the writer's map: no more lines are appended. */
  detached = false;
  private spare: LineBuffer | null = null;

  constructor(
    readonly path: string,
    readonly day: string,
    readonly hour: string,
    /** Settles when an earlier holder of the same path has let it go. */
    readonly before: Promise<void>,
  ) {}

  /** Takes the pending lines out, leaving an empty buffer in their place. */
  take(): { lines: LineBuffer; count: number; oldestMs: number } {
    const out = { lines: this.pending, count: this.pendingCount, oldestMs: this.oldestMs };
    this.pending = this.spare ?? new LineBuffer(Math.min(out.lines.buf.length, SPARE_MAX_BYTES));
    this.spare = null;
    this.pendingCount = 0;
    return out;
  }

  /** Gives back a written buffer for reuse. */
  recycle(lines: LineBuffer): void {
    lines.used = 0;
    if (lines.buf.length <= SPARE_MAX_BYTES && this.fd !== null) this.spare = lines;
  }

  /** Puts back, in front of what arrived since, the part of `lines` from `from` that was not written. */
  putBack(lines: LineBuffer, from: number, count: number, oldestMs: number): void {
    const rest = lines.buf.subarray(from, lines.used);
    const merged = new LineBuffer(rest.length + this.pending.used);
    merged.buf.set(rest, 0);
    this.pending.buf.copy(merged.buf, rest.length, 0, this.pending.used);
    merged.used = rest.length + this.pending.used;
    this.pending = merged;
    this.pendingCount += count;
    this.oldestMs = oldestMs;
  }

  /** Lets go of buffers kept for reuse (the file is being closed). */
  dropSpare(): void {
    this.spare = null;
  }
}
