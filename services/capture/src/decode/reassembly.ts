/**
 * IP fragment reassembly (RFC 791 section 3.2, RFC 8200 section 4.5) with
 * bounded memory and a clock the caller drives through expire().
 */
import type { DropReason, FrameState, ReassemblyOptions } from './types.js';

/** Largest IP payload a datagram can have once reassembled (16-bit length fields). */
export const MAX_REASSEMBLED = 65535;
// Far more than any real MTU needs (64 KiB at 1280 bytes is 52 pieces), and
// it keeps the per-fragment overlap scan cheap against floods of tiny pieces.
const MAX_PIECES = 256;

/** A datagram rebuilt from its fragments; all buffers are new copies. */
export interface Reassembled {
  src: Uint8Array;
  dst: Uint8Array;
  /** IPv4 protocol, or the IPv6 next header from the offset-0 fragment. */
  nextHeader: number;
  /** The whole IP payload (IPv6: the fragmentable part). */
  data: Uint8Array;
}

/** One fragment held: where its bytes go in the IP payload, and a copy of them. */
interface Piece {
  start: number;
  end: number;
  data: Uint8Array;
}

/** One datagram being reassembled. */
class Pending {
  /** Sorted by start; IPv4 pieces may overlap where their bytes agree. */
  readonly pieces: Piece[] = [];
  /** IP payload length, known once the last fragment (MF clear) is in; else -1. */
  total = -1;
  /** Largest end of any piece, to catch a last fragment that ends too early. */
  maxEnd = 0;
  bytes = 0;
  nextHeader = -1;
  /** Abandoned: later fragments are absorbed silently until the deadline. */
  dead = false;

  constructor(
    readonly key: string,
    readonly version: 4 | 6,
    readonly src: Uint8Array,
    readonly dst: Uint8Array,
    readonly deadlineMs: number,
  ) {}
}

/** Holds fragments until their datagram is whole, within the configured limits. */
export class Reassembler {
  // Map iteration follows insertion, so the first entry is always the oldest.
  private readonly table = new Map<string, Pending>();
  private live = 0;
  private heldBytes = 0;

  constructor(
    private readonly opts: ReassemblyOptions,
    private readonly drop: (reason: DropReason) => void,
  ) {}

  /** Incomplete datagrams held, not counting abandoned ones. */
  get datagrams(): number {
    return this.live;
  }

  /** Fragment bytes held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Takes the fragment that s describes in b; returns the datagram it completes, if any. */
  add(b: Uint8Array, s: FrameState, nowMs: number): Reassembled | null {
    const key = fragmentKey(b, s);
    const p = this.table.get(key) ?? this.open(key, b, s, nowMs);
    if (p.dead) return null;
    const reason = this.insert(p, b, s);
    if (reason !== null) {
      this.abandon(p, reason);
      return null;
    }
    if (!isComplete(p)) {
      this.enforceByteLimit();
      return null;
    }
    this.remove(p);
    return { src: p.src, dst: p.dst, nextHeader: p.nextHeader, data: assemble(p) };
  }

  /** Drops every datagram whose reassembly time has run out by nowMs. */
  expire(nowMs: number): void {
    // Deleting the entry being visited is safe in Map iteration.
    for (const p of this.table.values()) {
      if (p.deadlineMs > nowMs) continue;
      if (!p.dead) this.drop('frag_timeout');
      this.remove(p);
    }
  }

  private open(key: string, b: Uint8Array, s: FrameState, nowMs: number): Pending {
    if (this.table.size >= this.opts.maxDatagrams) this.evictOldest();
    const version = s.ipVersion === 6 ? 6 : 4;
    const len = version === 6 ? 16 : 4;
    const src = b.slice(s.srcOff, s.srcOff + len);
    const dst = b.slice(s.dstOff, s.dstOff + len);
    const p = new Pending(key, version, src, dst, nowMs + this.opts.timeoutMs);
    if (version === 4) p.nextHeader = s.proto;
    this.table.set(key, p);
    this.live++;
    return p;
  }

  /** Stores the fragment, or says why the whole datagram must go. */
  private insert(p: Pending, b: Uint8Array, s: FrameState): DropReason | null {
    const start = s.fragOffset;
    const end = start + (s.l4End - s.l4Off);
    const invalid = checkBounds(p, start, end, s.fragMore);
    if (invalid !== null) return invalid;
    const data = b.subarray(s.l4Off, s.l4End);
    const overlap = checkOverlap(p, start, end, data);
    if (overlap === DUPLICATE) return null;
    if (overlap !== null) return overlap;
    if (p.pieces.length === MAX_PIECES) return 'frag_invalid';
    if (!s.fragMore) p.total = end;
    if (start === 0 && p.version === 6) p.nextHeader = s.proto;
    if (end > p.maxEnd) p.maxEnd = end;
    insertSorted(p.pieces, { start, end, data: data.slice() });
    p.bytes += end - start;
    this.heldBytes += end - start;
    return null;
  }

