#!/usr/bin/env node
// Micro-benchmark, not a test: CPU per datagram of sendMany (sendmmsg) and
// of dgram.send on a connected socket, both to a udp-sink counter.
//
//   node scripts/bench.mjs [DATAGRAMS=1000000] [DST=127.0.0.2]
//
// process.cpuUsage() counts user and system time of this process, which on
// loopback includes the kernel delivering each datagram to the receiver.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { UdpBatchSocket } from '../dist/index.js';

const [total = '1000000', dst = '127.0.0.2'] = process.argv.slice(2);
if (!dst.startsWith('127.')) throw new Error('only send to 127.0.0.0/8');
const DATAGRAMS = Number(total);
const PAYLOAD_BYTES = 96;
const BATCH = 512;
const SINK = fileURLToPath(new URL('../build/Release/udp-sink', import.meta.url));

// One batch buffer reused for every batch, as a forwarder's would be.
const buffer = Buffer.alloc(BATCH * PAYLOAD_BYTES, 0x61);
const offsets = new Uint32Array(BATCH).map((_, i) => i * PAYLOAD_BYTES);
const lengths = new Uint32Array(BATCH).fill(PAYLOAD_BYTES);

async function startSink() {
  const child = spawn(SINK, [dst, '0', 'count'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [first] = await once(child.stdout, 'data');
  const port = Number(/^ready (\d+)/.exec(String(first))[1]);
  const stop = async () => {
    const result = once(child.stdout, 'data');
    child.stdin.end();
    const [line] = await result;
    return String(line).trim().split(' ').map(Number)[0];
  };
  return { port, stop };
}

function sendManyRun(port) {
  const socket = UdpBatchSocket.open({ host: dst, port, sendBufferBytes: 4 << 20 });
  let errors = 0;
  for (let done = 0; done < DATAGRAMS; ) {
    const count = Math.min(BATCH, DATAGRAMS - done);
    for (let from = 0; from < count; ) {
      const r = socket.sendMany(buffer, offsets, lengths, from, count - from);
      from += r.sent;
      if (r.errno !== null) errors++;
    }
    done += count;
  }
  socket.close();
  return errors;
}

async function dgramRun(port) {
  const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
  socket.connect(port, dst);
  await once(socket, 'connect');
  let errors = 0;
  const onSent = (err) => err && errors++;
  for (let done = 0; done < DATAGRAMS; ) {
    const count = Math.min(BATCH, DATAGRAMS - done);
    let last;
    for (let i = 0; i < count; i++) {
      const p = buffer.subarray(offsets[i], offsets[i] + lengths[i]);
      if (i < count - 1) socket.send(p, onSent);
      else last = new Promise((resolve) => socket.send(p, (e) => resolve(onSent(e))));
    }
    await last; // one batch in flight, as a forwarder would keep it
    done += count;
  }
  socket.close();
  return errors;
}

async function measure(name, run) {
  const sink = await startSink();
  const before = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  const errors = await run(sink.port);
  const cpu = process.cpuUsage(before);
  const wallNs = Number(process.hrtime.bigint() - wallStart);
  await new Promise((r) => setTimeout(r, 200)); // let the sink catch up
  const received = await sink.stop();
  const ns = ((cpu.user + cpu.system) * 1000) / DATAGRAMS;
  console.log(
    `${name.padEnd(10)} ${ns.toFixed(0).padStart(6)} ns/datagram CPU ` +
      `(user ${((cpu.user * 1000) / DATAGRAMS).toFixed(0)}, ` +
      `system ${((cpu.system * 1000) / DATAGRAMS).toFixed(0)}), ` +
      `wall ${(wallNs / DATAGRAMS).toFixed(0)} ns/datagram, ` +
      `received ${received}/${DATAGRAMS}, errors ${errors}`,
  );
}

await measure('sendMany', sendManyRun);
await measure('dgram', dgramRun);
