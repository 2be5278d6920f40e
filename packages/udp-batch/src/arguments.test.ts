// Bad arguments throw before anything is sent; system failures are data.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { UdpBatchErrorCode, UdpBatchSocket } from './index.js';
import { listener, numbered, packBatch, uniqueLoopbackAddress } from './testing.js';

const typeError = { name: 'TypeError', code: 'E_UDP_ARGUMENT' };
const rangeError = { name: 'RangeError', code: 'E_UDP_ARGUMENT' };

test('options are checked strictly', () => {
  const bad: [unknown, object][] = [
    [undefined, typeError],
    [{ host: 'localhost', port: 9 }, typeError],
    [{ host: '127.0.0.1', port: 0 }, rangeError],
    [{ host: '127.0.0.1', port: 70000 }, rangeError],
    [{ host: '127.0.0.1', port: 1.5 }, rangeError],
    [{ host: '127.0.0.1', port: 9, sendBufferBytes: -1 }, rangeError],
    [{ host: '127.0.0.1', port: 9, sourceAddress: '::1' }, typeError],
    [{ host: '127.0.0.1', port: 9, sndbuf: 1 }, typeError],
  ];
  for (const [options, expected] of bad) {
    assert.throws(() => UdpBatchSocket.open(options as never), expected, JSON.stringify(options));
  }
});

test('a failing system call gives E_UDP_OPEN with errno and syscall', () => {
  // 192.0.2.1 (TEST-NET-1) is not a local address, so bind() fails.
  assert.throws(
    () => UdpBatchSocket.open({ host: '127.0.0.1', port: 9, sourceAddress: '192.0.2.1' }),
    { code: 'E_UDP_OPEN', errno: 'EADDRNOTAVAIL', syscall: 'bind', port: 9 },
  );
});

test('sendMany checks types, index ranges and buffer bounds', async (t) => {
  const rx = await listener(t, 'udp4', uniqueLoopbackAddress());
  const socket = UdpBatchSocket.open({ host: rx.socket.address().address, port: rx.port });
  t.after(() => socket.close());
  const { buffer, offsets, lengths } = packBatch([numbered(0, 10), numbered(1, 10)]);
  const call = (...args: unknown[]) => () =>
    (socket.sendMany as (...a: unknown[]) => unknown)(...args);
  assert.throws(call([1, 2], offsets, lengths, 0, 2), typeError);
  assert.throws(call(buffer, new Int32Array(2), lengths, 0, 2), typeError);
  assert.throws(call(buffer, offsets, Array.from(lengths), 0, 2), typeError);
  assert.throws(call(buffer, offsets, lengths, -1, 1), typeError);
  assert.throws(call(buffer, offsets, lengths, 0, 1.5), typeError);
  assert.throws(call(buffer, offsets, lengths, 1, 2), rangeError);
  assert.throws(call(buffer, offsets, new Uint32Array([10]), 0, 2), rangeError);
  assert.throws(call(buffer, offsets, new Uint32Array([10, 11]), 0, 2), rangeError);
  assert.throws(call(buffer, new Uint32Array([0, 0xffff_fff0]), lengths, 0, 2), rangeError);
  assert.throws(call(buffer.subarray(0, 19), offsets, lengths, 0, 2), rangeError);
  assert.throws(() => socket.send('text' as never), typeError);
  assert.deepEqual(socket.sendMany(buffer, offsets, lengths, 2, 0), { sent: 0, errno: null });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(rx.received.length, 0, 'nothing is sent when an argument is bad');
});

test('a datagram over 65507 bytes on IPv4 stops the batch with EMSGSIZE', async (t) => {
  const rx = await listener(t, 'udp4', uniqueLoopbackAddress());
  const socket = UdpBatchSocket.open({ host: rx.socket.address().address, port: rx.port });
  t.after(() => socket.close());
  const payloads = [numbered(0, 100), numbered(1, 65507), numbered(2, 65508), numbered(3, 5)];
  const { buffer, offsets, lengths } = packBatch(payloads);
  assert.deepEqual(socket.sendMany(buffer, offsets, lengths, 0, 4), {
    sent: 2,
    errno: 'EMSGSIZE',
  });
  assert.deepEqual(socket.sendMany(buffer, offsets, lengths, 3, 1), { sent: 1, errno: null });
});

test('close twice is harmless; sends after close give EBADF', () => {
  const socket = UdpBatchSocket.open({ host: '127.0.0.1', port: 9 });
  assert.ok(socket.fd >= 0);
  socket.close();
  socket.close();
  assert.equal(socket.fd, -1);
  const { buffer, offsets, lengths } = packBatch([numbered(0, 10)]);
  assert.deepEqual(socket.sendMany(buffer, offsets, lengths, 0, 1), { sent: 0, errno: 'EBADF' });
  assert.deepEqual(socket.send(buffer), { sent: 0, errno: 'EBADF' });
});

test('every error code is documented in the README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of Object.values(UdpBatchErrorCode)) {
    assert.ok(readme.includes(`| \`${code}\` |`), `${code} is not in README.md`);
  }
});
