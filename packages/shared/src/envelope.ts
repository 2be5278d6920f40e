/**
 * The bus envelope: how captured datagrams travel between services.
 *
 * One ZeroMQ message is two frames, [topic, batch]. The topic is the kind
 * (`syslog`, `flow`, `trap`) so that SUB sockets filter in libzmq; the batch
 * carries many datagrams, because one message per datagram costs more than
 * the datagram itself. All integers are little-endian.
 *
 * Batch header, 24 bytes:
 *   0  u8[2] magic "SK"        2  u8 version (1)       3  u8 kind
 *   4  u32 publisher id (random per publisher process start)
 *   8  u32 sequence, low      12  u32 sequence, high
 *  16  u32 record count       20  u32 reserved, 0
 *
 * Each record, a 56-byte fixed part, then the interface name, then the payload:
 *   0  u32 capture time seconds, low     4  u32 nanoseconds (0..999999999)
 *   8  u16 capture time seconds, high   10  u8 IP version (4 or 6)
 *  11  u8 interface name length        12  u16 source port
 *  14  u16 destination port            16  u16 VLAN id (0xffff: none)
 *  18  u16 reserved, 0                 20  u32 payload length
 *  24  u8[16] source address           40  u8[16] destination address
 *      (an IPv4 address fills the first 4 bytes, the rest is zero)
 *
 * The sequence is that of the batch's first datagram among all datagrams of
 * its kind this publisher has sent, from 0. A receiver that knows where the
 * previous batch ended therefore knows exactly how many datagrams it missed:
 * ZeroMQ PUB sockets drop silently at their high-water mark, a gap does not.
 */
import { SekiwakeError } from './errors.js';

/** The datagram kinds, each a bus topic. */
export const KINDS = ['syslog', 'flow', 'trap'] as const;
export type Kind = (typeof KINDS)[number];

/** Envelope format version written by this code. */
export const ENVELOPE_VERSION = 1;
/** Size of the batch header. */
export const BATCH_HEADER_BYTES = 24;
/** Size of a record's fixed part. */
export const RECORD_FIXED_BYTES = 56;
/** Largest payload a record may carry: the largest UDP payload over IPv6 jumbo-less IP. */
export const MAX_PAYLOAD_BYTES = 65535;
/** VLAN value of a datagram that had no 802.1Q tag. */
export const NO_VLAN = 0xffff;

const MAGIC_0 = 0x53; // 'S'
const MAGIC_1 = 0x4b; // 'K'
const TWO_32 = 0x1_0000_0000;

/** One captured UDP datagram and its metadata. */
export interface Datagram {
  /** Capture time, whole seconds since the Unix epoch. */
  tsSec: number;
  /** Capture time, nanoseconds within the second. */
  tsNsec: number;
  ipVersion: 4 | 6;
  /** Source address, 4 or 16 bytes. */
  src: Uint8Array;
  /** Destination address, 4 or 16 bytes. */
  dst: Uint8Array;
  srcPort: number;
  dstPort: number;
  /** Outer 802.1Q VLAN id, or {@link NO_VLAN}. */
  vlan: number;
  /** Interface the datagram was captured on. */
  iface: string;
  /** The UDP payload, exactly as it was sent. */
  payload: Uint8Array;
}

/** The header of a decoded batch. */
export interface BatchHeader {
  kind: Kind;
  publisher: number;
  seq: number;
  count: number;
}

/** Bytes one datagram takes in a batch. */
export function recordBytes(d: Datagram): number {
  return RECORD_FIXED_BYTES + Math.min(d.iface.length, 255) + d.payload.length;
}

/**
 * Builds batches of one kind. `add` copies a datagram in at once, so the
 * caller may reuse its buffers; `take` hands over a copy of the finished
 * batch, sized to fit (ZeroMQ may hold it after send), and starts again.
 */
export class BatchEncoder {
  private buf: Buffer;
  private used = BATCH_HEADER_BYTES;
  private records = 0;
  private firstAt = 0;
  private readonly ifaceCache = new Map<string, Buffer>();

