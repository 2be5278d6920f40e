import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DLT_RAW, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_RAW, PacketDecoder, formatAddress,
  type DropReason, type UdpDatagram,
} from './index.js';
import {
  concat, ethernet, ext, ip, ipv4, ipv6, nullLink, pattern, sll, sll2, udp,
} from './testing.js';

const V4 = 0x0800;
const V6 = 0x86dd;
const PAYLOAD = pattern(37);
const UDP_V4 = ipv4({}, udp(5140, 514, PAYLOAD));
const UDP_V6 = ipv6({}, udp(40000, 2055, PAYLOAD));

/** Decodes one frame, returning the datagram (or null) and the drops it caused. */
function run(linktype: number, frame: Uint8Array, wirelen = frame.length) {
  const decoder = new PacketDecoder();
  const drops: DropReason[] = [];
  decoder.onDrop = (r) => drops.push(r);
  const d = decoder.decode(linktype, frame, wirelen, 1700000000, 123456789);
  return { d, drops };
}

function expectDrop(linktype: number, frame: Uint8Array, reason: DropReason, wirelen?: number) {
  const { d, drops } = run(linktype, frame, wirelen);
  assert.equal(d, null);
  assert.deepEqual(drops, [reason]);
}

function expectV4(d: UdpDatagram | null): UdpDatagram {
  assert.ok(d);
  assert.equal(d.ipVersion, 4);
  assert.equal(formatAddress(d.src), '192.0.2.1');
  assert.equal(formatAddress(d.dst), '198.51.100.2');
  assert.equal(d.srcPort, 5140);
  assert.equal(d.dstPort, 514);
  assert.deepEqual(d.payload, PAYLOAD);
  assert.equal(d.tsSec, 1700000000);
  assert.equal(d.tsNsec, 123456789);
  return d;
}

function expectV6(d: UdpDatagram | null): UdpDatagram {
  assert.ok(d);
  assert.equal(d.ipVersion, 6);
  assert.deepEqual(d.src, ip('2001:db8::1'));
  assert.deepEqual(d.dst, ip('2001:db8::2'));
  assert.equal(d.srcPort, 40000);
  assert.equal(d.dstPort, 2055);
  assert.deepEqual(d.payload, PAYLOAD);
  return d;
}

test('Ethernet II with IPv4 and UDP, views into the frame', () => {
  const frame = ethernet(V4, UDP_V4);
  const d = expectV4(run(LINKTYPE_ETHERNET, frame).d);
  assert.equal(d.vlan, -1);
  assert.equal(d.ifindex, -1);
  assert.equal(d.payload.buffer, frame.buffer, 'zero-copy on the unfragmented path');
});

test('src and dst outlive the frame and are shared per address', () => {
  const decoder = new PacketDecoder();
  const frame = ethernet(V4, UDP_V4);
  const first = decoder.decode(LINKTYPE_ETHERNET, frame, frame.length, 0, 0);
  const again = decoder.decode(LINKTYPE_ETHERNET, frame, frame.length, 0, 0);
  assert.ok(first && again);
  assert.equal(again.src, first.src);
  frame.fill(0);
  assert.equal(formatAddress(first.src), '192.0.2.1');
  assert.equal(formatAddress(first.dst), '198.51.100.2');
});

test('many distinct addresses each decode to their own bytes', () => {
  const decoder = new PacketDecoder();
  for (let i = 0; i < 5000; i++) {
    const src = `10.${i >> 8}.${i & 255}.1`;
    const dst = `2001:db8::${i.toString(16)}`;
    const v4 = decoder.decode(LINKTYPE_RAW, ipv4({ src }, udp(1, 2, PAYLOAD)), 65, 0, 0);
    const v6 = decoder.decode(LINKTYPE_RAW, ipv6({ dst }, udp(1, 2, PAYLOAD)), 85, 0, 0);
    assert.deepEqual(v4?.src, ip(src));
    assert.deepEqual(v6?.dst, ip(dst));
  }
});

test('Ethernet padding after the IP total length is ignored', () => {
  const frame = concat(ethernet(V4, UDP_V4), new Uint8Array(20));
  expectV4(run(LINKTYPE_ETHERNET, frame).d);
});

test('802.1Q tag reports its VLAN id', () => {
  const frame = ethernet(V4, UDP_V4, [{ tpid: 0x8100, vid: 42 }]);
  assert.equal(expectV4(run(LINKTYPE_ETHERNET, frame).d).vlan, 42);
});

