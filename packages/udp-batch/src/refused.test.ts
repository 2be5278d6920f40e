// Errors stop a batch at an index whose datagram was NOT sent, and the
// caller can go on from that index without sending anything twice.
// The ICMP test captures on lo with @sekiwake/pcap (needs CAP_NET_RAW).
import assert from 'node:assert/strict';
import { readSync } from 'node:fs';
import { test } from 'node:test';

import { forEachPacket, PcapCapture, type PacketBatch } from '@sekiwake/pcap';

import { UdpBatchSocket, type SendResult } from './index.js';
import { addon, type NativeSocket } from './native.js';
import {
  listener,
  numbered,
  packBatch,
  sleep,
  uniqueLoopbackAddress,
  until,
} from './testing.js';

const ETHERNET_IPV4_UDP_HEADER_BYTES = 14 + 20 + 8;

// Calls send(from) until everything is sent, collecting each result.
function sendAll(count: number, send: (from: number) => SendResult) {
  const results: SendResult[] = [];
  for (let from = 0; from < count; ) {
    const r = send(from);
    results.push(r);
    from += r.sent;
  }
  return results;
}

async function closedPort(t: { after(fn: () => unknown): void }, address: string) {
  const rx = await listener(t, 'udp4', address);
  const port = rx.port;
  await new Promise<void>((resolve) => rx.socket.close(() => resolve()));
  return port;
}

test('ECONNREFUSED stops a batch; the datagram at its index was not sent', async (t) => {
  const address = uniqueLoopbackAddress();
  const port = await closedPort(t, address);
  const capture = PcapCapture.open({
    device: 'lo',
    filter: `udp and dst host ${address} and dst port ${port}`,
    immediate: true,
  });
  const batches: PacketBatch[] = [];
  let captured = 0;
  capture.start({
    onBatch(b) {
      batches.push(b);
      captured += b.count;
    },
    onEnd() {},
    onError: assert.fail,
  });
  t.after(() => capture.stop());
  const COUNT = 6;
  const { buffer, offsets, lengths } = packBatch(
    Array.from({ length: COUNT }, (_, i) => numbered(i, 32)),
  );
  const socket = UdpBatchSocket.open({ host: address, port });
  t.after(() => socket.close());

  const results = sendAll(COUNT, (from) =>
    socket.sendMany(buffer, offsets, lengths, from, COUNT - from),
  );
  // stop() does not wait for packets still in the ring, so wait for them.
  await until(5000, 'capturing the datagrams', () => captured >= COUNT);
  await sleep(50); // room for any datagram sent twice to show up
  await capture.stop();
  const refused = results.filter((r) => r.errno === 'ECONNREFUSED');
  assert.ok(refused.length > 0, `no ECONNREFUSED in ${JSON.stringify(results)}`);
  assert.ok(results.every((r) => r.errno === null || r.errno === 'ECONNREFUSED'));
  const seen: number[] = [];
  for (const batch of batches) {
    forEachPacket(batch, (frame) => {
      seen.push(frame.readUInt32BE(ETHERNET_IPV4_UDP_HEADER_BYTES));
    });
  }
  // Each index went out exactly once: none was sent by the call it failed.
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
});

test('a refusal is reported once; the next send starts clean', async (t) => {
  const address = uniqueLoopbackAddress();
  const port = await closedPort(t, address);
  const socket = UdpBatchSocket.open({ host: address, port });
  t.after(() => socket.close());
  const first = socket.send(numbered(0, 8));
  assert.deepEqual(first, { sent: 1, errno: null });
  assert.deepEqual(socket.send(numbered(1, 8)), { sent: 0, errno: 'ECONNREFUSED' });
  assert.deepEqual(socket.send(numbered(1, 8)), { sent: 1, errno: null });
});

// Loopback UDP never reports EAGAIN (see binding.cc), so this runs the same
// send loop on one end of a Unix datagram pair whose peer is not reading.
test('EAGAIN returns a partial count at once, and a later call continues', (t) => {
  const pair = addon.testingSocketPair(4096);
  assert.ok(!('error' in pair));
  const { socket, peerFd } = pair as { socket: NativeSocket; peerFd: number };
  t.after(() => socket.close());
  const COUNT = 20_000;
  const payloads = Array.from({ length: COUNT }, (_, i) => numbered(i, 4 + (i % 200)));
  const { buffer, offsets, lengths } = packBatch(payloads);
  const received: Buffer[] = [];
  const drain = () => {
    const b = Buffer.alloc(4096);
    for (;;) {
      try {
        received.push(Buffer.from(b.subarray(0, readSync(peerFd, b))));
      } catch (err) {
        assert.equal((err as NodeJS.ErrnoException).code, 'EAGAIN');
        return;
      }
    }
  };
  const results = sendAll(COUNT, (from) => {
    const r = socket.sendMany(buffer, offsets, lengths, from, COUNT - from);
    drain();
    return r;
  });
  assert.ok(results.length > 2, 'the batch should have stopped on EAGAIN');
  for (const r of results.slice(0, -1)) {
    assert.equal(r.errno, 'EAGAIN');
    assert.ok(r.sent < COUNT);
  }
  assert.deepEqual(results.at(-1), { sent: results.at(-1)!.sent, errno: null });
  assert.equal(received.length, COUNT);
  received.forEach((r, i) => assert.ok(r.equals(payloads[i]!), `datagram ${i}`));
});
