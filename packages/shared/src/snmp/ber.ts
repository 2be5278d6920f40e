/**
 * A bounded reader of BER (ITU-T X.690) as SNMP restricts it (RFC 3417
 * section 8): one-byte tags, definite lengths of at most four length
 * bytes, integers of at most 32 bits. It reads in place, without copying,
 * and stops at the first rule broken, with a reason from a fixed list.
 */

/** Why a datagram could not be decoded; a bounded set, fit for a metric label. */
export const DECODE_FAILURES = [
  /** An element runs past the end of the datagram. */
  'truncated',
  /** An element runs past the element that holds it, or its length field is too long. */
  'bad_length',
  /** The indefinite length form (0x80), which SNMP forbids. */
  'indefinite_length',
  /** Bytes left after the message, or after the last field of an element. */
  'trailing_bytes',
  /** A tag other than the one the grammar wants here. */
  'unexpected_tag',
  /** An INTEGER wider than the 32 bits SNMP allows. */
  'integer_too_large',
  /** A version other than 0 (v1), 1 (v2c) or 3. */
  'unknown_version',
  /** Constructed elements nested deeper than the limit. */
  'too_deep',
  /** More variable bindings than the limit. */
  'too_many_varbinds',
  /** An OBJECT IDENTIFIER with more sub-identifiers than the limit. */
  'oid_too_long',
  /** An OBJECT IDENTIFIER that is empty, not minimal or has a sub-identifier over 32 bits. */
  'bad_oid',
  /** A value the grammar does not allow (an IpAddress of 3 bytes, generic-trap 9, ...). */
  'bad_value',
  /** The decoder itself failed: a bug, counted rather than thrown. */
  'internal',
] as const;
export type DecodeFailure = (typeof DECODE_FAILURES)[number];

/** Universal and SNMP application tags the decoder reads. */
export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  IP_ADDRESS: 0x40,
  COUNTER32: 0x41,
  GAUGE32: 0x42,
  TIMETICKS: 0x43,
  COUNTER64: 0x46,
} as const;

/** How far the reader goes before it gives up. */
export interface BerLimits {
  /** Constructed elements open at once. */
  maxDepth: number;
  /** Sub-identifiers of one OBJECT IDENTIFIER (RFC 2578 section 3.5: 128). */
  maxOidArcs: number;
}

/**
 * Thrown inside the decoder and caught at its edge. Not an Error on
 * purpose: a malformed datagram is ordinary input, and a stack trace per
 * datagram would cost more than decoding it.
 */
export class BerFault {
  constructor(
    readonly reason: DecodeFailure,
    /** Byte offset in the datagram where the rule was broken. */
    readonly at: number,
  ) {}
}

const MAX_UINT32 = 0xffff_ffff;

/**
 * Reads elements one after the other between `at` and `end`. After each
 * `header()` the element's value is [valueAt, valueEnd); `enter()` makes
 * that value the range being read, `leave()` checks it was used up.
 */
export class BerReader {
  at: number;
  end: number;
  tag = 0;
  valueAt = 0;
  valueEnd = 0;
  private depth = 0;

  constructor(
    readonly b: Uint8Array,
    readonly limits: BerLimits,
    at = 0,
    end = b.length,
  ) {
    this.at = at;
    this.end = end;
  }

  /** True while elements remain in the range being read. */
  get more(): boolean {
    return this.at < this.end;
  }

