/** IPv4 header (RFC 791): validates lengths, skips options, reads fragment fields. */
import { u16 } from './bytes.js';
import { shortfall, type DropReason, type FrameState } from './types.js';

/** IP protocol number of UDP (IANA "Assigned Internet Protocol Numbers"). */
export const IPPROTO_UDP = 17;

const MIN_HEADER = 20;
const FLAG_MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff; // in 8-byte units

// Checksums are not verified, here or in UDP: on loopback and with checksum
// offload the capture sees partial or zero sums, and a bad sum on a real
// wire is the receiving host's business, not the observer's.

/** Parses the IPv4 header at s.netOff; on success s.l4Off..s.l4End is its payload. */
export function parseIpv4(b: Uint8Array, s: FrameState): DropReason | null {
  const off = s.netOff;
  if (off + MIN_HEADER > b.length) return shortfall(s);
  const versionIhl = b[off]!;
  if (versionIhl >> 4 !== 4) return 'ip_version';
  // The protocol is in every fragment, so non-UDP is dropped before any
  // length check: a TCP packet cut by the snap length is not our loss.
  s.proto = b[off + 9]!;
  if (s.proto !== IPPROTO_UDP) return 'not_udp';
  const headerLen = (versionIhl & 0x0f) * 4;
  const totalLen = u16(b, off + 2);
  if (headerLen < MIN_HEADER || totalLen < headerLen) return 'ip_header';
  // Trailing bytes beyond totalLen are link padding (short Ethernet frames).
  if (off + totalLen > b.length) return shortfall(s);
  s.ipVersion = 4;
  s.srcOff = off + 12;
  s.dstOff = off + 16;
  s.l4Off = off + headerLen;
  s.l4End = off + totalLen;
  readFragmentFields(b, off, s);
  return null;
}

function readFragmentFields(b: Uint8Array, off: number, s: FrameState): void {
  const flagsOffset = u16(b, off + 6);
  s.fragMore = (flagsOffset & FLAG_MORE_FRAGMENTS) !== 0;
  s.fragOffset = (flagsOffset & FRAGMENT_OFFSET_MASK) * 8;
  s.fragment = s.fragMore || s.fragOffset !== 0;
  s.fragId = u16(b, off + 4);
}
