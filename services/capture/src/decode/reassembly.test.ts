import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LINKTYPE_ETHERNET, LINKTYPE_RAW, PacketDecoder, type DropReason, type UdpDatagram,
} from './index.js';
import {
  concat, ethernet, ext, fragHeader, ip, ipv4, ipv6, pattern, prng, split, udp,
} from './testing.js';

const PAYLOAD = pattern(3000, 5);
const UDP_PART = udp(5140, 514, PAYLOAD); // the IP payload to be fragmented
const SIZE = 1200;

/** A decoder that records its drops. */
function decoder(limits: { maxDatagrams?: number; maxBytes?: number } = {}) {
  const d = new PacketDecoder({ reassembly: { timeoutMs: 30_000, ...limits } });
  const drops: DropReason[] = [];
  d.onDrop = (r) => drops.push(r);
  return { d, drops };
}

/** Raw IPv4 fragments of `body`, in order. */
function v4Frags(body = UDP_PART, id = 7, size = SIZE, src = '192.0.2.1'): Uint8Array[] {
  return split(body, size).map((f) =>
    ipv4({ id, src, fragOffset: f.offset, more: f.more }, f.data));
}

/** Raw IPv6 fragments of `fragmentable` (whose first header is nextHeader). */
function v6Frags(
  fragmentable = UDP_PART, id = 0xdeadbeef, size = SIZE, nextHeader = 17,
): Uint8Array[] {
  const hbh = ext(44); // hop-by-hop stays in the unfragmentable part
  return split(fragmentable, size).map((f) =>
    ipv6({ nextHeader: 0 }, concat(hbh, fragHeader(nextHeader, f.offset, f.more, id), f.data)));
}

/** Feeds raw frames at one-second steps; returns every datagram produced. */
function feed(d: PacketDecoder, frames: Uint8Array[], startSec = 100): UdpDatagram[] {
  const out: UdpDatagram[] = [];
  frames.forEach((f, i) => {
    const got = d.decode(LINKTYPE_RAW, f, f.length, startSec + i, 0);
    if (got !== null) out.push(got);
  });
  return out;
}

