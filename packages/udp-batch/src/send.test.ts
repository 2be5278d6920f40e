// Datagrams go out whole, byte-exact and in order, over IPv4 and IPv6.
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { test } from 'node:test';

import { UdpBatchSocket } from './index.js';
import {
  dumpSink,
  listener,
  numbered,
  packBatch,
  uniqueLoopbackAddress,
  until,
} from './testing.js';

const BIG_INDEXES = new Map([
  [17, 65507],
  [4242, 65506],
  [9999, 65000],
]);

test('10,000 datagrams in one sendMany arrive byte-exact and in order', async (t) => {
  const address = uniqueLoopbackAddress();
  const COUNT = 10_000;
  const sink = await dumpSink(t, address, COUNT);
  const payloads = Array.from({ length: COUNT }, (_, i) =>
    randomFillSync(Buffer.alloc(BIG_INDEXES.get(i) ?? (i * 7919) % 1401)),
  );
  const { buffer, offsets, lengths } = packBatch(payloads);
  const socket = UdpBatchSocket.open({ host: address, port: sink.port });
  t.after(() => socket.close());

  assert.deepEqual(socket.sendMany(buffer, offsets, lengths, 0, COUNT), {
    sent: COUNT,
    errno: null,
  });
  const received = await sink.datagrams;
  assert.equal(received.length, COUNT);
  for (let i = 0; i < COUNT; i++) {
    assert.ok(received[i]!.equals(payloads[i]!), `datagram ${i} differs`);
  }
});

test('from and count select a slice of the batch', async (t) => {
  const rx = await listener(t, 'udp4', uniqueLoopbackAddress());
  const socket = UdpBatchSocket.open({
    host: rx.socket.address().address,
    port: rx.port,
  });
  t.after(() => socket.close());
  const payloads = Array.from({ length: 10 }, (_, i) => numbered(i, 8 + i));
  const { buffer, offsets, lengths } = packBatch(payloads);
  assert.deepEqual(socket.sendMany(buffer, offsets, lengths, 3, 4), { sent: 4, errno: null });
  await until(2000, 'four datagrams', () => rx.received.length === 4);
  assert.deepEqual(rx.received, payloads.slice(3, 7));
});

test('IPv6 to ::1, up to 65527 bytes; one byte more is EMSGSIZE there', async (t) => {
  const rx = await listener(t, 'udp6', '::1');
  const socket = UdpBatchSocket.open({ host: '::1', port: rx.port, sourceAddress: '::1' });
  t.after(() => socket.close());
  const payloads = [numbered(0, 0), numbered(1, 1400), numbered(2, 65527), numbered(3, 65528)];
  const { buffer, offsets, lengths } = packBatch(payloads);
  assert.deepEqual(socket.sendMany(buffer, offsets, lengths, 0, 4), {
    sent: 3,
    errno: 'EMSGSIZE',
  });
  await until(2000, 'three datagrams', () => rx.received.length === 3);
  assert.deepEqual(rx.received, payloads.slice(0, 3));
});

test('send() sends one datagram', async (t) => {
  const rx = await listener(t, 'udp4', uniqueLoopbackAddress());
  const socket = UdpBatchSocket.open({ host: rx.socket.address().address, port: rx.port });
  t.after(() => socket.close());
  assert.deepEqual(socket.send(Buffer.from('hello')), { sent: 1, errno: null });
  assert.deepEqual(socket.send(new Uint8Array(65508)), { sent: 0, errno: 'EMSGSIZE' });
  await until(2000, 'one datagram', () => rx.received.length === 1);
  assert.equal(rx.received[0]!.toString(), 'hello');
});
