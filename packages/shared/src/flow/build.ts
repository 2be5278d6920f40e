/**
 * Valid export datagrams of each protocol, for test exporters and the
 * benchmark: synthetic IPv4 flows between documentation prefixes
 * (198.51.100.0/24 to 203.0.113.0/24), deterministic from the datagram
 * and record numbers, with templates where the protocol has them.
 */

/** A test exporter's stream: which protocol and which numbers it uses. */
export interface ExportStream {
  /** 5, 9, 10 (IPFIX) or 'sflow' (v5). */
  version: 5 | 9 | 10 | 'sflow';
  /** Flow records (sFlow: samples) per datagram; NetFlow v5 allows 1..30. */
  records: number;
  /** Engine ID (v5), source ID (v9), observation domain (IPFIX), sub-agent (sFlow). */
  domain: number;
  /** Datagram numbers divisible by this carry the templates (v9, IPFIX). */
  templateEvery: number;
  /** Export start, ms since the epoch (header times derive from it). */
  bootMs: number;
}

/** Template IDs of the test exporter. */
export const TEST_TEMPLATE_ID = 256;
export const TEST_OPTIONS_TEMPLATE_ID = 257;

/** What one synthetic flow record holds. */
export interface TestFlow {
  src: number[];
  dst: number[];
  srcPort: number;
  dstPort: number;
  protocol: number;
  packets: number;
  bytes: number;
}

/** Flow `j` of datagram `i`. */
export function testFlow(i: number, j: number): TestFlow {
  const k = i * 31 + j;
  const tcp = k % 3 !== 0;
  const packets = 1 + (k % 17);
  return {
    src: [198, 51, 100, 1 + (k % 250)],
    dst: [203, 0, 113, 1 + ((k * 7) % 250)],
    srcPort: 1024 + (k % 60000),
    dstPort: tcp ? 443 : 53,
    protocol: tcp ? 6 : 17,
    packets,
    bytes: packets * (60 + (k % 1400)),
  };
}

/** Data records datagram `i` of `s` carries (IPFIX options data included). */
export function dataRecords(s: ExportStream, i: number): number {
  const withTemplates = (s.version === 9 || s.version === 10) && i % s.templateEvery === 0;
  return s.records + (withTemplates ? 1 : 0);
}

/**
 * Datagram `i` of stream `s`, with header sequence number `seq` in the
 * protocol's own unit (v5 flows and IPFIX data records sent before it,
 * v9 packets and sFlow datagrams before it), sent `uptimeMs` after boot.
 */
export function exportDatagram(s: ExportStream, i: number, seq: number, uptimeMs: number): Buffer {
  switch (s.version) {
    case 5: return netflow5(s, i, seq, uptimeMs);
    case 9: return netflow9(s, i, seq, uptimeMs);
    case 10: return ipfix(s, i, seq, uptimeMs);
    case 'sflow': return sflow5(s, i, seq, uptimeMs);
  }
}

class Writer {
  readonly b: Buffer;
  at = 0;
  constructor(size: number) {
    this.b = Buffer.alloc(size);
  }
  u8(v: number) { this.b[this.at++] = v & 255; return this; }
  u16(v: number) { this.b.writeUInt16BE(v & 0xffff, this.at); this.at += 2; return this; }
  u32(v: number) { this.b.writeUInt32BE(v >>> 0, this.at); this.at += 4; return this; }
  u64(v: number) { this.b.writeBigUInt64BE(BigInt(v), this.at); this.at += 8; return this; }
  bytes(v: ArrayLike<number>) { for (let i = 0; i < v.length; i++) this.u8(v[i]!); return this; }
  pad4() { while (this.at % 4 !== 0) this.u8(0); return this; }
  /** Writes a 16-bit length of everything since `from` at `from + 2`. */
  closeSet(from: number) { this.b.writeUInt16BE(this.at - from, from + 2); }
  done() { return this.b.subarray(0, this.at); }
}

function secs(s: ExportStream, uptimeMs: number): number {
  return Math.floor((s.bootMs + uptimeMs) / 1000);
}

// Cisco NetFlow v5: 24-byte header, 48-byte records.
function netflow5(s: ExportStream, i: number, seq: number, up: number): Buffer {
  const w = new Writer(24 + 48 * s.records);
  w.u16(5).u16(s.records).u32(up).u32(secs(s, up)).u32(((s.bootMs + up) % 1000) * 1e6).u32(seq);
  w.u8(0).u8(s.domain).u16(0);
  for (let j = 0; j < s.records; j++) {
    const f = testFlow(i, j);
    w.bytes(f.src).bytes(f.dst).u32(0).u16(1).u16(2).u32(f.packets).u32(f.bytes);
    w.u32(Math.max(0, up - 1000)).u32(up).u16(f.srcPort).u16(f.dstPort);
    w.u8(0).u8(f.protocol === 6 ? 0x18 : 0).u8(f.protocol).u8(0).u16(0).u16(0).u8(24).u8(24).u16(0);
  }
  return w.done();
}

