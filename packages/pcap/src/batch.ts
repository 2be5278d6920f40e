import { PcapError, PcapErrorCode } from './errors.js';

/** Packets from one hand-over of the capture thread. */
export interface PacketBatch {
  /** Records: u32le tsSec, tsNsec, caplen, wirelen, data, pad to 4 bytes. */
  buffer: Buffer;
  /** Number of records in buffer. */
  count: number;
}

/** Called for each packet; `data` is a view into the batch, not a copy. */
export type PacketVisitor = (
  data: Buffer,
  tsSec: number,
  tsNsec: number,
  wirelen: number,
) => void;

/** Bytes before each packet's data in a batch record. */
export const RECORD_HEADER_BYTES = 16;

/** DLT/LINKTYPE values of pcap_datalink, for the link types we expect. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

function malformed(index: number, count: number): PcapError {
  return new PcapError(
    PcapErrorCode.BATCH,
    `batch buffer ends inside record ${index} of ${count}`,
  );
}

/** Calls fn for every packet of a batch, in capture order. */
export function forEachPacket(batch: PacketBatch, fn: PacketVisitor): void {
  const { buffer, count } = batch;
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const start = offset + RECORD_HEADER_BYTES;
    if (start > buffer.length) throw malformed(i, count);
    const caplen = buffer.readUInt32LE(offset + 8);
    const end = start + caplen;
    if (end > buffer.length) throw malformed(i, count);
    fn(
      buffer.subarray(start, end),
      buffer.readUInt32LE(offset),
      buffer.readUInt32LE(offset + 4),
      buffer.readUInt32LE(offset + 12),
    );
    offset = start + ((caplen + 3) & ~3);
  }
}
