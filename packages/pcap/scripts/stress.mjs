#!/usr/bin/env node
// Stress run, not a test: capture a udpblast burst on lo while a handler
// walks every packet, then print captured vs sent, kernel drops and CPU.
//
//   node scripts/stress.mjs COUNT RATE_PPS [DST=127.77.0.1]
//   UDPBLAST=/tmp/udpblast (gcc -O2 -o /tmp/udpblast tools/udpblast.c)
//   SLOW_MS=N busy-waits N ms per batch, to show backpressure: the kernel
//   drops (counted in stats) while this process's memory stays flat.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

import { forEachPacket, PcapCapture } from '../dist/index.js';

const [count = '2000000', rate = '300000', dst = '127.77.0.1'] =
  process.argv.slice(2);
if (!dst.startsWith('127.')) throw new Error('only send to 127.0.0.0/8');
const PORT = 4242;
const SETTLE_MS = 500; // quiet time after the sender exits
const SLOW_MS = Number(process.env.SLOW_MS ?? 0);

const capture = PcapCapture.open({
  device: 'lo',
  filter: `udp and dst host ${dst} and dst port ${PORT}`,
});
let packets = 0;
let bytes = 0;
let batches = 0;
capture.start({
  onBatch(batch) {
    batches++;
    if (SLOW_MS > 0) {
      const until = performance.now() + SLOW_MS;
      while (performance.now() < until);
    }
    forEachPacket(batch, (data) => {
      packets++;
      bytes += data.length;
    });
  },
  onEnd() {},
  onError(err) {
    console.error(err);
    process.exitCode = 1;
  },
});

const rssMiB = [];
const sampler = setInterval(
  () => rssMiB.push(Math.round(process.memoryUsage.rss() / 2 ** 20)),
  1000,
);
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const blast = spawn(
  process.env.UDPBLAST ?? '/tmp/udpblast',
  [dst, String(PORT), count, rate],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let blastOut = '';
blast.stdout.on('data', (d) => (blastOut += d));
await once(blast, 'exit');
let last = -1;
while (last !== packets) {
  last = packets;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
}
await capture.stop();
clearInterval(sampler);
const cpu = process.cpuUsage(cpu0);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const sent = Number(count);
const stats = capture.stats();
console.log(JSON.stringify({
  sender: blastOut.trim(),
  sent,
  captured: packets,
  capturedPct: +((100 * packets) / sent).toFixed(3),
  batches,
  meanBatch: Math.round(packets / batches),
  bytes,
  stats,
  wallSeconds: +seconds.toFixed(2),
  cpuUserS: +(cpu.user / 1e6).toFixed(2),
  cpuSystemS: +(cpu.system / 1e6).toFixed(2),
  cpuPerPacketUs: +((cpu.user + cpu.system) / sent).toFixed(3),
  maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  rssEverySecondMiB: rssMiB.join(' '),
}, null, 1));
