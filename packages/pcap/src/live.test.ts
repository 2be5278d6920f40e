// Live captures on lo (needs CAP_NET_RAW; the suite runs as root).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { LINKTYPE, PcapCapture, type PacketBatch } from './index.js';
import { collect, udpPayload, uniqueLoopbackAddress, within } from './testing.js';

const PORT = 40_000 + (process.pid % 20_000);

async function receiver(t: { after(fn: () => void): void }, address: string) {
  // Bound so the kernel does not answer with ICMP port unreachable.
  const socket = dgram.createSocket('udp4');
  t.after(() => socket.close());
  socket.bind(PORT, address);
  await once(socket, 'listening');
  return socket;
}

function send(socket: dgram.Socket, address: string, payload: Buffer) {
  return new Promise<void>((resolve, reject) =>
    socket.send(payload, PORT, address, (err) => (err ? reject(err) : resolve())),
  );
}

test('live capture on lo gets exactly the datagrams sent', async (t) => {
  const address = uniqueLoopbackAddress();
  await receiver(t, address);
  const capture = PcapCapture.open({
    device: 'lo',
    filter: `udp and dst host ${address} and dst port ${PORT}`,
  });
  t.after(() => capture.stop());
  assert.equal(capture.linktype, LINKTYPE.ETHERNET);
  const batches: PacketBatch[] = [];
  let captured = 0;
  const COUNT = 200;
  const all = new Promise<void>((resolve, reject) => {
    capture.start({
      onBatch(b) {
        batches.push(b);
        captured += b.count;
        if (captured >= COUNT) resolve();
      },
      onEnd() {},
      onError: reject,
    });
  });
  const sender = dgram.createSocket('udp4');
  t.after(() => sender.close());
  const payloads = Array.from({ length: COUNT }, (_, i) =>
    Buffer.from(`<189>sekiwake test datagram ${i} ${'x'.repeat(i % 7)}`),
  );
  for (const p of payloads) await send(sender, address, p);
  await within(5000, 'capturing the datagrams', all);
  await within(5000, 'stop', capture.stop());
  const packets = collect(batches);
  assert.equal(packets.length, COUNT);
  packets.forEach((p, i) => assert.deepEqual(udpPayload(p.data), payloads[i]));
  const now = Date.now() / 1000;
  for (const p of packets) {
    assert.ok(Math.abs(p.tsSec - now) < 60, 'timestamp near now');
    assert.ok(p.tsNsec >= 0 && p.tsNsec < 1e9);
    assert.equal(p.wirelen, p.data.length);
  }
  const stats = capture.stats();
  for (const value of Object.values(stats)) assert.equal(typeof value, 'number');
  assert.ok(stats.received >= COUNT, `received ${stats.received}`);
});

// A worker floods while the main thread's handler is slow, so the native
// queue is full and the capture thread waits in BlockingCall when stop()
// is called: the case that would deadlock if stop joined the thread.
test('stop() during a flood with a slow handler resolves', async (t) => {
  const address = uniqueLoopbackAddress();
  await receiver(t, address);
  const capture = PcapCapture.open({
    device: 'lo',
    filter: `udp and dst host ${address}`,
    batchPackets: 8,
  });
  let batches = 0;
  let ended = false;
  let flowing: () => void = () => {};
  const busy = new Promise<void>((resolve) => (flowing = resolve));
  capture.start({
    onBatch() {
      if (++batches === 20) flowing();
      const until = Date.now() + 2;
      while (Date.now() < until); // a slow consumer
    },
    onEnd: () => (ended = true),
    onError: (e) => assert.fail(e),
  });
  const worker = new Worker(FLOOD, { eval: true, workerData: { address, port: PORT } });
  t.after(() => worker.terminate());
  await within(10_000, 'the flood to arrive', busy);
  await within(5000, 'stop during flood', capture.stop());
  assert.ok(ended, 'onEnd runs before stop() resolves');
});

const FLOOD = `
const dgram = require('node:dgram');
const { workerData } = require('node:worker_threads');
const s = dgram.createSocket('udp4');
const payload = Buffer.alloc(64, 0x61);
function burst() {
  for (let i = 0; i < 200; i++) s.send(payload, workerData.port, workerData.address);
  setImmediate(burst);
}
burst();
`;

// Deleting the interface under a running capture makes pcap_dispatch
// return -1. Needs a tap device; skipped where ip tuntap is not allowed.
test('an interface that disappears gives E_PCAP_READ', async (t) => {
  const name = `seki${process.pid % 100_000}`;
  try {
    execFileSync('ip', ['tuntap', 'add', 'dev', name, 'mode', 'tap'], { stdio: 'ignore' });
    execFileSync('ip', ['link', 'set', name, 'up'], { stdio: 'ignore' });
  } catch {
    t.skip('cannot create a tap device here');
    return;
  }
  const remove = () =>
    execFileSync('ip', ['tuntap', 'del', 'dev', name, 'mode', 'tap'], { stdio: 'ignore' });
  let removed = false;
  t.after(() => removed || remove());
  const capture = PcapCapture.open({ device: name });
  const failed = new Promise<Error>((resolve) =>
    capture.start({ onBatch() {}, onEnd() {}, onError: resolve }),
  );
  await new Promise((r) => setTimeout(r, 100));
  remove();
  removed = true;
  const error = await within(5000, 'read error', failed);
  assert.equal((error as { code?: string }).code, 'E_PCAP_READ');
  assert.equal((error as { device?: string }).device, name);
  await within(1000, 'stop after error', capture.stop());
});

// Worker teardown finalizes the TSFN while JavaScript can no longer run;
// the capture must stop quietly, without a fatal error in the process.
test('terminating a worker that captures does not crash', async () => {
  const worker = new Worker(new URL('./testing-worker.js', import.meta.url));
  await once(worker, 'message');
  await within(5000, 'worker termination', worker.terminate());
});
