/**
 * tcpdump as the independent witness of what was sent: it records the
 * datagrams on the wire, and the test compares what arrived with that.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { start, type Proc } from './process.js';

let witnesses = 0;

/** A running tcpdump writing a pcap file. */
export interface Witness {
  proc: Proc;
  file: string;
  /** Stops tcpdump and returns the UDP payloads it saw, in order. */
  payloads(): Promise<Buffer[]>;
}

/** Starts `tcpdump -i IFACE -w FILE FILTER` and waits until it listens. */
export async function startTcpdump(t: TestContext, dir: string, iface: string, filter: string, netns?: string): Promise<Witness> {
  const file = join(dir, `witness-${process.pid}-${++witnesses}.pcap`);
  // Immediate mode: every packet is written as it arrives, none waits in a
  // half-full buffer when the witness is stopped.
  const args = ['-i', iface, '-n', '-U', '--immediate-mode', '-B', '32768', '-s', '0', '-w', file, filter];
  const proc = netns ? start(t, 'ip', ['netns', 'exec', netns, 'tcpdump', ...args]) : start(t, 'tcpdump', args);
  await proc.waitFor(/listening on/);
  return {
    proc,
    file,
    async payloads() {
      await new Promise((r) => setTimeout(r, 500));
      await proc.stop();
      return udpPayloads(readFileSync(file));
    },
  };
}

/**
 * UDP payloads of a classic pcap file with Ethernet or Linux cooked frames
 * carrying unfragmented IPv4 or IPv6: a deliberately small reader of its own,
 * independent of the capture service's decoder.
 */
export function udpPayloads(pcap: Buffer): Buffer[] {
  const magic = pcap.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error('not a little-endian pcap file');
  const linktype = pcap.readUInt32LE(20);
  const out: Buffer[] = [];
  for (let at = 24; at + 16 <= pcap.length; ) {
    const caplen = pcap.readUInt32LE(at + 8);
    const frame = pcap.subarray(at + 16, at + 16 + caplen);
    at += 16 + caplen;
    const l3 = linktype === 1 ? 14 : linktype === 113 ? 16 : linktype === 276 ? 20 : -1;
    if (l3 < 0) throw new Error(`link type ${linktype} not read by this helper`);
    const version = frame[l3]! >> 4;
    if (version === 4) {
      const ihl = (frame[l3]! & 15) * 4;
      if (frame[l3 + 9] !== 17 || (frame.readUInt16BE(l3 + 6) & 0x3fff) !== 0) continue;
      const udp = l3 + ihl;
      out.push(Buffer.from(frame.subarray(udp + 8, udp + frame.readUInt16BE(udp + 4))));
    } else if (version === 6 && frame[l3 + 6] === 17) {
      const udp = l3 + 40;
      out.push(Buffer.from(frame.subarray(udp + 8, udp + frame.readUInt16BE(udp + 4))));
    }
  }
  return out;
}
