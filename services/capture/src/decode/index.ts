/**
 * Decode stage of the capture service: libpcap frames in, UDP datagrams out,
 * with IPv4 and IPv6 fragments reassembled on the way.
 */
import { AddressTable } from './intern.js';
import { parseIpv4 } from './ipv4.js';
import { parseIpv6, walkIpv6 } from './ipv6.js';
import { parseLink } from './link.js';
import { Reassembler, type Reassembled } from './reassembly.js';
import {
  DEFAULT_REASSEMBLY,
  FrameState,
  shortfall,
  type DropReason,
  type ReassemblyOptions,
  type UdpDatagram,
} from './types.js';
import { parseUdp } from './udp.js';

export { formatAddress } from '@sekiwake/shared';
export {
  DLT_RAW,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from './link.js';
export { DEFAULT_REASSEMBLY, DROP_REASONS } from './types.js';
export type { DropReason, ReassemblyOptions, UdpDatagram } from './types.js';

/** Options of a PacketDecoder; omitted reassembly limits take DEFAULT_REASSEMBLY. */
export interface DecoderOptions {
  reassembly?: Partial<ReassemblyOptions>;
}

/** Turns captured frames into UDP datagrams (RFC 768 over RFC 791 / RFC 8200). */
export class PacketDecoder {
  /** Called once per dropped frame, or per abandoned datagram for 'frag_*'. */
  onDrop: (reason: DropReason) => void = () => {};

  private readonly state = new FrameState();
  // A view per address would cost as much as the rest of the decode.
  private readonly addresses = new AddressTable();
  private readonly frags: Reassembler;

  constructor(opts: DecoderOptions = {}) {
    const limits = { ...DEFAULT_REASSEMBLY, ...opts.reassembly };
    checkLimits(limits);
    this.frags = new Reassembler(limits, (reason) => this.onDrop(reason));
  }

  /** Incomplete datagrams and fragment bytes held for reassembly. */
  get pending(): { datagrams: number; bytes: number } {
    return { datagrams: this.frags.datagrams, bytes: this.frags.bytes };
  }

  /**
   * Decodes one frame (linktype is the DLT_/LINKTYPE_ value). Returns the
   * datagram, or null when the frame was dropped (see onDrop) or held as a
   * fragment. Never throws on any input.
   *
   * For an unfragmented packet, payload is a view into `frame` (zero-copy),
   * valid only as long as the frame's buffer is; for a reassembled one it is
   * a new buffer. src and dst are copies that stay valid but may be shared
   * with other datagrams from the same address: treat them as read-only.
   */
  decode(
    linktype: number, frame: Uint8Array, wirelen: number, tsSec: number, tsNsec: number,
  ): UdpDatagram | null {
    const s = this.state;
    s.reset(frame.length < wirelen);
    const reason = parseFrame(linktype, frame, s);
    if (reason !== null) {
      this.onDrop(reason);
      return null;
    }
    if (s.fragment) return this.reassemble(frame, tsSec, tsNsec);
    const len = s.ipVersion === 6 ? 16 : 4;
    return datagram(
      s, tsSec, tsNsec,
      this.addresses.get(frame, s.srcOff, len),
      this.addresses.get(frame, s.dstOff, len),
      frame.subarray(s.payloadOff, s.payloadEnd),
    );
  }

  /** Abandons datagrams whose reassembly timed out; nowMs on the capture timestamps' clock. */
  expire(nowMs: number): void {
    this.frags.expire(nowMs);
  }

  private reassemble(frame: Uint8Array, tsSec: number, tsNsec: number): UdpDatagram | null {
    const s = this.state;
    const whole = this.frags.add(frame, s, tsSec * 1000 + tsNsec / 1e6);
    if (whole === null) return null;
    const reason = parseReassembled(whole, s);
    if (reason !== null) {
      this.onDrop(reason);
      return null;
    }
    const payload = whole.data.subarray(s.payloadOff, s.payloadEnd);
    return datagram(s, tsSec, tsNsec, whole.src, whole.dst, payload);
  }
}

/** Link, IP and, unless the packet is a fragment, UDP headers of one frame. */
function parseFrame(linktype: number, b: Uint8Array, s: FrameState): DropReason | null {
  const reason = parseLink(linktype, b, s) ?? parseNetwork(b, s);
  if (reason !== null || s.fragment) return reason;
  return parseUdp(b, s.l4Off, s.l4End, s);
}

function parseNetwork(b: Uint8Array, s: FrameState): DropReason | null {
  if (s.netOff >= b.length) return shortfall(s);
  // Raw links leave the version to the first nibble.
  const version = s.ipVersion === 0 ? b[s.netOff]! >> 4 : s.ipVersion;
  if (version === 4) return parseIpv4(b, s);
  if (version === 6) return parseIpv6(b, s);
  return 'ip_version';
}

// Non-first fragments carry no UDP header, so ports and the UDP length are
// only read once the IP payload is whole again.
function parseReassembled(whole: Reassembled, s: FrameState): DropReason | null {
  const data = whole.data;
  if (s.ipVersion === 4) return parseUdp(data, 0, data.length, s);
  const reason = walkIpv6(data, 0, data.length, whole.nextHeader, true, s);
  return reason ?? parseUdp(data, s.l4Off, s.l4End, s);
}

function datagram(
  s: FrameState, tsSec: number, tsNsec: number,
  src: Uint8Array, dst: Uint8Array, payload: Uint8Array,
): UdpDatagram {
  return {
    tsSec,
    tsNsec,
    ipVersion: s.ipVersion === 6 ? 6 : 4,
    src,
    dst,
    srcPort: s.srcPort,
    dstPort: s.dstPort,
    vlan: s.vlan,
    ifindex: s.ifindex,
    payload,
  };
}

function checkLimits(limits: ReassemblyOptions): void {
  for (const name of ['timeoutMs', 'maxDatagrams', 'maxBytes'] as const) {
    const value = limits[name];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`reassembly.${name} must be a positive integer, got ${value}`);
    }
  }
}
