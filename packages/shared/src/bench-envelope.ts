/**
 * Micro-benchmark of the envelope codec: encode and decode of 1,000,000
 * 96-byte syslog datagrams in batches of 512. Prints ns per datagram.
 * Run: node packages/shared/dist/bench-envelope.js
 */
import { parseAddress } from './address.js';
import { BatchEncoder, NO_VLAN, readBatch, type Datagram } from './envelope.js';

const N = 1_000_000;
const BATCH = 512;
const d: Datagram = {
  tsSec: 1_764_780_000, tsNsec: 1, ipVersion: 4,
  src: parseAddress('192.0.2.1')!, dst: parseAddress('127.0.0.1')!,
  srcPort: 50000, dstPort: 514, vlan: NO_VLAN, iface: 'eth0',
  payload: Buffer.alloc(96, 0x41),
};

function run(): { encodeNs: number; decodeNs: number } {
  const enc = new BatchEncoder('syslog', 1 << 20);
  const batches: Buffer[] = [];
  let t = process.hrtime.bigint();
  for (let i = 0, seq = 0; i < N; i++) {
    enc.add(d);
    if (enc.count === BATCH) { batches.push(enc.take(1, seq)!); seq += BATCH; }
  }
  const encodeNs = Number(process.hrtime.bigint() - t) / N;
  let bytes = 0;
  t = process.hrtime.bigint();
  for (const b of batches) readBatch(b, (x) => { bytes += x.payload.length; });
  const decodeNs = Number(process.hrtime.bigint() - t) / N;
  if (bytes === 0) throw new Error('nothing decoded');
  return { encodeNs, decodeNs };
}

run(); // warm up the JIT
const r = run();
console.log(`envelope: encode ${r.encodeNs.toFixed(0)} ns/datagram, decode ${r.decodeNs.toFixed(0)} ns/datagram (batches of ${BATCH}, 96-byte payloads)`);
