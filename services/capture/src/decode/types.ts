/** Decode-stage types: the datagram handed downstream and the fixed set of drop reasons. */

/**
 * Why a frame was not delivered; the values are metric labels, so the set is fixed.
 * The `frag_*` reasons count whole fragmented datagrams, the others count frames.
 */
export const DROP_REASONS = [
  'truncated', // the capture cut the packet (caplen < wirelen): raise the snap length
  'link_unsupported', // a link type we do not parse, or more VLAN tags than we walk
  'not_ip', // the link protocol (EtherType, BSD family) is neither IPv4 nor IPv6
  'ip_header', // IPv4 IHL / total length or IPv6 payload length does not fit the frame
  'ip_version', // the version nibble does not match what the link layer announced
  'not_udp', // the transport is not UDP (17), or the IPv6 walk ended in ESP / No Next Header
  'udp_header', // fewer than 8 bytes of IP payload for the UDP header
  'udp_length', // the UDP length field is below 8 or beyond the IP payload
  'ipv6_ext', // a malformed IPv6 extension header, or more than we walk
  'frag_overlap', // fragments overlap with differing bytes (IPv6: any overlap, RFC 5722)
  'frag_too_big', // the reassembled IP payload would exceed 65535 bytes
  'frag_invalid', // a fragment contradicts the datagram's known length, or is malformed
  'frag_timeout', // the datagram was still incomplete when its reassembly time ran out
  'frag_evicted', // the datagram was discarded to stay within the reassembly limits
] as const;

/** One of DROP_REASONS. */
export type DropReason = (typeof DROP_REASONS)[number];

/** A UDP datagram (RFC 768) recovered from a captured frame. */
export interface UdpDatagram {
  /** Capture timestamp, seconds; for a reassembled datagram, that of its last fragment. */
  tsSec: number;
  /** Capture timestamp, nanoseconds within the second. */
  tsNsec: number;
  /** IP version of the packet that carried it. */
  ipVersion: 4 | 6;
  /** Source address, 4 or 16 bytes (IPv4 offset 12, IPv6 offset 8); read-only, shared. */
  src: Uint8Array;
  /** Destination address, 4 or 16 bytes (IPv4 offset 16, IPv6 offset 24); read-only, shared. */
  dst: Uint8Array;
  /** UDP source port. */
  srcPort: number;
  /** UDP destination port. */
  dstPort: number;
  /** VLAN id (802.1Q TCI low 12 bits) of the outermost tag, or -1 when untagged. */
  vlan: number;
  /** Interface index from a LINUX_SLL2 header, or -1 when the link type has none. */
  ifindex: number;
  /** UDP payload: UDP length minus 8 bytes; a view into the frame unless reassembled. */
  payload: Uint8Array;
}

/** Limits of IP fragment reassembly (RFC 791 section 3.2, RFC 8200 section 4.5). */
export interface ReassemblyOptions {
  /** How long an incomplete datagram waits for its missing fragments. */
  timeoutMs: number;
  /** Most incomplete datagrams held at once; the oldest is evicted past it. */
  maxDatagrams: number;
  /** Most fragment bytes held at once; the oldest datagrams are evicted past it. */
  maxBytes: number;
}

/** Reassembly limits used for every option the caller leaves out. */
export const DEFAULT_REASSEMBLY: Readonly<ReassemblyOptions> = Object.freeze({
  // RFC 8200 section 4.5 suggests 60 s; we follow Linux's ipfrag_time of
  // 30 s, since telemetry that late is of little use anyway.
  timeoutMs: 30_000,
  maxDatagrams: 1024,
  maxBytes: 4 * 1024 * 1024,
});

/**
 * What the parsers learn about the frame being decoded. One instance per
 * decoder, overwritten for every frame, so the hot path allocates nothing.
 */
export class FrameState {
  /** The capture is shorter than the wire length: shortfalls are 'truncated'. */
  cut = false;
  vlan = -1;
  ifindex = -1;
  /** Offset of the IP header; 0 in ipVersion means "read the version nibble". */
  netOff = 0;
  ipVersion: 0 | 4 | 6 = 0;
  srcOff = 0;
  dstOff = 0;
  /** Transport header (or fragment data) bounds, after any extension headers. */
  l4Off = 0;
  l4End = 0;
  /** IPv4 protocol, or the IPv6 next header that starts at l4Off. */
  proto = 0;
  fragment = false;
  /** Byte offset of this fragment's data in the datagram's IP payload. */
  fragOffset = 0;
  fragMore = false;
  fragId = 0;
  srcPort = 0;
  dstPort = 0;
  payloadOff = 0;
  payloadEnd = 0;

  /** Forgets the previous frame. */
  reset(cut: boolean): void {
    this.cut = cut;
    this.vlan = -1;
    this.ifindex = -1;
    this.ipVersion = 0;
    this.fragment = false;
  }
}

/** The drop for a header that runs past the captured bytes. */
export function shortfall(s: FrameState): DropReason {
  // Only a capture that is shorter than the wire can have been cut by the
  // snap length; otherwise the length field itself is wrong.
  return s.cut ? 'truncated' : 'ip_header';
}
