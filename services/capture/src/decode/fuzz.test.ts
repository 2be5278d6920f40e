import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DROP_REASONS, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL,
  LINKTYPE_RAW, PacketDecoder, type DropReason,
} from './index.js';
import {
  concat, ethernet, ext, fragHeader, ipv4, ipv6, nullLink, pattern, prng, sll, sll2, udp,
} from './testing.js';

const LINKTYPES = [0, 1, 12, 101, 113, 228, 229, 276];

/** Valid frames of every shape, each with the link type it is for. */
const VALID: [number, Uint8Array][] = [
  [LINKTYPE_ETHERNET, ethernet(0x0800, ipv4({}, udp(1, 2, pattern(30))))],
  [LINKTYPE_ETHERNET, ethernet(0x86dd,
    ipv6({ nextHeader: 0 }, concat(ext(60), ext(43, 16), ext(17), udp(3, 4, pattern(21)))),
    [{ tpid: 0x88a8, vid: 5 }, { tpid: 0x8100, vid: 6 }])],
  [LINKTYPE_LINUX_SLL, sll(0x0800, ipv4({ options: new Uint8Array(8) }, udp(5, 6, pattern(9))))],
  [LINKTYPE_LINUX_SLL2, sll2(0x86dd, 2, ipv6({}, udp(7, 8, pattern(12))))],
  [LINKTYPE_NULL, nullLink(30, ipv6({}, udp(9, 10, pattern(3))))],
  [LINKTYPE_RAW, ipv4({}, udp(11, 12, pattern(1)))],
];

/** A decoder that records drops, and a check that one call behaved. */
function harness() {
  const decoder = new PacketDecoder({ reassembly: { maxDatagrams: 16, maxBytes: 16384 } });
  const drops: DropReason[] = [];
  decoder.onDrop = (r) => drops.push(r);
  return { decoder, drops };
}

test('every prefix of a valid frame is a truncated drop, never a throw', () => {
  for (const [linktype, frame] of VALID) {
    const { decoder, drops } = harness();
    for (let n = 0; n < frame.length; n++) {
      drops.length = 0;
      const got = decoder.decode(linktype, frame.subarray(0, n), frame.length, 0, 0);
      assert.equal(got, null, `prefix ${n} of ${frame.length}`);
      assert.deepEqual(drops, ['truncated'], `prefix ${n} of ${frame.length}`);
    }
    drops.length = 0;
    assert.ok(decoder.decode(linktype, frame, frame.length, 0, 0));
    assert.deepEqual(drops, []);
  }
});

test('prefixes that claim to be whole frames get one drop each, never a throw', () => {
  for (const [linktype, frame] of VALID) {
    const { decoder, drops } = harness();
    for (let n = 0; n < frame.length; n++) {
      drops.length = 0;
      assert.equal(decoder.decode(linktype, frame.subarray(0, n), n, 0, 0), null);
      assert.equal(drops.length, 1);
      assert.ok(DROP_REASONS.includes(drops[0]!));
    }
  }
});

test('random bytes never throw', () => {
  const rnd = prng(0x5eed);
  const { decoder, drops } = harness();
  for (let i = 0; i < 5000; i++) {
    const frame = new Uint8Array(Math.floor(rnd() * 120));
    for (let j = 0; j < frame.length; j++) frame[j] = Math.floor(rnd() * 256);
    const linktype = LINKTYPES[i % LINKTYPES.length]!;
    checkOne(decoder, drops, linktype, frame, Math.floor(rnd() * 200));
  }
});

test('mutated valid frames never throw and stay within their bounds', () => {
  const rnd = prng(42);
  const frag = ipv6({ nextHeader: 44 }, concat(fragHeader(17, 8, true, 1), pattern(16)));
  const corpus: [number, Uint8Array][] = [...VALID, [LINKTYPE_RAW, frag],
    [LINKTYPE_RAW, ipv4({ id: 3, more: true }, udp(1, 2, pattern(24)))]];
  const { decoder, drops } = harness();
  for (let i = 0; i < 5000; i++) {
    const [linktype, original] = corpus[i % corpus.length]!;
    const frame = original.slice();
    const flips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < flips; k++) {
      frame[Math.floor(rnd() * frame.length)] = Math.floor(rnd() * 256);
    }
    checkOne(decoder, drops, linktype, frame, frame.length);
  }
  decoder.expire(Number.MAX_SAFE_INTEGER);
  assert.deepEqual(decoder.pending, { datagrams: 0, bytes: 0 });
});

function checkOne(
  decoder: PacketDecoder, drops: DropReason[], linktype: number, frame: Uint8Array, wirelen: number,
): void {
  drops.length = 0;
  const got = decoder.decode(linktype, frame, wirelen, 1, 0);
  for (const r of drops) assert.ok(DROP_REASONS.includes(r), r);
  if (got === null) return;
  assert.ok(got.src.length === 4 || got.src.length === 16);
  assert.equal(got.dst.length, got.src.length);
  assert.ok(got.payload.length <= 65535);
}
