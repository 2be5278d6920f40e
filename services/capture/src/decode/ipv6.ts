/** IPv6 header (RFC 8200): payload length and the extension-header chain. */
import { u16, u32 } from './bytes.js';
import { IPPROTO_UDP } from './ipv4.js';
import { shortfall, type DropReason, type FrameState } from './types.js';

const FIXED_HEADER = 40;
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTH = 51; // RFC 4302: length in 4-byte units, minus 2
const DEST_OPTS = 60;
// RFC 6564 uniform format (length in 8-byte units, minus 1) like 0/43/60.
const MOBILITY = 135;
const HIP = 139;
const SHIM6 = 140;
// ESP (50) and No Next Header (59) end the walk as "not UDP", like any other
// upper-layer value: ESP hides what follows, 59 says nothing follows.
const FRAGMENT_HEADER = 8;
const FRAGMENT_OFFSET_MASK = 0xfff8; // already in bytes: 13 bits of 8-byte units
// Real packets carry two or three; the bound caps work on hostile chains.
const MAX_EXT_HEADERS = 8;

/** Parses the IPv6 header at s.netOff and walks to the UDP header or a fragment header. */
export function parseIpv6(b: Uint8Array, s: FrameState): DropReason | null {
  const off = s.netOff;
  if (off + FIXED_HEADER > b.length) return shortfall(s);
  if (b[off]! >> 4 !== 6) return 'ip_version';
  s.ipVersion = 6;
  s.srcOff = off + 8;
  s.dstOff = off + 24;
  const end = off + FIXED_HEADER + u16(b, off + 4);
  const reason = walkIpv6(b, off + FIXED_HEADER, end, b[off + 6]!, false, s);
  // Checked after the walk so that a non-UDP packet cut by the snap length
  // counts as 'not_udp', not 'truncated'.
  if (reason === null && end > b.length) return shortfall(s);
  return reason;
}

/**
 * Walks extension headers from off (whose type is nh) to UDP, or to a
 * fragment header, which sets s.fragment. With `reassembled` the walk runs
 * over a datagram rebuilt from fragments, where neither hop-by-hop options
 * nor a second fragment header may appear.
 */
export function walkIpv6(
  b: Uint8Array, off: number, end: number, nh: number, reassembled: boolean, s: FrameState,
): DropReason | null {
  const limit = Math.min(end, b.length);
  for (let count = 0; ; count++) {
    if (nh === IPPROTO_UDP) return atTransport(off, end, s);
    if (count === MAX_EXT_HEADERS) return 'ipv6_ext';
    const len = extensionLength(b, off, limit, nh);
    if (len < 0) return len === NOT_EXTENSION ? 'not_udp' : overrun(limit, end, s);
    // RFC 8200 section 4.1: hop-by-hop options only right after the header.
    if (nh === HOP_BY_HOP && (count > 0 || reassembled)) return 'ipv6_ext';
    if (nh === FRAGMENT) {
      if (reassembled) return 'frag_invalid';
      if (readFragment(b, off, end, s)) return null;
    }
    nh = b[off]!;
    off += len;
  }
}

const NOT_EXTENSION = -1;
const OVERRUN = -2;

/** Length of the extension header at off, or NOT_EXTENSION / OVERRUN. */
function extensionLength(b: Uint8Array, off: number, limit: number, nh: number): number {
  let len: number;
  if (nh === FRAGMENT) len = FRAGMENT_HEADER;
  else if (off + 2 > limit) return isExtension(nh) ? OVERRUN : NOT_EXTENSION;
  else if (nh === AUTH) len = (b[off + 1]! + 2) * 4;
  else if (isExtension(nh)) len = (b[off + 1]! + 1) * 8;
  else return NOT_EXTENSION;
  return off + len > limit ? OVERRUN : len;
}

function isExtension(nh: number): boolean {
  return nh === HOP_BY_HOP || nh === ROUTING || nh === DEST_OPTS || nh === AUTH
    || nh === MOBILITY || nh === HIP || nh === SHIM6;
}

// A header that runs past the payload length is malformed; one that runs
// past a shorter capture may simply have been cut.
function overrun(limit: number, end: number, s: FrameState): DropReason {
  return limit < end ? shortfall(s) : 'ipv6_ext';
}

function atTransport(off: number, end: number, s: FrameState): null {
  s.proto = IPPROTO_UDP;
  s.l4Off = off;
  s.l4End = end;
  return null;
}

/**
 * Reads the fragment header at off; true when the packet is a real fragment.
 * An atomic fragment (offset 0, M clear) is walked through as if absent
 * (RFC 6946), so it never waits in reassembly.
 */
// Unlike IPv4, later fragments do not say what upper layer they carry, so
// every IPv6 fragment is held and a non-UDP datagram is dropped once whole.
// Open question: drop early once the first fragment shows it is not UDP?
function readFragment(b: Uint8Array, off: number, end: number, s: FrameState): boolean {
  const offsetFlags = u16(b, off + 2);
  const offset = offsetFlags & FRAGMENT_OFFSET_MASK;
  const more = (offsetFlags & 1) !== 0;
  if (offset === 0 && !more) return false;
  s.fragment = true;
  s.fragOffset = offset;
  s.fragMore = more;
  s.fragId = u32(b, off + 4);
  s.proto = b[off]!; // the first header of the fragmentable part
  s.l4Off = off + FRAGMENT_HEADER;
  s.l4End = end;
  return true;
}