test('QinQ (802.1ad outer, 802.1Q inner) reports the outer VLAN id', () => {
  const tags = [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, vid: 7 }];
  const frame = ethernet(V6, UDP_V6, tags);
  assert.equal(expectV6(run(LINKTYPE_ETHERNET, frame).d).vlan, 100);
});

test('legacy 0x9100 outer tag is walked', () => {
  const tags = [{ tpid: 0x9100, vid: 4095 }, { tpid: 0x8100, vid: 1 }];
  const frame = ethernet(V4, UDP_V4, tags);
  assert.equal(expectV4(run(LINKTYPE_ETHERNET, frame).d).vlan, 4095);
});

test('more VLAN tags than the bound is link_unsupported', () => {
  const tags = Array.from({ length: 5 }, (_, i) => ({ tpid: 0x8100, vid: i }));
  expectDrop(LINKTYPE_ETHERNET, ethernet(V4, UDP_V4, tags), 'link_unsupported');
});

test('non-IP EtherTypes are not_ip', () => {
  expectDrop(LINKTYPE_ETHERNET, ethernet(0x0806, new Uint8Array(28)), 'not_ip');
  expectDrop(LINKTYPE_ETHERNET, ethernet(0x05dc, UDP_V4), 'not_ip'); // 802.3 length
});

test('LINUX_SLL carries the protocol at offset 14', () => {
  expectV4(run(LINKTYPE_LINUX_SLL, sll(V4, UDP_V4)).d);
  expectV6(run(LINKTYPE_LINUX_SLL, sll(V6, UDP_V6)).d);
});

test('LINUX_SLL2 reports the interface index', () => {
  const d = expectV4(run(LINKTYPE_LINUX_SLL2, sll2(V4, 0x01020304, UDP_V4)).d);
  assert.equal(d.ifindex, 0x01020304);
  assert.equal(d.vlan, -1);
});

test('LINUX_SLL2 with a VLAN tag left in the frame', () => {
  const frame = sll2(0x8100, 3, concat(Uint8Array.of(0, 9, 0x86, 0xdd), UDP_V6));
  const d = expectV6(run(LINKTYPE_LINUX_SLL2, frame).d);
  assert.equal(d.vlan, 9);
  assert.equal(d.ifindex, 3);
});

test('raw IP link types take the version from the nibble or the link type', () => {
  for (const lt of [LINKTYPE_RAW, DLT_RAW]) {
    expectV4(run(lt, UDP_V4).d);
    expectV6(run(lt, UDP_V6).d);
  }
  expectV4(run(LINKTYPE_IPV4, UDP_V4).d);
  expectV6(run(LINKTYPE_IPV6, UDP_V6).d);
  expectDrop(LINKTYPE_IPV4, UDP_V6, 'ip_version');
  expectDrop(LINKTYPE_IPV6, UDP_V4, 'ip_version');
  expectDrop(LINKTYPE_RAW, concat(Uint8Array.of(0x50), UDP_V4.subarray(1)), 'ip_version');
});

test('NULL loopback reads the family in either byte order', () => {
  expectV4(run(LINKTYPE_NULL, nullLink(2, UDP_V4)).d);
  expectV4(run(LINKTYPE_NULL, nullLink(2, UDP_V4, true)).d);
  for (const family of [10, 24, 28, 30]) {
    expectV6(run(LINKTYPE_NULL, nullLink(family, UDP_V6)).d);
    expectV6(run(LINKTYPE_NULL, nullLink(family, UDP_V6, true)).d);
  }
  expectDrop(LINKTYPE_NULL, nullLink(7, UDP_V4), 'not_ip');
});

test('unknown link types are link_unsupported', () => {
  expectDrop(105, UDP_V4, 'link_unsupported'); // IEEE 802.11
});

test('IPv4 options are skipped', () => {
  const options = Uint8Array.of(0x94, 4, 0, 0, 1, 1, 1, 0); // router alert, NOPs, EOL
  expectV4(run(LINKTYPE_RAW, ipv4({ options }, udp(5140, 514, PAYLOAD))).d);
});

test('IPv4 header errors', () => {
  const body = udp(5140, 514, PAYLOAD);
  const badIhl = ipv4({}, body);
  badIhl[0] = 0x44;
  expectDrop(LINKTYPE_RAW, badIhl, 'ip_header');
  expectDrop(LINKTYPE_RAW, ipv4({ totalLength: 19 }, body), 'ip_header');
  expectDrop(LINKTYPE_RAW, ipv4({ totalLength: 200 }, body), 'ip_header');
  expectDrop(LINKTYPE_ETHERNET, ethernet(V4, ipv4({ version: 6 }, body)), 'ip_version');
  expectDrop(LINKTYPE_RAW, ipv4({ protocol: 6 }, body), 'not_udp');
});

