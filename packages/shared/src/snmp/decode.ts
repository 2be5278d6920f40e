/**
 * Decodes what routing and metrics need from an SNMP message, never more:
 * version, community, PDU type, the trap's identity (RFC 1157 Trap-PDU
 * fields, or sysUpTime.0 and snmpTrapOID.0 of RFC 3416 section 4.2.6),
 * the varbind count, and for SNMPv3 the header of RFC 3412 section 6 and
 * the USM parameters of RFC 3414 section 2.4 (nothing is decrypted or
 * authenticated). Values of other varbinds are checked for framing only.
 *
 * `decodeSnmp` never throws: a malformed datagram gives a failure reason.
 */
import { BerFault, BerReader, TAG, type BerLimits, type DecodeFailure } from './ber.js';

/** SNMP versions by the name operators use. */
export type SnmpVersion = '1' | '2c' | '3';

/** PDU names by their context tag (RFC 1157, RFC 3416 section 3). */
export const PDU_NAMES = {
  0xa0: 'get-request',
  0xa1: 'get-next-request',
  0xa2: 'response',
  0xa3: 'set-request',
  0xa4: 'trap-v1',
  0xa5: 'get-bulk-request',
  0xa6: 'inform-request',
  0xa7: 'snmpv2-trap',
  0xa8: 'report',
} as const;

/** A PDU name, or `encrypted` for an SNMPv3 message with privacy. */
export type PduName = (typeof PDU_NAMES)[keyof typeof PDU_NAMES] | 'encrypted';

/** The tag of an encrypted v3 PDU, whose real type is unknown here. */
export const PDU_ENCRYPTED = 0;

/** The fields of an RFC 1157 Trap-PDU. */
export interface V1TrapFields {
  enterprise: string;
  /** agent-addr, dotted. */
  agentAddress: string;
  genericTrap: number;
  specificTrap: number;
}

/** The SNMPv3 header and, for USM, its security parameters. */
export interface V3Fields {
  msgId: number;
  maxSize: number;
  /** msgFlags: bit 0 auth, bit 1 priv, bit 2 reportable. */
  flags: number;
  securityModel: number;
  /** msgAuthoritativeEngineID in hex; null when the model is not USM (3). */
  engineId: string | null;
  engineBoots: number | null;
  engineTime: number | null;
  userName: string | null;
  /** From the scoped PDU; null when it is encrypted. */
  contextEngineId: string | null;
  contextName: string | null;
}

/** What was decoded from one message. */
export interface SnmpMessage {
  version: SnmpVersion;
  /** v1/v2c community (latin1). A secret: never a label, never logged. */
  community: string | null;
  pdu: PduName;
  /** The PDU's tag (0xa0..0xa8), or {@link PDU_ENCRYPTED}. */
  pduTag: number;
  /** request-id; null for a v1 trap (it has none) or an encrypted PDU. */
  requestId: number | null;
  /** snmpTrapOID.0, or for a v1 trap the OID RFC 3584 section 3.1 derives. */
  trapOid: string | null;
  /** sysUpTime.0, or a v1 trap's time-stamp, in hundredths of a second. */
  sysUpTime: number | null;
  /** Variable bindings in the PDU; null when it is encrypted. */
  varbinds: number | null;
  v1: V1TrapFields | null;
  v3: V3Fields | null;
}

/** A decoded message, or why it is not one. */
export type DecodeResult =
  | { ok: true; message: SnmpMessage }
  | { ok: false; reason: DecodeFailure; at: number; version: SnmpVersion | null };

/** How far the decoder goes. */
export interface SnmpLimits extends BerLimits {
  maxVarbinds: number;
}

/** Bounds that no valid trap comes near: a trap nests 5 deep at most. */
export const DEFAULT_SNMP_LIMITS: SnmpLimits = { maxDepth: 8, maxOidArcs: 128, maxVarbinds: 1024 };

/** snmpTraps (RFC 3418): the generic traps' OIDs are snmpTraps.(generic+1). */
export const SNMP_TRAPS_OID = '1.3.6.1.6.3.1.1.5';
/** The generic-trap value of an enterprise-specific v1 trap. */
export const ENTERPRISE_SPECIFIC = 6;

