// Helpers shared by the tests (not a test file itself).
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SINK = fileURLToPath(new URL('../build/Release/udp-sink', import.meta.url));

interface Cleanup {
  after(fn: () => unknown): void;
}

/** A 127.x.y.z address unlikely to be used by any other test run. */
export function uniqueLoopbackAddress(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** A bound dgram listener that keeps every datagram it receives; the test
 * may close it early. */
export async function listener(t: Cleanup, type: 'udp4' | 'udp6', address: string) {
  const socket = dgram.createSocket({ type, recvBufferSize: 4 << 20 });
  let open = true;
  socket.on('close', () => (open = false));
  t.after(() => open && socket.close());
  const received: Buffer[] = [];
  socket.on('message', (m) => received.push(m));
  socket.bind(0, address);
  await once(socket, 'listening');
  return { socket, received, port: socket.address().port };
}

/** A udp-sink child in dump mode; `datagrams` resolves once `count` arrived. */
export async function dumpSink(t: Cleanup, address: string, count: number) {
  const child = spawn(SINK, [address, '0', 'dump', String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill());
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (c: Buffer) => resolve(Number(/^ready (\d+)/.exec(String(c))?.[1])));
  });
  const datagrams = once(child, 'exit').then(() => splitDump(Buffer.concat(chunks)));
  return { port, datagrams };
}

// The dump starts with the "ready PORT" line, then length-prefixed records.
function splitDump(all: Buffer): Buffer[] {
  let at = all.indexOf(10) + 1;
  const out: Buffer[] = [];
  while (at + 4 <= all.length) {
    const length = all.readUInt32LE(at);
    out.push(all.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

/** Packs payloads into one buffer with offsets and lengths, like a batch. */
export function packBatch(payloads: Uint8Array[]) {
  const offsets = new Uint32Array(payloads.length);
  const lengths = new Uint32Array(payloads.length);
  let total = 0;
  payloads.forEach((p, i) => {
    offsets[i] = total;
    lengths[i] = p.length;
    total += p.length;
  });
  const buffer = Buffer.alloc(total);
  payloads.forEach((p, i) => buffer.set(p, offsets[i]));
  return { buffer, offsets, lengths };
}

/** A payload of `length` bytes that starts with its index (u32 BE). */
export function numbered(index: number, length: number): Buffer {
  const b = Buffer.alloc(length, index & 0xff);
  if (length >= 4) b.writeUInt32BE(index, 0);
  return b;
}

/** Resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until check() is true; rejects after ms milliseconds. */
export async function until(ms: number, what: string, check: () => boolean) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} took over ${ms} ms`);
    await sleep(5);
  }
}
