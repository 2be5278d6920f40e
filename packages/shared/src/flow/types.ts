/** What the flow decoders report about one export datagram. */

/** The export protocols recognised, by their label in metrics. */
export const FLOW_PROTOCOLS = ['netflow5', 'netflow9', 'ipfix', 'sflow5', 'unknown'] as const;
export type FlowProtocol = (typeof FLOW_PROTOCOLS)[number];

/**
 * Why a datagram could not be read, or read only in part. It is forwarded
 * raw all the same; the reason becomes a metric label.
 */
export const FLOW_PROBLEMS = [
  /** Shorter than the protocol's fixed header. */
  'truncated_header',
  /** No known version number in the first bytes. */
  'unknown_version',
  /** A header field with an impossible value (an sFlow agent address type). */
  'bad_header',
  /** A length field (datagram, set, sample) disagrees with the bytes present. */
  'bad_length',
  /** A set, FlowSet or sample header that breaks the protocol's rules. */
  'bad_set',
  /** A template record that does not fit its set or has impossible fields. */
  'bad_template',
  /** A record count in the header that the body contradicts. */
  'bad_count',
] as const;
export type FlowProblem = (typeof FLOW_PROBLEMS)[number];

/**
 * How the header's sequence number advances (its unit):
 * `records` (NetFlow v5 flows, IPFIX data records) or `datagrams`
 * (NetFlow v9 export packets, sFlow datagrams).
 */
export type SequenceUnit = 'records' | 'datagrams';

/** The fixed header of an export datagram. */
export interface FlowHeader {
  protocol: Exclude<FlowProtocol, 'unknown'>;
  /**
   * The exporter's stream within its address: NetFlow v5 engine type and
   * id (type * 256 + id), v9 source ID, IPFIX observation domain ID,
   * sFlow sub-agent ID.
   */
  domain: number;
  /** sFlow agent address (4 or 16 bytes, a view into the datagram); else null. */
  agent: Uint8Array | null;
  /** The header's sequence number, unsigned 32 bits. */
  sequence: number;
  unit: SequenceUnit;
  /** Milliseconds since the exporter booted (v5, v9, sFlow); null for IPFIX. */
  uptimeMs: number | null;
  /** The record or sample count the header announces (IPFIX: none, 0). */
  count: number;
  /** Bytes of the fixed header (where the body starts). */
  headerBytes: number;
}

/** What reading the body of a datagram found. */
export interface FlowBody {
  /** Flow records (v5 flows, v9/IPFIX data records, sFlow samples) read. */
  records: number;
  /** Template and options template records read (withdrawals included). */
  templates: number;
  /** Data sets skipped because their template is unknown (records not counted). */
  unknownSets: number;
  /**
   * How far the sequence number advances past this datagram, in its unit;
   * null when it cannot be known (an IPFIX data set without its template).
   */
  span: number | null;
  problem: FlowProblem | null;
}
