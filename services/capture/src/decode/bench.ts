/**
 * Micro-benchmark of the decode hot path (not a test). Decodes 1M prebuilt
 * Ethernet/IPv4/UDP frames, views into one batch buffer as libpcap hands
 * them, and prints nanoseconds per packet, twice: all 1M frames distinct
 * (cache-cold, memory-bound), and 1M decodes cycling over a 4096-frame batch
 * (cache-warm, the size of a typical capture batch).
 */
import { LINKTYPE_ETHERNET, PacketDecoder } from './index.js';
import { ethernet, ipv4, pattern, udp } from './testing.js';

const FRAMES = 1_000_000;
const WARM_BATCH = 4096;
const SHAPES = 16;
const WARMUP_ROUNDS = 2;
const ROUNDS = 5;

/** Frames with syslog-like payloads of 60..360 bytes from 16 exporters. */
function buildBatch(count: number): Uint8Array[] {
  const shapes = Array.from({ length: SHAPES }, (_, i) => ethernet(0x0800,
    ipv4({ id: i, src: `192.0.2.${i + 1}` }, udp(40000 + i, 514, pattern(60 + 20 * i, i)))));
  const sizes = Array.from({ length: count }, (_, i) => shapes[i % SHAPES]!.length);
  const batch = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  const frames: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const shape = shapes[i % SHAPES]!;
    batch.set(shape, at);
    frames.push(batch.subarray(at, at + shape.length));
    at += shape.length;
  }
  return frames;
}

/** Nanoseconds per packet for FRAMES decodes cycling over frames. */
function round(decoder: PacketDecoder, frames: Uint8Array[]): number {
  let sink = 0; // consumed so the work cannot be optimised away
  const n = frames.length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < FRAMES; i++) {
    const f = frames[i % n]!;
    const d = decoder.decode(LINKTYPE_ETHERNET, f, f.length, 1700000000, i);
    if (d !== null) sink += d.payload.length + d.src[3]!;
  }
  const ns = Number(process.hrtime.bigint() - start);
  if (sink === 0) throw new Error('bench decoded nothing');
  return ns / FRAMES;
}

function measure(label: string, frames: Uint8Array[]): void {
  const decoder = new PacketDecoder();
  let drops = 0;
  decoder.onDrop = () => drops++;
  for (let i = 0; i < WARMUP_ROUNDS; i++) round(decoder, frames);
  const results = Array.from({ length: ROUNDS }, () => round(decoder, frames));
  results.sort((a, b) => a - b);
  const median = results[Math.floor(ROUNDS / 2)]!;
  console.log(`${label}: median ${median.toFixed(0)} ns/packet, ` +
    `best ${results[0]!.toFixed(0)} (${ROUNDS} rounds of ${FRAMES}, drops ${drops})`);
}

measure('1M distinct frames (cold)', buildBatch(FRAMES));
measure(`${WARM_BATCH}-frame batch (warm)`, buildBatch(WARM_BATCH));