// Encoded names of the two varbinds every SNMPv2 notification starts with.
const SYS_UPTIME_0 = Uint8Array.of(0x2b, 6, 1, 2, 1, 1, 3, 0); // 1.3.6.1.2.1.1.3.0
const SNMP_TRAP_OID_0 = Uint8Array.of(0x2b, 6, 1, 6, 3, 1, 1, 4, 1, 0); // 1.3.6.1.6.3.1.1.4.1.0

const USM = 3;
const FLAG_AUTH = 1;
const FLAG_PRIV = 2;
/** RFC 3411: an engine ID has 5 to 32 bytes (0 while discovering). */
const MAX_ENGINE_ID_BYTES = 32;
/** RFC 3414: msgUserName is SIZE(0..32). */
const MAX_USER_NAME_BYTES = 32;
const MIN_MAX_SIZE = 484;

/** The snmpTrapOID of a v1 trap, per RFC 3584 section 3.1 (3). */
export function v1TrapOid(enterprise: string, generic: number, specific: number): string {
  if (generic === ENTERPRISE_SPECIFIC) return `${enterprise}.0.${specific}`;
  return `${SNMP_TRAPS_OID}.${generic + 1}`;
}

/** Decodes one datagram's payload. Never throws. */
export function decodeSnmp(b: Uint8Array, limits: SnmpLimits = DEFAULT_SNMP_LIMITS): DecodeResult {
  const state: { version: SnmpVersion | null } = { version: null };
  try {
    return { ok: true, message: decodeMessage(new BerReader(b, limits), limits, state) };
  } catch (err) {
    if (err instanceof BerFault) return { ok: false, reason: err.reason, at: err.at, version: state.version };
    return { ok: false, reason: 'internal', at: 0, version: state.version };
  }
}

function decodeMessage(r: BerReader, limits: SnmpLimits, state: { version: SnmpVersion | null }): SnmpMessage {
  const outer = r.enter(TAG.SEQUENCE);
  const at = r.at;
  const v = r.integer(0, 0x7fff_ffff);
  const version = v === 0 ? '1' : v === 1 ? '2c' : v === 3 ? '3' : null;
  if (version === null) throw new BerFault('unknown_version', at);
  state.version = version;
  const m: SnmpMessage = {
    version, community: null, pdu: 'encrypted', pduTag: PDU_ENCRYPTED, requestId: null,
    trapOid: null, sysUpTime: null, varbinds: null, v1: null, v3: null,
  };
  if (version === '3') readV3(r, m, limits);
  else {
    m.community = latin1(r.octets());
    readPdu(r, m, limits);
  }
  r.leave(outer);
  if (r.at !== r.b.length) throw new BerFault('trailing_bytes', r.at);
  return m;
}

function readV3(r: BerReader, m: SnmpMessage, limits: SnmpLimits): void {
  const header = r.enter(TAG.SEQUENCE);
  const msgId = r.integer(0);
  const maxSize = r.integer(MIN_MAX_SIZE);
  const flagBytes = r.octets();
  if (flagBytes.length !== 1) throw new BerFault('bad_value', r.valueAt);
  const flags = flagBytes[0]!;
  // RFC 3412 section 7.2 step 5: privacy without authentication is invalid.
  if ((flags & (FLAG_AUTH | FLAG_PRIV)) === FLAG_PRIV) throw new BerFault('bad_value', r.valueAt);
  const securityModel = r.integer(1);
  r.leave(header);
  const v3: V3Fields = {
    msgId, maxSize, flags, securityModel, engineId: null, engineBoots: null, engineTime: null,
    userName: null, contextEngineId: null, contextName: null,
  };
  m.v3 = v3;
  r.expect(TAG.OCTET_STRING); // msgSecurityParameters
  if (securityModel === USM) readUsm(r, r.valueAt, r.valueEnd, v3);
  const dataAt = r.at;
  const tag = r.header();
  if (flags & FLAG_PRIV) {
    if (tag !== TAG.OCTET_STRING) throw new BerFault('unexpected_tag', dataAt);
    r.at = r.valueEnd;
    return;
  }
  if (tag !== TAG.SEQUENCE) throw new BerFault('unexpected_tag', dataAt);
  const scoped = r.open();
  v3.contextEngineId = hex(r.octets(MAX_ENGINE_ID_BYTES));
  v3.contextName = latin1(r.octets());
  readPdu(r, m, limits);
  r.leave(scoped);
}

