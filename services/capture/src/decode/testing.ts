/** Frame builders for the decode tests and benchmark: crafted bytes, no captures. */

/** Bytes of several parts laid end to end. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >> 8;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  put16(b, at, Math.floor(v / 0x10000));
  put16(b, at + 2, v & 0xffff);
}

/** Bytes of a dotted IPv4 or full/compressed IPv6 literal (test input, trusted). */
export function ip(text: string): Uint8Array {
  if (!text.includes(':')) return Uint8Array.from(text.split('.').map(Number));
  const [head = '', tail] = text.split('::');
  const words = (t: string | undefined) => (t ? t.split(':').map((w) => parseInt(w, 16)) : []);
  const left = words(head);
  const right = words(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  all.forEach((w, i) => put16(out, 2 * i, w));
  return out;
}

/** A UDP header and payload (RFC 768); `length` overrides the length field. */
export function udp(
  srcPort: number, dstPort: number, payload: Uint8Array, length = payload.length + 8,
): Uint8Array {
  const h = new Uint8Array(8);
  put16(h, 0, srcPort);
  put16(h, 2, dstPort);
  put16(h, 4, length);
  return concat(h, payload); // checksum 0: "not computed" in IPv4, unchecked anyway
}

/** Fields of a crafted IPv4 header. */
export interface Ipv4Fields {
  src?: string;
  dst?: string;
  protocol?: number;
  id?: number;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset?: number;
  more?: boolean;
  options?: Uint8Array;
  totalLength?: number;
  version?: number;
}

/** An IPv4 packet (RFC 791) around body. */
export function ipv4(f: Ipv4Fields, body: Uint8Array): Uint8Array {
  const options = f.options ?? new Uint8Array(0);
  const h = new Uint8Array(20 + options.length);
  h[0] = ((f.version ?? 4) << 4) | (h.length / 4);
  put16(h, 2, f.totalLength ?? h.length + body.length);
  put16(h, 4, f.id ?? 0);
  put16(h, 6, (f.more === true ? 0x2000 : 0) | ((f.fragOffset ?? 0) / 8));
  h[8] = 64;
  h[9] = f.protocol ?? 17;
  h.set(ip(f.src ?? '192.0.2.1'), 12);
  h.set(ip(f.dst ?? '198.51.100.2'), 16);
  h.set(options, 20);
  return concat(h, body);
}

/** Fields of a crafted IPv6 header. */
export interface Ipv6Fields {
  src?: string;
  dst?: string;
  nextHeader?: number;
  payloadLength?: number;
}

/** An IPv6 packet (RFC 8200) around body, which holds any extension headers. */
export function ipv6(f: Ipv6Fields, body: Uint8Array): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60;
  put16(h, 4, f.payloadLength ?? body.length);
  h[6] = f.nextHeader ?? 17;
  h[7] = 64;
  h.set(ip(f.src ?? '2001:db8::1'), 8);
  h.set(ip(f.dst ?? '2001:db8::2'), 24);
  return concat(h, body);
}

/** An IPv6 extension header in the 8-byte-unit format (types 0, 43, 60); `size` a multiple of 8. */
export function ext(nextHeader: number, size = 8): Uint8Array {
  const h = new Uint8Array(size);
  h[0] = nextHeader;
  h[1] = size / 8 - 1;
  return h;
}

/** An IPv6 fragment header (RFC 8200 section 4.5); offset in bytes. */
export function fragHeader(
  nextHeader: number, offset: number, more: boolean, id: number,
): Uint8Array {
  const h = new Uint8Array(8);
  h[0] = nextHeader;
  put16(h, 2, offset | (more ? 1 : 0));
  put32(h, 4, id);
  return h;
}

/** A VLAN tag: TPID and VLAN id. */
export interface Tag {
  tpid: number;
  vid: number;
}

/** An Ethernet II frame with optional 802.1Q / 802.1ad tags, outermost first. */
export function ethernet(etherType: number, body: Uint8Array, tags: Tag[] = []): Uint8Array {
  const h = new Uint8Array(14 + 4 * tags.length);
  h.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2]);
  tags.forEach((t, i) => {
    put16(h, 12 + 4 * i, t.tpid);
    put16(h, 14 + 4 * i, 0x2000 | t.vid); // priority 1, to show it is masked off
  });
  put16(h, 12 + 4 * tags.length, etherType);
  return concat(h, body);
}

/** A LINUX_SLL (v1) frame. */
export function sll(protocol: number, body: Uint8Array): Uint8Array {
  const h = new Uint8Array(16);
  put16(h, 2, 1); // ARPHRD_ETHER
  put16(h, 4, 6);
  put16(h, 14, protocol);
  return concat(h, body);
}

/** A LINUX_SLL2 frame. */
export function sll2(protocol: number, ifindex: number, body: Uint8Array): Uint8Array {
  const h = new Uint8Array(20);
  put16(h, 0, protocol);
  put32(h, 4, ifindex);
  put16(h, 8, 1); // ARPHRD_ETHER
  h[11] = 6;
  return concat(h, body);
}

/** A NULL (BSD loopback) frame; the family is written in the given byte order. */
export function nullLink(family: number, body: Uint8Array, bigEndian = false): Uint8Array {
  const h = new Uint8Array(4);
  new DataView(h.buffer).setUint32(0, family, !bigEndian);
  return concat(h, body);
}

/** `n` bytes counting up from `seed`, so any misplaced byte shows. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + i * 7) & 0xff;
  return out;
}

/** Mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A piece of an IP payload, as one fragment carries it. */
export interface Piece {
  offset: number;
  data: Uint8Array;
  more: boolean;
}

/** Splits an IP payload into pieces of `size` bytes (the last may be shorter). */
export function split(payload: Uint8Array, size: number): Piece[] {
  const out: Piece[] = [];
  for (let at = 0; at < payload.length; at += size) {
    const data = payload.subarray(at, Math.min(at + size, payload.length));
    out.push({ offset: at, data, more: at + size < payload.length });
  }
  return out;
}
