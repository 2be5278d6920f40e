/** UDP header (RFC 768): ports and a length checked against the IP payload. */
import { u16 } from './bytes.js';
import type { DropReason, FrameState } from './types.js';

const HEADER = 8;

/** Parses the UDP header at off within an IP payload ending at end. */
export function parseUdp(
  b: Uint8Array, off: number, end: number, s: FrameState,
): DropReason | null {
  const available = end - off;
  if (available < HEADER) return 'udp_header';
  const length = u16(b, off + 4);
  // An IP payload longer than the UDP length is padding and is ignored; a
  // shorter one means one of the two length fields lies. Length 0 (RFC 2675
  // jumbograms) lands here too, which we do not support.
  if (length < HEADER || length > available) return 'udp_length';
  s.srcPort = u16(b, off);
  s.dstPort = u16(b, off + 2);
  s.payloadOff = off + HEADER;
  s.payloadEnd = off + length;
  return null;
}