function shuffle<T>(items: T[], seed: number): T[] {
  const rnd = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function expectWhole(got: UdpDatagram[], version: 4 | 6, tsSec: number): void {
  assert.equal(got.length, 1);
  const g = got[0]!;
  assert.equal(g.ipVersion, version);
  assert.deepEqual(g.src, ip(version === 4 ? '192.0.2.1' : '2001:db8::1'));
  assert.deepEqual(g.dst, ip(version === 4 ? '198.51.100.2' : '2001:db8::2'));
  assert.equal(g.srcPort, 5140);
  assert.equal(g.dstPort, 514);
  assert.deepEqual(g.payload, PAYLOAD);
  assert.equal(g.tsSec, tsSec, 'timestamp of the completing fragment');
}

for (const [version, make] of [[4, v4Frags], [6, v6Frags]] as const) {
  test(`IPv${version} fragments in order`, () => {
    const { d, drops } = decoder();
    const frames = make();
    assert.equal(frames.length, 3);
    expectWhole(feed(d, frames), version, 102);
    assert.deepEqual(drops, []);
    assert.deepEqual(d.pending, { datagrams: 0, bytes: 0 });
  });

  test(`IPv${version} fragments reversed`, () => {
    const { d, drops } = decoder();
    expectWhole(feed(d, make().reverse()), version, 102);
    assert.deepEqual(drops, []);
  });

  test(`IPv${version} fragments shuffled`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { d, drops } = decoder();
      const frames = make(UDP_PART, seed, 8 * 40);
      assert.equal(frames.length, 10);
      expectWhole(feed(d, shuffle(frames, seed)), version, 109);
      assert.deepEqual(drops, []);
    }
  });

  test(`IPv${version} duplicated fragments are tolerated`, () => {
    const { d, drops } = decoder();
    const frames = make();
    const got = feed(d, [frames[1]!, frames[0]!, frames[1]!, frames[0]!, frames[2]!]);
    expectWhole(got, version, 104);
    assert.deepEqual(drops, []);
  });

  test(`IPv${version} overlap with different bytes drops the datagram`, () => {
    const { d, drops } = decoder();
    const frames = make();
    const changed = UDP_PART.slice();
    changed[SIZE] = ~UDP_PART[SIZE]! & 0xff; // one byte of the second fragment differs
    const evil = make(changed);
    const got = feed(d, [frames[0]!, evil[1]!, frames[1]!, frames[2]!]);
    assert.deepEqual(got, []);
    assert.deepEqual(drops, ['frag_overlap']);
    assert.deepEqual(d.pending, { datagrams: 0, bytes: 0 });
    d.expire(1e12);
    assert.deepEqual(drops, ['frag_overlap'], 'counted once, not again as a timeout');
  });

  test(`IPv${version} incomplete datagram times out`, () => {
    const { d, drops } = decoder();
    const frames = make();
    assert.deepEqual(feed(d, [frames[0]!, frames[2]!], 100), []);
    assert.equal(d.pending.datagrams, 1);
    assert.equal(d.pending.bytes, SIZE + (UDP_PART.length - 2 * SIZE));
    d.expire(100_000 + 29_999);
    assert.deepEqual(drops, []);
    d.expire(100_000 + 30_000);
    assert.deepEqual(drops, ['frag_timeout']);
    assert.deepEqual(d.pending, { datagrams: 0, bytes: 0 });
  });

  test(`IPv${version} datagrams over maxDatagrams evict the oldest`, () => {
    const { d, drops } = decoder({ maxDatagrams: 2 });
    const a = make(UDP_PART, 1), b = make(UDP_PART, 2), c = make(UDP_PART, 3);
    feed(d, [a[0]!, b[0]!, c[0]!]);
    assert.deepEqual(drops, ['frag_evicted']);
    assert.equal(d.pending.datagrams, 2);
    expectWhole(feed(d, [b[1]!, b[2]!]), version, 101);
    expectWhole(feed(d, [c[1]!, c[2]!]), version, 101);
    assert.deepEqual(feed(d, [a[1]!, a[2]!]), [], 'the evicted datagram never completes');
  });

  test(`IPv${version} fragment bytes over maxBytes evict the oldest`, () => {
    const { d, drops } = decoder({ maxBytes: 3 * SIZE });
    const a = make(UDP_PART, 1), b = make(UDP_PART, 2);
    feed(d, [a[0]!, a[1]!, b[0]!]);
    assert.deepEqual(drops, []);
    feed(d, [b[1]!]);
    assert.deepEqual(drops, ['frag_evicted']);
    assert.deepEqual(d.pending, { datagrams: 1, bytes: 2 * SIZE });
    expectWhole(feed(d, [b[2]!]), version, 100);
  });
}

test('IPv4 overlap with identical bytes is tolerated', () => {
  const { d, drops } = decoder();
  const frames = v4Frags();
  const bytes = UDP_PART.subarray(SIZE - 8, SIZE + 8);
  const straddle = ipv4({ id: 7, fragOffset: SIZE - 8, more: true }, bytes);
  expectWhole(feed(d, [frames[0]!, straddle, frames[2]!, frames[1]!]), 4, 103);
  assert.deepEqual(drops, []);
});

test('IPv6 overlap is dropped even with identical bytes (RFC 5722)', () => {
  const { d, drops } = decoder();
  const frames = v6Frags();
  const straddle = ipv6({ nextHeader: 44 },
    concat(fragHeader(17, SIZE - 8, true, 0xdeadbeef), UDP_PART.subarray(SIZE - 8, SIZE + 8)));
  feed(d, [frames[0]!, straddle]);
  assert.deepEqual(drops, ['frag_overlap']);
});

test('fragments conflicting with the known total length are frag_invalid', () => {
  const frames = v4Frags();
  const cases: Uint8Array[][] = [
    // a second "last" fragment ending elsewhere
    [frames[2]!, ipv4({ id: 7, fragOffset: 2 * SIZE, more: false }, pattern(16))],
    // a fragment beyond the known end
    [frames[2]!, ipv4({ id: 7, fragOffset: 4 * SIZE, more: true }, pattern(16))],
    // a last fragment ending before data already held
    [frames[0]!, frames[1]!,
      ipv4({ id: 7, fragOffset: SIZE, more: false }, UDP_PART.subarray(SIZE, SIZE + 16))],
    // a non-last fragment whose length is not a multiple of 8
    [ipv4({ id: 7, fragOffset: 0, more: true }, pattern(20))],
  ];
  for (const frags of cases) {
    const { d, drops } = decoder();
    assert.deepEqual(feed(d, frags), []);
    assert.deepEqual(drops, ['frag_invalid']);
  }
});

