/**
 * The bus envelope codec alone: encode and decode of 1,000,000 96-byte
 * datagrams in batches of 512, in this process.
 */
import { BatchEncoder, NO_VLAN, parseAddress, readBatch, type Datagram } from '@sekiwake/shared';
import type { BenchRow, Suite } from '../harness.js';

const N = 1_000_000;
const BATCH = 512;

function once(): { encodeNs: number; decodeNs: number } {
  const d: Datagram = {
    tsSec: 1_764_780_000, tsNsec: 1, ipVersion: 4, src: parseAddress('192.0.2.1')!, dst: parseAddress('127.0.0.1')!,
    srcPort: 50000, dstPort: 514, vlan: NO_VLAN, iface: 'eth0', payload: Buffer.alloc(96, 0x41),
  };
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
  if (bytes !== (N - (N % BATCH)) * 96) throw new Error('decode lost datagrams');
  return { encodeNs, decodeNs };
}

export const envelopeSuite: Suite = {
  name: 'envelope',
  async run() {
    once(); // let the JIT warm up
    const r = once();
    const row = (what: string, ns: number): BenchRow => ({
      path: 'envelope', relay: what, offeredPps: 0, sent: N, delivered: N, lossPct: 0,
      cpuUsPerDatagram: Math.round(ns) / 1000, note: `${Math.round(ns)} ns per datagram, batches of ${BATCH}, 96-byte payloads`,
    });
    return [row('encode', r.encodeNs), row('decode', r.decodeNs)];
  },
};