test('UDP length checks against the IP payload', () => {
  expectDrop(LINKTYPE_RAW, ipv4({}, new Uint8Array(7)), 'udp_header');
  expectDrop(LINKTYPE_RAW, ipv4({}, udp(1, 2, PAYLOAD, 7)), 'udp_length');
  expectDrop(LINKTYPE_RAW, ipv4({}, udp(1, 2, PAYLOAD, 46)), 'udp_length');
  expectDrop(LINKTYPE_RAW, ipv6({}, udp(1, 2, PAYLOAD, 0)), 'udp_length');
  // A UDP length shorter than the IP payload wins: the rest is padding.
  const padded = ipv4({}, concat(udp(5140, 514, PAYLOAD), Uint8Array.of(0xee, 0xee)));
  expectV4(run(LINKTYPE_RAW, padded).d);
});

test('a zero-length UDP payload is delivered', () => {
  const { d } = run(LINKTYPE_RAW, ipv4({}, udp(1, 2, new Uint8Array(0))));
  assert.ok(d);
  assert.equal(d.payload.length, 0);
});

test('IPv6 walks hop-by-hop, destination options and routing headers', () => {
  // hop-by-hop -> destination options -> routing -> destination options -> UDP
  const body = concat(ext(60, 16), ext(43, 24), ext(60), ext(17), udp(40000, 2055, PAYLOAD));
  expectV6(run(LINKTYPE_RAW, ipv6({ nextHeader: 0 }, body)).d);
});

test('IPv6 skips AH by its 4-byte-unit length', () => {
  const ah = new Uint8Array(24);
  ah[0] = 17;
  ah[1] = 24 / 4 - 2;
  expectV6(run(LINKTYPE_RAW, ipv6({ nextHeader: 51 }, concat(ah, udp(40000, 2055, PAYLOAD)))).d);
});

test('IPv6 walk ends in not_udp at ESP, No Next Header or TCP', () => {
  expectDrop(LINKTYPE_RAW, ipv6({ nextHeader: 50 }, new Uint8Array(64)), 'not_udp');
  expectDrop(LINKTYPE_RAW, ipv6({ nextHeader: 60 }, ext(59)), 'not_udp');
  expectDrop(LINKTYPE_RAW, ipv6({ nextHeader: 6 }, new Uint8Array(20)), 'not_udp');
});

test('IPv6 extension header errors', () => {
  const udpPart = udp(40000, 2055, PAYLOAD);
  const late = concat(ext(0), udpPart); // hop-by-hop after another header
  expectDrop(LINKTYPE_RAW, ipv6({ nextHeader: 60 }, late), 'ipv6_ext');
  const long = ext(17);
  long[1] = 200; // claims 1608 bytes
  expectDrop(LINKTYPE_RAW, ipv6({ nextHeader: 60 }, concat(long, udpPart)), 'ipv6_ext');
  const chain = concat(...Array.from({ length: 9 }, () => ext(60)), udpPart);
  expectDrop(LINKTYPE_RAW, ipv6({ nextHeader: 60 }, chain), 'ipv6_ext');
  expectDrop(LINKTYPE_RAW, ipv6({ payloadLength: 500 }, udpPart), 'ip_header');
});

test('a non-UDP packet cut by the snap length counts as not_udp', () => {
  const tcp4 = ipv4({ protocol: 6 }, new Uint8Array(100));
  expectDrop(LINKTYPE_RAW, tcp4.subarray(0, 40), 'not_udp', tcp4.length);
  const tcp6 = ipv6({ nextHeader: 6 }, new Uint8Array(100));
  expectDrop(LINKTYPE_RAW, tcp6.subarray(0, 60), 'not_udp', tcp6.length);
});

test('a snap length that cuts the payload is truncated', () => {
  const frame = ethernet(V4, UDP_V4);
  expectDrop(LINKTYPE_ETHERNET, frame.subarray(0, frame.length - 1), 'truncated', frame.length);
});

test('decoder limits are checked', () => {
  assert.throws(() => new PacketDecoder({ reassembly: { maxBytes: 0 } }), RangeError);
  assert.throws(() => new PacketDecoder({ reassembly: { timeoutMs: 1.5 } }), RangeError);
});