test('a reassembled datagram over 65535 bytes is frag_too_big', () => {
  const { d, drops } = decoder();
  feed(d, [ipv4({ id: 9, fragOffset: 65528, more: false }, pattern(16))]);
  assert.deepEqual(drops, ['frag_too_big']);
  const later = ipv4({ id: 9, fragOffset: 0, more: true }, pattern(16));
  feed(d, [later]);
  d.expire(1e12);
  assert.deepEqual(drops, ['frag_too_big'], 'the rest of the datagram is absorbed');
});

test('non-UDP IPv4 fragments are dropped without being held', () => {
  const { d, drops } = decoder();
  feed(d, [ipv4({ protocol: 6, id: 1, more: true }, pattern(64))]);
  assert.deepEqual(drops, ['not_udp']);
  assert.equal(d.pending.datagrams, 0);
});

test('a reassembled IPv4 datagram with a bad UDP length is udp_length', () => {
  const { d, drops } = decoder();
  assert.deepEqual(feed(d, v4Frags(udp(1, 2, PAYLOAD, 4000))), []);
  assert.deepEqual(drops, ['udp_length']);
});

test('IPv4 fragments with the same id from different sources stay apart', () => {
  const { d, drops } = decoder();
  const a = v4Frags(UDP_PART, 7, SIZE, '192.0.2.1');
  const b = v4Frags(udp(5140, 514, pattern(3000, 99)), 7, SIZE, '192.0.2.9');
  const got = feed(d, [a[0]!, b[0]!, a[1]!, b[1]!, b[2]!, a[2]!]);
  assert.equal(got.length, 2);
  assert.deepEqual(got[0]!.payload, pattern(3000, 99));
  assert.deepEqual(got[1]!.payload, PAYLOAD);
  assert.deepEqual(drops, []);
});

test('IPv6 destination options inside the fragmentable part are walked after reassembly', () => {
  const { d, drops } = decoder();
  expectWhole(feed(d, v6Frags(concat(ext(17, 16), UDP_PART), 1, SIZE, 60)), 6, 102);
  assert.deepEqual(drops, []);
});

test('IPv6 non-UDP fragmented datagrams are dropped after reassembly', () => {
  const { d, drops } = decoder();
  assert.deepEqual(feed(d, v6Frags(pattern(3000), 1, SIZE, 6)), []);
  assert.deepEqual(drops, ['not_udp']);
});

test('IPv6 nested fragment header is frag_invalid', () => {
  const { d, drops } = decoder();
  const inner = concat(fragHeader(17, 0, false, 5), UDP_PART);
  assert.deepEqual(feed(d, v6Frags(inner, 1, SIZE, 44)), []);
  assert.deepEqual(drops, ['frag_invalid']);
});

test('IPv6 atomic fragment is decoded at once (RFC 6946)', () => {
  const { d, drops } = decoder();
  const frame = ipv6({ nextHeader: 44 }, concat(fragHeader(17, 0, false, 3), UDP_PART));
  expectWhole(feed(d, [frame]), 6, 100);
  assert.deepEqual(drops, []);
  assert.equal(d.pending.datagrams, 0);
});

test('a reassembled datagram takes VLAN and timestamp from its last fragment', () => {
  const { d } = decoder();
  const frames = v4Frags().map((f, i) => ethernet(0x0800, f, [{ tpid: 0x8100, vid: 10 + i }]));
  let got: UdpDatagram | null = null;
  frames.forEach((f, i) => {
    got = d.decode(LINKTYPE_ETHERNET, f, f.length, 50, i * 1000) ?? got;
  });
  assert.ok(got);
  const g: UdpDatagram = got;
  assert.equal(g.vlan, 12);
  assert.equal(g.tsNsec, 2000);
  assert.deepEqual(g.payload, PAYLOAD);
});