  constructor(
    readonly kind: Kind,
    /** Largest batch in bytes; at least one maximal record must fit. */
    readonly maxBytes: number,
  ) {
    const minimum = BATCH_HEADER_BYTES + RECORD_FIXED_BYTES + 255 + MAX_PAYLOAD_BYTES;
    if (maxBytes < minimum) {
      throw new SekiwakeError('E_INTERNAL', `batch maxBytes must be at least ${minimum}`);
    }
    this.buf = Buffer.allocUnsafeSlow(maxBytes);
  }

  /** Datagrams in the batch being built. */
  get count(): number {
    return this.records;
  }

  /** Bytes of the batch being built, header included. */
  get bytes(): number {
    return this.used;
  }

  /** When the first datagram of this batch was added (ms, the clock given). */
  get openedAt(): number {
    return this.firstAt;
  }

  /** True when `d` fits in the batch being built. */
  fits(d: Datagram): boolean {
    return this.used + recordBytes(d) <= this.maxBytes;
  }

  /** Copies `d` into the batch; false (nothing written) when it does not fit. */
  add(d: Datagram, now = 0): boolean {
    const iface = this.ifaceBytes(d.iface);
    const size = RECORD_FIXED_BYTES + iface.length + d.payload.length;
    if (this.used + size > this.maxBytes || d.payload.length > MAX_PAYLOAD_BYTES) return false;
    if (this.records === 0) this.firstAt = now;
    writeRecord(this.buf, this.used, d, iface);
    this.used += size;
    this.records++;
    return true;
  }

  /** Finishes the batch with sequence `seq` and returns it; null when empty. */
  take(publisher: number, seq: number): Buffer | null {
    if (this.records === 0) return null;
    writeHeader(this.buf, this.kind, publisher, seq, this.records);
    const out = Buffer.allocUnsafe(this.used);
    this.buf.copy(out, 0, 0, this.used);
    this.used = BATCH_HEADER_BYTES;
    this.records = 0;
    return out;
  }

  private ifaceBytes(name: string): Buffer {
    let b = this.ifaceCache.get(name);
    if (b === undefined) {
      b = Buffer.from(name, 'latin1').subarray(0, 255);
      if (this.ifaceCache.size > 1024) this.ifaceCache.clear();
      this.ifaceCache.set(name, b);
    }
    return b;
  }
}

function writeHeader(b: Buffer, kind: Kind, publisher: number, seq: number, count: number) {
  b[0] = MAGIC_0;
  b[1] = MAGIC_1;
  b[2] = ENVELOPE_VERSION;
  b[3] = KINDS.indexOf(kind) + 1;
  b.writeUInt32LE(publisher >>> 0, 4);
  b.writeUInt32LE(seq % TWO_32, 8);
  b.writeUInt32LE(Math.floor(seq / TWO_32), 12);
  b.writeUInt32LE(count, 16);
  b.writeUInt32LE(0, 20);
}

function writeRecord(b: Buffer, at: number, d: Datagram, iface: Buffer) {
  b.writeUInt32LE(d.tsSec % TWO_32, at);
  b.writeUInt32LE(d.tsNsec, at + 4);
  b.writeUInt16LE(Math.floor(d.tsSec / TWO_32) & 0xffff, at + 8);
  b[at + 10] = d.ipVersion;
  b[at + 11] = iface.length;
  b.writeUInt16LE(d.srcPort, at + 12);
  b.writeUInt16LE(d.dstPort, at + 14);
  b.writeUInt16LE(d.vlan & 0xffff, at + 16);
  b.writeUInt16LE(0, at + 18);
  b.writeUInt32LE(d.payload.length, at + 20);
  copySmall(b, at + 24, d.src, 16);
  copySmall(b, at + 40, d.dst, 16);
  copySmall(b, at + 56, iface, iface.length);
  b.set(d.payload, at + 56 + iface.length);
}

// Byte loops beat Buffer.copy/set for a few bytes (no native call, no view);
// the rest of the field, up to `width`, is zeroed.
function copySmall(b: Buffer, at: number, src: Uint8Array, width: number) {
  const n = src.length < width ? src.length : width;
  for (let i = 0; i < n; i++) b[at + i] = src[i]!;
  for (let i = n; i < width; i++) b[at + i] = 0;
}