  private enforceByteLimit(): void {
    while (this.heldBytes > this.opts.maxBytes) this.evictOldest();
  }

  private evictOldest(): void {
    const oldest = this.table.values().next();
    if (oldest.done === true) return;
    if (!oldest.value.dead) this.drop('frag_evicted');
    this.remove(oldest.value);
  }

  // The entry stays, dead, so that its remaining fragments do not start a
  // new datagram that would later be counted again as a timeout.
  private abandon(p: Pending, reason: DropReason): void {
    this.drop(reason);
    this.release(p);
    p.dead = true;
    p.pieces.length = 0;
  }

  private remove(p: Pending): void {
    this.release(p);
    this.table.delete(p.key);
  }

  private release(p: Pending): void {
    if (p.dead) return;
    this.heldBytes -= p.bytes;
    this.live--;
    p.bytes = 0;
  }
}

const DUPLICATE = 'duplicate';

/** Checks the fragment's range against RFC limits and the datagram's known length. */
function checkBounds(
  p: Pending, start: number, end: number, more: boolean,
): DropReason | null {
  if (end === start) return 'frag_invalid';
  // Every fragment but the last carries a multiple of 8 bytes, or the next
  // one's offset (in 8-byte units) could not follow it.
  if (more && (end - start) % 8 !== 0) return 'frag_invalid';
  if (end > MAX_REASSEMBLED) return 'frag_too_big';
  if (p.total >= 0 && (end > p.total || (!more && end !== p.total))) return 'frag_invalid';
  if (!more && end < p.maxEnd) return 'frag_invalid';
  return null;
}

/**
 * Compares the fragment with every held piece it overlaps. An exact repeat
 * is a DUPLICATE; IPv6 allows no other overlap (RFC 5722), IPv4 allows one
 * whose bytes agree.
 */
function checkOverlap(
  p: Pending, start: number, end: number, data: Uint8Array,
): DropReason | typeof DUPLICATE | null {
  let covered = false;
  for (const piece of p.pieces) {
    if (piece.end <= start || piece.start >= end) continue;
    const exact = piece.start === start && piece.end === end;
    if (p.version === 6 && !exact) return 'frag_overlap';
    if (!sameBytes(piece, start, end, data)) return 'frag_overlap';
    if (piece.start <= start && piece.end >= end) covered = true;
  }
  return covered ? DUPLICATE : null;
}

function sameBytes(piece: Piece, start: number, end: number, data: Uint8Array): boolean {
  const from = Math.max(start, piece.start);
  const to = Math.min(end, piece.end);
  for (let i = from; i < to; i++) {
    if (piece.data[i - piece.start] !== data[i - start]) return false;
  }
  return true;
}

function insertSorted(pieces: Piece[], piece: Piece): void {
  let i = pieces.length;
  while (i > 0 && pieces[i - 1]!.start > piece.start) i--;
  pieces.splice(i, 0, piece);
}

function isComplete(p: Pending): boolean {
  if (p.total < 0) return false;
  let covered = 0;
  for (const piece of p.pieces) {
    if (piece.start > covered) return false;
    if (piece.end > covered) covered = piece.end;
  }
  return covered === p.total;
}

function assemble(p: Pending): Uint8Array {
  const out = new Uint8Array(p.total);
  for (const piece of p.pieces) out.set(piece.data, piece.start);
  return out;
}

/**
 * The datagram's identity: source, destination, protocol and id for IPv4
 * (RFC 791); source, destination and the 32-bit id for IPv6 (RFC 8200).
 */
function fragmentKey(b: Uint8Array, s: FrameState): string {
  const len = s.ipVersion === 6 ? 16 : 4;
  let key = s.ipVersion === 6 ? '6' : `4${s.proto}`;
  key += `:${s.fragId}:`;
  for (let i = 0; i < len; i += 2) {
    key += String.fromCharCode((b[s.srcOff + i]! << 8) | b[s.srcOff + i + 1]!);
    key += String.fromCharCode((b[s.dstOff + i]! << 8) | b[s.dstOff + i + 1]!);
  }
  return key;
}
