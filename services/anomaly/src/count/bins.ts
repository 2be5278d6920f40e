/**
 * Counting datagrams into time bins by their capture time. Bins start at
 * whole multiples of the bin width since the Unix epoch (UTC), so every
 * instance of the service cuts the same bins. A bin stays open until the
 * clock passes its end plus a delay for datagrams still on their way; a
 * datagram for a bin already closed is late, counted, and not added.
 */
import { formatAddress } from '@sekiwake/shared';

/** Distinct sources one bin counts by name; the rest are counted together. */
export const MAX_SOURCES_PER_BIN = 4096;

/** Why a datagram was not counted in a bin. */
export type CountDrop = 'late' | 'future' | 'before_start';

/** Number of syslog severities (RFC 5424 section 6.2.1); index 8 is "no valid PRI". */
export const SEVERITY_SLOTS = 9;

/** The raw counts of one bin. */
export interface BinCounts {
  total: number;
  /** By source: an IPv4 address as its 32-bit value, IPv6 as text. */
  sources: Map<number | string, number>;
  /** Datagrams whose source did not fit in `sources`. */
  unnamed: number;
  /** By syslog severity, 0 (emergency) to 7 (debug), then 8 for none. */
  severities: Uint32Array;
}

/** What to count besides the total. */
export interface CountOptions {
  binSeconds: number;
  sources: boolean;
  severity: boolean;
}

/** Open bins of one kind. */
export class BinCounter {
  private readonly open = new Map<number, BinCounts>();
  /** Start of the oldest bin not yet closed, epoch seconds. */
  private next: number;
  /** Start of the newest bin a datagram may be counted in. */
  private horizon: number;

  constructor(
    private readonly o: CountOptions,
    /** Epoch seconds of the first bin to count; a multiple of binSeconds. */
    private readonly firstBin: number,
  ) {
    this.next = firstBin;
    this.horizon = firstBin + o.binSeconds;
  }

  /** Start of the next bin to close. */
  get nextBin(): number {
    return this.next;
  }

  /** Moves the horizon: datagrams more than one bin ahead of `nowMs` are refused. */
  setNow(nowMs: number): void {
    this.horizon = Math.max(this.next, binStart(nowMs / 1000, this.o.binSeconds) + this.o.binSeconds);
  }

  /** Counts one datagram; returns why it was not counted, or null. */
  add(tsSec: number, src: Uint8Array, payload: Uint8Array): CountDrop | null {
    const start = tsSec - (tsSec % this.o.binSeconds);
    if (start < this.next) return start < this.firstBin ? 'before_start' : 'late';
    if (start > this.horizon) return 'future';
    let c = this.open.get(start);
    if (c === undefined) {
      c = { total: 0, sources: new Map(), unnamed: 0, severities: new Uint32Array(SEVERITY_SLOTS) };
      this.open.set(start, c);
    }
    c.total++;
    if (this.o.sources) countSource(c, src);
    if (this.o.severity) c.severities[severity(payload)]!++;
    return null;
  }

  /** Closes, in order, every bin whose end plus `delayMs` is at or before `nowMs`. */
  closeDue(nowMs: number, delayMs: number): Array<{ start: number; counts: BinCounts }> {
    const out: Array<{ start: number; counts: BinCounts }> = [];
    const width = this.o.binSeconds;
    while ((this.next + width) * 1000 + delayMs <= nowMs) {
      const counts = this.open.get(this.next) ?? emptyCounts();
      this.open.delete(this.next);
      out.push({ start: this.next, counts });
      this.next += width;
    }
    return out;
  }
}

/** Start of the bin holding `sec`, epoch seconds. */
export function binStart(sec: number, binSeconds: number): number {
  const whole = Math.floor(sec);
  return whole - (whole % binSeconds);
}

/** The first whole bin that starts at or after `nowMs`. */
export function firstWholeBin(nowMs: number, binSeconds: number): number {
  const start = binStart(nowMs / 1000, binSeconds);
  return start * 1000 === nowMs ? start : start + binSeconds;
}

function emptyCounts(): BinCounts {
  return { total: 0, sources: new Map(), unnamed: 0, severities: new Uint32Array(SEVERITY_SLOTS) };
}

function countSource(c: BinCounts, src: Uint8Array) {
  const key = src.length === 4 ? ((src[0]! << 24) | (src[1]! << 16) | (src[2]! << 8) | src[3]!) >>> 0 : formatAddress(src);
  const n = c.sources.get(key);
  if (n !== undefined) c.sources.set(key, n + 1);
  else if (c.sources.size < MAX_SOURCES_PER_BIN) c.sources.set(key, 1);
  else c.unnamed++;
}

/** Text of a source key from {@link BinCounts.sources}. */
export function sourceText(key: number | string): string {
  if (typeof key === 'string') return key;
  return `${key >>> 24}.${(key >>> 16) & 255}.${(key >>> 8) & 255}.${key & 255}`;
}

/**
 * The severity of a syslog payload from its PRI (RFC 5424 section 6.2.1,
 * RFC 3164 section 4.1.1): "<" then 1 to 3 digits, value 0..191, then ">".
 * Returns 8 when the payload does not start with a valid PRI.
 */
export function severity(p: Uint8Array): number {
  if (p[0] !== 0x3c) return 8;
  let v = 0;
  for (let i = 1; i < 5; i++) {
    const c = p[i];
    if (c === 0x3e) return i === 1 || v > 191 ? 8 : v & 7;
    if (c === undefined || c < 0x30 || c > 0x39) return 8;
    // RFC 5424: no leading zeros except for PRI 0 itself.
    if (i === 2 && v === 0) return 8;
    v = v * 10 + (c - 0x30);
  }
  return 8;
}