// msgSecurityParameters is an OCTET STRING holding a BER SEQUENCE of its
// own (RFC 3414 section 2.4), read with a reader bounded to it.
function readUsm(outer: BerReader, from: number, to: number, v3: V3Fields): void {
  const r = new BerReader(outer.b, outer.limits, from, to);
  const seq = r.enter(TAG.SEQUENCE);
  v3.engineId = hex(r.octets(MAX_ENGINE_ID_BYTES));
  v3.engineBoots = r.integer(0);
  v3.engineTime = r.integer(0);
  v3.userName = latin1(r.octets(MAX_USER_NAME_BYTES));
  r.expect(TAG.OCTET_STRING); // msgAuthenticationParameters
  r.expect(TAG.OCTET_STRING); // msgPrivacyParameters
  r.leave(seq);
  if (r.at !== to) throw new BerFault('trailing_bytes', r.at);
}

function readPdu(r: BerReader, m: SnmpMessage, limits: SnmpLimits): void {
  const at = r.at;
  const tag = r.header();
  const name = PDU_NAMES[tag as keyof typeof PDU_NAMES];
  if (name === undefined) throw new BerFault('unexpected_tag', at);
  const pdu = r.open();
  m.pdu = name;
  m.pduTag = tag;
  if (tag === 0xa4) {
    if (m.version !== '1') throw new BerFault('unexpected_tag', at);
    readV1Trap(r, m);
  } else {
    m.requestId = r.integer();
    r.integer(); // error-status, or non-repeaters of GetBulk
    r.integer(); // error-index, or max-repetitions
  }
  readVarbinds(r, m, limits);
  r.leave(pdu);
}

function readV1Trap(r: BerReader, m: SnmpMessage): void {
  const enterprise = r.oid();
  r.expect(TAG.IP_ADDRESS);
  if (r.valueEnd - r.valueAt !== 4) throw new BerFault('bad_value', r.valueAt);
  const a = r.b.subarray(r.valueAt, r.valueEnd);
  const agentAddress = `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  const genericTrap = r.integer(0, ENTERPRISE_SPECIFIC);
  const specificTrap = r.integer();
  m.sysUpTime = r.integer(0, 0xffff_ffff, TAG.TIMETICKS);
  m.v1 = { enterprise, agentAddress, genericTrap, specificTrap };
  m.trapOid = v1TrapOid(enterprise, genericTrap, specificTrap);
}

function readVarbinds(r: BerReader, m: SnmpMessage, limits: SnmpLimits): void {
  const list = r.enter(TAG.SEQUENCE);
  const notification = m.pduTag === 0xa6 || m.pduTag === 0xa7;
  let n = 0;
  while (r.more) {
    if (++n > limits.maxVarbinds) throw new BerFault('too_many_varbinds', r.at);
    const vb = r.enter(TAG.SEQUENCE);
    const nameAt = r.at;
    if (r.header() !== TAG.OID) throw new BerFault('unexpected_tag', nameAt);
    // RFC 3416 section 4.2.6: sysUpTime.0 and snmpTrapOID.0 come first.
    const upTime = notification && n <= 2 && r.valueIs(SYS_UPTIME_0);
    const trapOid = notification && n <= 2 && !upTime && r.valueIs(SNMP_TRAP_OID_0);
    if (!upTime && !trapOid) r.checkOidValue();
    r.at = r.valueEnd;
    if (upTime) m.sysUpTime = r.integer(0, 0xffff_ffff, TAG.TIMETICKS);
    else if (trapOid) m.trapOid = r.oid();
    else r.skip();
    r.leave(vb);
  }
  r.leave(list);
  m.varbinds = n;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

// Short strings (communities, user names) are cheaper to build by hand
// than through a Buffer view.
function latin1(b: Uint8Array): string {
  if (b.length > 64) return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
