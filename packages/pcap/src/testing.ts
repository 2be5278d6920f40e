// Helpers shared by the tests (not a test file itself).
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';

import { forEachPacket, type PacketBatch } from './index.js';

/** A 127.x.y.z address unlikely to be used by any other test run. */
export function uniqueLoopbackAddress(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** The UDP payload of an Ethernet/IPv4 frame as captured on lo. */
export function udpPayload(frame: Buffer): Buffer {
  const ipStart = 14;
  const ihl = (frame[ipStart]! & 0x0f) * 4;
  return frame.subarray(ipStart + ihl + 8);
}

/** Every packet of the batches, copied out with its metadata. */
export function collect(batches: PacketBatch[]) {
  const packets: { data: Buffer; tsSec: number; tsNsec: number; wirelen: number }[] = [];
  for (const batch of batches) {
    forEachPacket(batch, (data, tsSec, tsNsec, wirelen) => {
      packets.push({ data: Buffer.from(data), tsSec, tsNsec, wirelen });
    });
  }
  return packets;
}

export interface SavefileRecord {
  tsSec: number;
  tsFrac: number; // ns or us, as the file's magic says
  data: Buffer;
  wirelen?: number;
}

/** Writes a classic pcap savefile: global header, then the records. */
export function writeSavefile(
  path: string,
  records: SavefileRecord[],
  opts: { nano: boolean; linktype: number; truncateLastBy?: number },
): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4); // version 2.4
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16); // snaplen
  header.writeUInt32LE(opts.linktype, 20);
  const parts: Buffer[] = [header];
  for (const r of records) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(r.tsSec, 0);
    h.writeUInt32LE(r.tsFrac, 4);
    h.writeUInt32LE(r.data.length, 8);
    h.writeUInt32LE(r.wirelen ?? r.data.length, 12);
    parts.push(h, r.data);
  }
  let file = Buffer.concat(parts);
  if (opts.truncateLastBy) file = file.subarray(0, file.length - opts.truncateLastBy);
  writeFileSync(path, file);
}

/** Rejects when the promise does not settle within ms. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
