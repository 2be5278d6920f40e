/**
 * The fixed headers of the four export protocols. The first bytes tell
 * them apart: NetFlow v5, v9 and IPFIX start with a 16-bit version (5, 9,
 * 10), sFlow with a 32-bit one (5), so its first two bytes are zero.
 */
import type { FlowHeader, FlowProblem, FlowProtocol } from './types.js';

/** NetFlow v5 header and record sizes (Cisco NetFlow v5 export format). */
export const NETFLOW5_HEADER_BYTES = 24;
export const NETFLOW5_RECORD_BYTES = 48;
/** NetFlow v9 header (RFC 3954 section 5.1). */
export const NETFLOW9_HEADER_BYTES = 20;
/** IPFIX message header (RFC 7011 section 3.1). */
export const IPFIX_HEADER_BYTES = 16;
/** sFlow v5 datagram header with an IPv4 agent; 12 more for IPv6. */
export const SFLOW5_HEADER_BYTES_V4 = 28;

/** The protocol the first bytes name, even when the header is cut short. */
export function protocolOf(p: Uint8Array): FlowProtocol {
  const v = p.length >= 2 ? (p[0]! << 8) | p[1]! : -1;
  if (v === 5) return 'netflow5';
  if (v === 9) return 'netflow9';
  if (v === 10) return 'ipfix';
  if (v === 0 && p.length >= 4 && p[2] === 0 && p[3] === 5) return 'sflow5';
  return 'unknown';
}

function view(p: Uint8Array): DataView {
  return new DataView(p.buffer, p.byteOffset, p.byteLength);
}

/**
 * Reads the fixed header of an export datagram. Returns the problem instead
 * when the datagram is too short for its header or has no known version.
 * Never throws; no length in the datagram is trusted.
 */
export function readFlowHeader(p: Uint8Array): FlowHeader | FlowProblem {
  if (p.length < 4) return 'truncated_header';
  const v = view(p);
  const version16 = v.getUint16(0);
  if (version16 === 5) return netflow5(p, v);
  if (version16 === 9) return netflow9(p, v);
  if (version16 === 10) return ipfix(p, v);
  if (version16 === 0 && v.getUint16(2) === 5) return sflow5(p, v);
  return 'unknown_version';
}

// Cisco v5: version, count, sysUptime, unix_secs, unix_nsecs,
// flow_sequence (flows seen before this packet), engine_type, engine_id,
// sampling_interval.
function netflow5(p: Uint8Array, v: DataView): FlowHeader | FlowProblem {
  if (p.length < NETFLOW5_HEADER_BYTES) return 'truncated_header';
  return {
    protocol: 'netflow5', domain: p[20]! * 256 + p[21]!, agent: null,
    sequence: v.getUint32(16), unit: 'records', uptimeMs: v.getUint32(4),
    count: v.getUint16(2), headerBytes: NETFLOW5_HEADER_BYTES,
  };
}

// RFC 3954 5.1: version, count, sysUpTime, UNIX secs, sequence (export
// packets), source ID.
function netflow9(p: Uint8Array, v: DataView): FlowHeader | FlowProblem {
  if (p.length < NETFLOW9_HEADER_BYTES) return 'truncated_header';
  return {
    protocol: 'netflow9', domain: v.getUint32(16), agent: null,
    sequence: v.getUint32(12), unit: 'datagrams', uptimeMs: v.getUint32(4),
    count: v.getUint16(2), headerBytes: NETFLOW9_HEADER_BYTES,
  };
}

// RFC 7011 3.1: version, length, export time, sequence (data records sent
// before this message), observation domain ID.
function ipfix(p: Uint8Array, v: DataView): FlowHeader | FlowProblem {
  if (p.length < IPFIX_HEADER_BYTES) return 'truncated_header';
  return {
    protocol: 'ipfix', domain: v.getUint32(12), agent: null,
    sequence: v.getUint32(8), unit: 'records', uptimeMs: null,
    count: 0, headerBytes: IPFIX_HEADER_BYTES,
  };
}

// sFlow v5 (sflow_version_5.txt, sample_datagram_v5): version, agent
// address (type 1 IPv4, 2 IPv6), sub_agent_id, sequence_number, uptime,
// num_samples.
function sflow5(p: Uint8Array, v: DataView): FlowHeader | FlowProblem {
  if (p.length < 8) return 'truncated_header';
  const type = v.getUint32(4);
  const alen = type === 1 ? 4 : type === 2 ? 16 : -1;
  if (alen < 0) return 'bad_header';
  const at = 8 + alen;
  if (p.length < at + 16) return 'truncated_header';
  return {
    protocol: 'sflow5', domain: v.getUint32(at), agent: p.subarray(8, at),
    sequence: v.getUint32(at + 4), unit: 'datagrams', uptimeMs: v.getUint32(at + 8),
    count: v.getUint32(at + 12), headerBytes: at + 16,
  };
}
