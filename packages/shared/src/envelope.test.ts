import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddress } from './address.js';
import {
  BatchEncoder,
  MAX_PAYLOAD_BYTES,
  NO_VLAN,
  readBatch,
  readBatchHeader,
  type Datagram,
} from './envelope.js';
import { hasCode } from './errors.js';

function datagram(over: Partial<Datagram> = {}): Datagram {
  return {
    tsSec: 1_764_780_000,
    tsNsec: 123_456_789,
    ipVersion: 4,
    src: parseAddress('192.0.2.1')!,
    dst: parseAddress('198.51.100.7')!,
    srcPort: 40000,
    dstPort: 514,
    vlan: NO_VLAN,
    iface: 'eth0',
    payload: Buffer.from('<13>Dec  3 12:00:00 host app: hello'),
    ...over,
  };
}

// Copies a decoded record out of the batch, with plain Uint8Array fields.
function plain(d: Datagram): Datagram {
  return { ...d, src: new Uint8Array(d.src), dst: new Uint8Array(d.dst), payload: new Uint8Array(d.payload) };
}

function roundTrip(list: Datagram[]): Datagram[] {
  const enc = new BatchEncoder('syslog', 1 << 20);
  for (const d of list) assert.equal(enc.add(d), true);
  const batch = enc.take(7, 100)!;
  const out: Datagram[] = [];
  readBatch(batch, (d) => out.push(plain(d)));
  return out;
}

test('IPv4 and IPv6 records round-trip with every field', () => {
  const v6 = datagram({
    ipVersion: 6,
    src: parseAddress('2001:db8::1')!,
    dst: parseAddress('2001:db8:0:1::ff')!,
    vlan: 42,
    iface: 'bond0.42',
    tsSec: 2 ** 33 + 5,
  });
  const [a, b] = roundTrip([datagram(), v6]);
  assert.deepEqual(a, plain(datagram()));
  assert.equal(b!.ipVersion, 6);
  assert.deepEqual(b!.src, v6.src);
  assert.deepEqual(b!.dst, v6.dst);
  assert.equal(b!.vlan, 42);
  assert.equal(b!.iface, 'bond0.42');
  assert.equal(b!.tsSec, 2 ** 33 + 5);
});

test('empty and 64 KiB payloads keep their exact bytes', () => {
  const big = Buffer.alloc(MAX_PAYLOAD_BYTES);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 255;
  const [e, b] = roundTrip([datagram({ payload: Buffer.alloc(0) }), datagram({ payload: big })]);
  assert.equal(e!.payload.length, 0);
  assert.deepEqual(Buffer.from(b!.payload), big);
});

test('the header carries kind, publisher, first sequence and count', () => {
  const enc = new BatchEncoder('trap', 1 << 20);
  enc.add(datagram());
  enc.add(datagram());
  const h = readBatchHeader(enc.take(0xdeadbeef, 2 ** 40 + 3)!);
  assert.deepEqual(h, { kind: 'trap', publisher: 0xdeadbeef, seq: 2 ** 40 + 3, count: 2 });
  assert.equal(enc.take(1, 0), null, 'an empty encoder yields nothing');
});

test('add refuses a record that does not fit and leaves the batch intact', () => {
  const enc = new BatchEncoder('flow', 131072);
  const big = datagram({ payload: Buffer.alloc(60000, 1) });
  assert.equal(enc.add(big), true);
  assert.equal(enc.add(big), true);
  assert.equal(enc.fits(big), false);
  assert.equal(enc.add(big), false);
  assert.equal(enc.count, 2);
  let n = 0;
  readBatch(enc.take(1, 0)!, (d) => { n++; assert.equal(d.payload.length, 60000); });
  assert.equal(n, 2);
});

test('malformed batches are rejected with E_ENVELOPE and deliver nothing', () => {
  const enc = new BatchEncoder('syslog', 1 << 20);
  enc.add(datagram());
  enc.add(datagram());
  const good = enc.take(1, 0)!;
  const cases: Buffer[] = [
    Buffer.alloc(0),
    Buffer.from('hello world, this is not an envelope'),
    good.subarray(0, good.length - 1),
    Buffer.concat([good, Buffer.from([0])]),
  ];
  const badVersion = Buffer.from(good); badVersion[2] = 9; cases.push(badVersion);
  const badKind = Buffer.from(good); badKind[3] = 0; cases.push(badKind);
  const badLen = Buffer.from(good); badLen.writeUInt32LE(0xffffffff, 24 + 20); cases.push(badLen);
  const badCount = Buffer.from(good); badCount.writeUInt32LE(3, 16); cases.push(badCount);
  for (const c of cases) {
    let delivered = 0;
    assert.throws(() => readBatch(c, () => delivered++), (e) => hasCode(e, 'E_ENVELOPE'));
    assert.equal(delivered, 0);
  }
});