/** Reads and checks a batch header; throws E_ENVELOPE when it is not one. */
export function readBatchHeader(b: Uint8Array): BatchHeader {
  if (b.length < BATCH_HEADER_BYTES || b[0] !== MAGIC_0 || b[1] !== MAGIC_1) {
    throw envelopeError('not an envelope batch', b.length);
  }
  if (b[2] !== ENVELOPE_VERSION) throw envelopeError(`unsupported version ${b[2]}`, b.length);
  const kind = KINDS[(b[3] ?? 0) - 1];
  if (kind === undefined) throw envelopeError(`unknown kind ${b[3]}`, b.length);
  const v = view(b);
  return {
    kind,
    publisher: v.getUint32(4, true),
    seq: v.getUint32(8, true) + v.getUint32(12, true) * TWO_32,
    count: v.getUint32(16, true),
  };
}

/**
 * Decodes a whole batch, calling `fn` once per record. The batch is checked
 * end to end before the first call, so a malformed batch delivers nothing.
 * The `Datagram` passed to `fn` is reused and its byte fields are views into
 * `b`: copy what must outlive the call.
 */
export function readBatch(b: Uint8Array, fn: (d: Datagram) => void): BatchHeader {
  const header = readBatchHeader(b);
  checkRecords(b, header.count);
  const v = view(b);
  const d: Datagram = {
    tsSec: 0, tsNsec: 0, ipVersion: 4, src: b, dst: b, srcPort: 0, dstPort: 0,
    vlan: NO_VLAN, iface: '', payload: b,
  };
  let at = BATCH_HEADER_BYTES;
  let lastIface: Uint8Array | null = null;
  for (let i = 0; i < header.count; i++) {
    const ifaceLen = b[at + 11]!;
    const payloadLen = v.getUint32(at + 20, true);
    const alen = b[at + 10] === 6 ? 16 : 4;
    d.tsSec = v.getUint32(at, true) + v.getUint16(at + 8, true) * TWO_32;
    d.tsNsec = v.getUint32(at + 4, true);
    d.ipVersion = alen === 16 ? 6 : 4;
    d.srcPort = v.getUint16(at + 12, true);
    d.dstPort = v.getUint16(at + 14, true);
    d.vlan = v.getUint16(at + 16, true);
    d.src = b.subarray(at + 24, at + 24 + alen);
    d.dst = b.subarray(at + 40, at + 40 + alen);
    const ifaceAt = at + RECORD_FIXED_BYTES;
    if (lastIface === null || !sameBytes(lastIface, b, ifaceAt, ifaceLen)) {
      lastIface = b.subarray(ifaceAt, ifaceAt + ifaceLen);
      d.iface = Buffer.from(lastIface.buffer, lastIface.byteOffset, ifaceLen).toString('latin1');
    }
    d.payload = b.subarray(ifaceAt + ifaceLen, ifaceAt + ifaceLen + payloadLen);
    fn(d);
    at = ifaceAt + ifaceLen + payloadLen;
  }
  return header;
}

function checkRecords(b: Uint8Array, count: number) {
  const v = view(b);
  let at = BATCH_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + RECORD_FIXED_BYTES > b.length) throw envelopeError(`record ${i} is cut short`, b.length);
    const ipv = b[at + 10];
    if (ipv !== 4 && ipv !== 6) throw envelopeError(`record ${i} has IP version ${ipv}`, b.length);
    at += RECORD_FIXED_BYTES + b[at + 11]! + v.getUint32(at + 20, true);
    if (at > b.length) throw envelopeError(`record ${i} runs past the batch`, b.length);
  }
  if (at !== b.length) throw envelopeError('bytes left after the last record', b.length);
}

function sameBytes(a: Uint8Array, b: Uint8Array, at: number, len: number): boolean {
  if (a.length !== len) return false;
  for (let i = 0; i < len; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function envelopeError(problem: string, bytes: number): SekiwakeError {
  return new SekiwakeError('E_ENVELOPE', `bad envelope batch: ${problem}`, { bytes });
}
