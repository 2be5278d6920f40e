/** Link-layer headers: finds the IP header inside a libpcap frame. */
import { u16, u32, u32le } from './bytes.js';
import type { DropReason, FrameState } from './types.js';

// Live captures report DLT_ values and savefiles LINKTYPE_ values; they agree
// for everything here except raw IP, where libpcap hands out DLT_RAW (12).

/** DLT_NULL / LINKTYPE_NULL: BSD loopback, 4-byte address family in host order. */
export const LINKTYPE_NULL = 0;
/** DLT_EN10MB / LINKTYPE_ETHERNET: Ethernet II, IEEE 802.3. */
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as libpcap reports it on most platforms: raw IPv4 or IPv6. */
export const DLT_RAW = 12;
/** LINKTYPE_RAW: raw IPv4 or IPv6, as written in savefiles. */
export const LINKTYPE_RAW = 101;
/** LINKTYPE_LINUX_SLL: Linux "cooked" v1, 16-byte header, protocol at offset 14. */
export const LINKTYPE_LINUX_SLL = 113;
/** LINKTYPE_IPV4: raw IPv4 only. */
export const LINKTYPE_IPV4 = 228;
/** LINKTYPE_IPV6: raw IPv6 only. */
export const LINKTYPE_IPV6 = 229;
/** LINKTYPE_LINUX_SLL2: Linux "cooked" v2, 20-byte header with interface index. */
export const LINKTYPE_LINUX_SLL2 = 276;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q C-tag
const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad S-tag
const ETHERTYPE_QINQ_LEGACY = 0x9100; // pre-802.1ad vendor S-tag
const VLAN_ID_MASK = 0x0fff;
// QinQ needs two; a few more cover provider stacks, and the bound stops a
// frame of nothing but tags from being walked to its end.
const MAX_VLAN_TAGS = 4;

const AF_INET = 2;
// AF_INET6 differs by OS: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30.
const AF_INET6_LINUX = 10;
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/** Parses the link header; on success s.netOff and s.ipVersion locate the IP header. */
export function parseLink(linktype: number, b: Uint8Array, s: FrameState): DropReason | null {
  switch (linktype) {
    case LINKTYPE_ETHERNET:
      return b.length < 14 ? 'truncated' : parseEtherType(b, 12, 14, s);
    case LINKTYPE_LINUX_SLL:
      return b.length < 16 ? 'truncated' : parseEtherType(b, 14, 16, s);
    case LINKTYPE_LINUX_SLL2:
      return parseSll2(b, s);
    case LINKTYPE_RAW:
    case DLT_RAW:
      return rawIp(s, 0);
    case LINKTYPE_IPV4:
      return rawIp(s, 4);
    case LINKTYPE_IPV6:
      return rawIp(s, 6);
    case LINKTYPE_NULL:
      return parseNull(b, s);
    default:
      return 'link_unsupported';
  }
}

function rawIp(s: FrameState, version: 0 | 4 | 6): null {
  s.netOff = 0;
  s.ipVersion = version;
  return null;
}

// LINUX_SLL2: protocol (0), reserved (2), interface index (4), ARPHRD (8),
// packet type (10), address length (11), address (12..20).
function parseSll2(b: Uint8Array, s: FrameState): DropReason | null {
  if (b.length < 20) return 'truncated';
  s.ifindex = u32(b, 4);
  return parseEtherType(b, 0, 20, s);
}

/**
 * Reads the EtherType at typeOff, then walks 802.1Q / 802.1ad tags starting
 * at off; the outermost tag's VLAN id is the one reported.
 */
function parseEtherType(
  b: Uint8Array, typeOff: number, off: number, s: FrameState,
): DropReason | null {
  let type = u16(b, typeOff);
  for (let tags = 0; isVlanTpid(type); tags++) {
    if (tags === MAX_VLAN_TAGS) return 'link_unsupported';
    if (off + 4 > b.length) return 'truncated';
    if (tags === 0) s.vlan = u16(b, off) & VLAN_ID_MASK;
    type = u16(b, off + 2);
    off += 4;
  }
  s.netOff = off;
  if (type === ETHERTYPE_IPV4) s.ipVersion = 4;
  else if (type === ETHERTYPE_IPV6) s.ipVersion = 6;
  else return 'not_ip';
  return null;
}

function isVlanTpid(type: number): boolean {
  return type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_LEGACY;
}

function parseNull(b: Uint8Array, s: FrameState): DropReason | null {
  if (b.length < 4) return 'truncated';
  // The family is in the byte order of the host that captured, which for a
  // savefile may not be ours. Families are small numbers, so a value with an
  // empty low half was written big-endian.
  let family = u32le(b, 0);
  if ((family & 0xffff) === 0) family = u32(b, 0);
  s.netOff = 4;
  if (family === AF_INET) s.ipVersion = 4;
  else if (isInet6Family(family)) s.ipVersion = 6;
  else return 'not_ip';
  return null;
}

function isInet6Family(family: number): boolean {
  return family === AF_INET6_LINUX || family === AF_INET6_BSD
    || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN;
}