  /** Reads the next element's tag and length, leaving `at` on its value. */
  header(): number {
    const b = this.b;
    let at = this.at;
    if (at >= this.end) throw new BerFault(this.end >= b.length ? 'truncated' : 'bad_length', at);
    const tag = b[at++]!;
    if ((tag & 0x1f) === 0x1f) throw new BerFault('unexpected_tag', at - 1);
    if (at >= this.end) throw new BerFault(this.end >= b.length ? 'truncated' : 'bad_length', at);
    let len = b[at++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0) throw new BerFault('indefinite_length', at - 1);
      if (n > 4) throw new BerFault('bad_length', at - 1);
      if (at + n > this.end) throw new BerFault(at + n > b.length ? 'truncated' : 'bad_length', at);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[at++]!;
    }
    if (at + len > this.end) throw new BerFault(at + len > b.length ? 'truncated' : 'bad_length', at);
    this.tag = tag;
    this.valueAt = at;
    this.valueEnd = at + len;
    this.at = at;
    return tag;
  }

  /** Reads an element that must have `tag` and moves past it. */
  expect(tag: number): void {
    const start = this.at;
    if (this.header() !== tag) throw new BerFault('unexpected_tag', start);
    this.at = this.valueEnd;
  }

  /** Moves past the next element, whatever it is. */
  skip(): number {
    const tag = this.header();
    this.at = this.valueEnd;
    return tag;
  }

  /** Opens a constructed element with `tag`; returns what `leave` needs. */
  enter(tag: number): number {
    const start = this.at;
    if (this.header() !== tag) throw new BerFault('unexpected_tag', start);
    return this.open();
  }

  /** Opens the element whose header was just read. */
  open(): number {
    if (++this.depth > this.limits.maxDepth) throw new BerFault('too_deep', this.valueAt);
    const outer = this.end;
    this.end = this.valueEnd;
    return outer;
  }

  /** Closes the element opened last; its value must have been read to the end. */
  leave(outer: number): void {
    if (this.at !== this.end) throw new BerFault('trailing_bytes', this.at);
    this.end = outer;
    this.depth--;
  }

  /** An INTEGER (or an application type of its form) within [min, max]. */
  integer(min = -0x8000_0000, max = 0x7fff_ffff, tag: number = TAG.INTEGER): number {
    this.expect(tag);
    const v = this.integerValue(tag !== TAG.INTEGER);
    if (v < min || v > max) throw new BerFault('bad_value', this.valueAt);
    return v;
  }

  /**
   * The value just read as a two's-complement integer; `unsigned` types
   * (Counter32, TimeTicks) may take a fifth byte, a leading zero.
   */
  integerValue(unsigned: boolean): number {
    const b = this.b;
    const from = this.valueAt;
    const len = this.valueEnd - from;
    if (len === 0) throw new BerFault('bad_value', from);
    if (len > 5 || (len === 5 && b[from] !== 0)) throw new BerFault('integer_too_large', from);
    let v = b[from]! & 0x80 ? -1 : 0;
    for (let i = from; i < this.valueEnd; i++) v = v * 256 + b[i]!;
    if (unsigned && (v < 0 || v > MAX_UINT32)) throw new BerFault('integer_too_large', from);
    if (!unsigned && len === 5) throw new BerFault('integer_too_large', from);
    return v;
  }

  /** An OCTET STRING's value, as a view; at most `maxLength` bytes. */
  octets(maxLength = Infinity): Uint8Array {
    this.expect(TAG.OCTET_STRING);
    if (this.valueEnd - this.valueAt > maxLength) throw new BerFault('bad_value', this.valueAt);
    return this.b.subarray(this.valueAt, this.valueEnd);
  }

  /** An OBJECT IDENTIFIER in dotted form ("1.3.6.1..."). */
  oid(): string {
    this.expect(TAG.OID);
    return this.oidText();
  }

  /** Checks the value just read as an OBJECT IDENTIFIER, without building its text. */
  checkOidValue(): void {
    this.oidArcs(false);
  }

  /** The value just read, an OBJECT IDENTIFIER, in dotted form. */
  oidText(): string {
    return this.oidArcs(true);
  }

  // X.690 section 8.19: base-128 sub-identifiers, the high bit set on all
  // bytes but the last; the first one packs the first two arcs (40*X + Y).
  private oidArcs(text: boolean): string {
    const b = this.b;
    const from = this.valueAt;
    const to = this.valueEnd;
    if (from === to) throw new BerFault('bad_oid', from);
    let arcs = 0;
    let v = 0;
    let fresh = true;
    let out = '';
    for (let i = from; i < to; i++) {
      const byte = b[i]!;
      if (fresh && byte === 0x80) throw new BerFault('bad_oid', i);
      v = v * 128 + (byte & 0x7f);
      if (v > MAX_UINT32 + 80) throw new BerFault('bad_oid', i);
      fresh = (byte & 0x80) === 0;
      if (!fresh) continue;
      if (arcs === 0) {
        const first = v < 40 ? 0 : v < 80 ? 1 : 2;
        if (text) out = `${first}.${v - first * 40}`;
        arcs = 2;
      } else {
        if (v > MAX_UINT32) throw new BerFault('bad_oid', i);
        if (text) out += `.${v}`;
        arcs++;
      }
      if (arcs > this.limits.maxOidArcs) throw new BerFault('oid_too_long', i);
      v = 0;
    }
    if (!fresh) throw new BerFault('bad_oid', to - 1);
    return out;
  }

  /** True when the value just read has exactly the bytes of `want`. */
  valueIs(want: Uint8Array): boolean {
    if (this.valueEnd - this.valueAt !== want.length) return false;
    const b = this.b;
    for (let i = 0; i < want.length; i++) if (b[this.valueAt + i] !== want[i]) return false;
    return true;
  }
}