// v9 fields: IN_BYTES 1, IN_PKTS 2, PROTOCOL 4, L4_SRC_PORT 7, IPV4_SRC_ADDR 8,
// L4_DST_PORT 11, IPV4_DST_ADDR 12, LAST_SWITCHED 21, FIRST_SWITCHED 22.
const V9_FIELDS: [number, number][] = [[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [1, 4], [2, 4], [22, 4], [21, 4]];

function netflow9(s: ExportStream, i: number, seq: number, up: number): Buffer {
  const templates = i % s.templateEvery === 0;
  const w = new Writer(20 + 200 + s.records * 29 + 8);
  w.u16(9).u16(s.records + (templates ? 3 : 0)).u32(up).u32(secs(s, up)).u32(seq).u32(s.domain);
  if (templates) {
    let at = w.at;
    w.u16(0).u16(0).u16(TEST_TEMPLATE_ID).u16(V9_FIELDS.length);
    for (const [t, l] of V9_FIELDS) w.u16(t).u16(l);
    w.closeSet(at);
    // Options: scope System (1); SAMPLING_INTERVAL 34, SAMPLING_ALGORITHM 35.
    at = w.at;
    w.u16(1).u16(0).u16(TEST_OPTIONS_TEMPLATE_ID).u16(4).u16(8).u16(1).u16(4).u16(34).u16(4).u16(35).u16(1);
    w.pad4().closeSet(at);
    at = w.at;
    w.u16(TEST_OPTIONS_TEMPLATE_ID).u16(0).u32(s.domain).u32(1).u8(1);
    w.pad4().closeSet(at);
  }
  const at = w.at;
  w.u16(TEST_TEMPLATE_ID).u16(0);
  for (let j = 0; j < s.records; j++) {
    const f = testFlow(i, j);
    w.bytes(f.src).bytes(f.dst).u16(f.srcPort).u16(f.dstPort).u8(f.protocol).u32(f.bytes).u32(f.packets);
    w.u32(Math.max(0, up - 1000)).u32(up);
  }
  w.pad4().closeSet(at);
  return w.done();
}

// IPFIX IEs: sourceIPv4Address 8, destinationIPv4Address 12,
// sourceTransportPort 7, destinationTransportPort 11, protocolIdentifier 4,
// octetDeltaCount 1, packetDeltaCount 2, flowStartMilliseconds 152,
// flowEndMilliseconds 153.
const IPFIX_FIELDS: [number, number][] = [[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [1, 8], [2, 8], [152, 8], [153, 8]];

function ipfix(s: ExportStream, i: number, seq: number, up: number): Buffer {
  const templates = i % s.templateEvery === 0;
  const w = new Writer(16 + 200 + s.records * 45);
  w.u16(10).u16(0).u32(secs(s, up)).u32(seq).u32(s.domain);
  if (templates) {
    let at = w.at;
    w.u16(2).u16(0).u16(TEST_TEMPLATE_ID).u16(IPFIX_FIELDS.length);
    for (const [t, l] of IPFIX_FIELDS) w.u16(t).u16(l);
    w.closeSet(at);
    // Options: scope observationDomainId 149; exportedMessageTotalCount 41.
    at = w.at;
    w.u16(3).u16(0).u16(TEST_OPTIONS_TEMPLATE_ID).u16(2).u16(1).u16(149).u16(4).u16(41).u16(8);
    w.closeSet(at);
    at = w.at;
    w.u16(TEST_OPTIONS_TEMPLATE_ID).u16(0).u32(s.domain).u64(i);
    w.closeSet(at);
  }
  const at = w.at;
  w.u16(TEST_TEMPLATE_ID).u16(0);
  const t = s.bootMs + up;
  for (let j = 0; j < s.records; j++) {
    const f = testFlow(i, j);
    w.bytes(f.src).bytes(f.dst).u16(f.srcPort).u16(f.dstPort).u8(f.protocol).u64(f.bytes).u64(f.packets);
    w.u64(t - 1000).u64(t);
  }
  w.closeSet(at);
  w.b.writeUInt16BE(w.at, 2);
  return w.done();
}

// sFlow v5 datagram with flow samples (enterprise 0, format 1), each with
// one raw packet header record (format 1): Ethernet, IPv4, UDP.
function sflow5(s: ExportStream, i: number, seq: number, up: number): Buffer {
  const w = new Writer(28 + s.records * 120);
  w.u32(5).u32(1).bytes([192, 0, 2, 1]).u32(s.domain).u32(seq).u32(up).u32(s.records);
  for (let j = 0; j < s.records; j++) {
    const f = testFlow(i, j);
    const frame = ethernetFrame(f);
    const sample = w.at;
    w.u32(1).u32(0).u32(i * s.records + j + 1).u32(3).u32(1000).u32((i * s.records + j + 1) * 1000).u32(0);
    w.u32(3).u32(4).u32(1);
    w.u32(1).u32(16 + 44).u32(1).u32(frame.length + 4).u32(4).u32(frame.length).bytes(frame).pad4();
    w.b.writeUInt32BE(w.at - sample - 8, sample + 4);
  }
  return w.done();
}

/** An Ethernet/IPv4/UDP (or TCP-numbered UDP-sized) 42-byte frame head for a flow. */
function ethernetFrame(f: TestFlow): Buffer {
  const b = Buffer.alloc(42);
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(28, 16);
  b[22] = 64;
  b[23] = 17;
  b.set(f.src, 26);
  b.set(f.dst, 30);
  b.writeUInt16BE(f.srcPort, 34);
  b.writeUInt16BE(f.dstPort, 36);
  b.writeUInt16BE(8, 38);
  return b;
}
