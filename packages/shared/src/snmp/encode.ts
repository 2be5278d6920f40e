/**
 * A small BER encoder for test agents: builds valid v1, v2c and v3 traps
 * (RFC 1157, RFC 3416, RFC 3412/3414). It is not on any forwarding path;
 * Sekiwake never re-encodes what it forwards.
 *
 * SNMPv3 messages are noAuthNoPriv: the USM parameters carry the engine ID
 * and user name, with empty authentication and privacy parameters.
 */
import { ENTERPRISE_SPECIFIC, SNMP_TRAPS_OID } from './decode.js';
import { TAG } from './ber.js';

/** A varbind value the encoder can write. */
export type VarbindValue =
  | { type: 'integer'; value: number }
  | { type: 'counter32'; value: number }
  | { type: 'gauge32'; value: number }
  | { type: 'timeticks'; value: number }
  | { type: 'string'; value: string | Uint8Array }
  | { type: 'oid'; value: string }
  | { type: 'ipaddress'; value: string }
  | { type: 'null' };

/** One variable binding. */
export interface Varbind {
  oid: string;
  value: VarbindValue;
}

/** A trap to build. */
export interface TrapSpec {
  version: '1' | '2c' | '3';
  /** snmpTrapOID.0; a v1 trap gets its fields from it (RFC 3584 section 3.2). */
  trapOid: string;
  /** sysUpTime.0 in hundredths of a second. */
  upTime: number;
  varbinds: Varbind[];
  /** v1/v2c. */
  community?: string;
  /** v2c/v3 request-id. */
  requestId?: number;
  /** v1 agent-addr, dotted. */
  agentAddress?: string;
  /** v3: the sender's engine ID (it is authoritative for a trap). */
  engineId?: Uint8Array;
  /** v3 user name. */
  userName?: string;
  /** v3 msgID. */
  msgId?: number;
  /** Build an InformRequest instead of a trap (v2c/v3). */
  inform?: boolean;
}

/** A TLV with a definite length in the shortest form. */
export function tlv(tag: number, value: Uint8Array): Buffer {
  const n = value.length;
  let head: number[];
  if (n < 0x80) head = [tag, n];
  else if (n < 0x100) head = [tag, 0x81, n];
  else if (n < 0x10000) head = [tag, 0x82, n >> 8, n & 0xff];
  else head = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(head), value]);
}

/** A constructed element of the given parts. */
export function constructed(tag: number, ...parts: Uint8Array[]): Buffer {
  return tlv(tag, Buffer.concat(parts));
}

/** An INTEGER or an integer-valued application type, minimal two's complement. */
export function integer(n: number, tag: number = TAG.INTEGER): Buffer {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(((v % 256) + 256) % 256);
    v = Math.floor(v / 256);
  } while (v !== 0 && v !== -1);
  const top = bytes[0]!;
  if (v === 0 && top & 0x80) bytes.unshift(0);
  if (v === -1 && !(top & 0x80)) bytes.unshift(0xff);
  return tlv(tag, Buffer.from(bytes));
}

/** An OCTET STRING. */
export function octets(s: string | Uint8Array): Buffer {
  return tlv(TAG.OCTET_STRING, typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
}

/** An OBJECT IDENTIFIER from dotted text. */
export function oid(text: string): Buffer {
  const arcs = text.split('.').map(Number);
  const out: number[] = [];
  const push = (n: number) => {
    const groups = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40 + (arcs[1] ?? 0));
  for (const a of arcs.slice(2)) push(a);
  return tlv(TAG.OID, Buffer.from(out));
}

function value(v: VarbindValue): Buffer {
  switch (v.type) {
    case 'integer': return integer(v.value);
    case 'counter32': return integer(v.value >>> 0, TAG.COUNTER32);
    case 'gauge32': return integer(v.value >>> 0, TAG.GAUGE32);
    case 'timeticks': return integer(v.value >>> 0, TAG.TIMETICKS);
    case 'string': return octets(v.value);
    case 'oid': return oid(v.value);
    case 'ipaddress': return tlv(TAG.IP_ADDRESS, Buffer.from(v.value.split('.').map(Number)));
    case 'null': return tlv(TAG.NULL, Buffer.alloc(0));
  }
}

function varbindList(list: Varbind[]): Buffer {
  return constructed(TAG.SEQUENCE, ...list.map((vb) => constructed(TAG.SEQUENCE, oid(vb.oid), value(vb.value))));
}

/** The v1 enterprise, generic-trap and specific-trap of a notification OID (RFC 3584 section 3.2). */
export function v1Fields(trapOid: string): { enterprise: string; generic: number; specific: number } {
  const arcs = trapOid.split('.');
  const last = Number(arcs.at(-1));
  if (trapOid.startsWith(`${SNMP_TRAPS_OID}.`) && arcs.length === 10 && last >= 1 && last <= 6) {
    return { enterprise: SNMP_TRAPS_OID, generic: last - 1, specific: 0 };
  }
  const base = arcs.at(-2) === '0' ? arcs.slice(0, -2) : arcs.slice(0, -1);
  return { enterprise: base.join('.'), generic: ENTERPRISE_SPECIFIC, specific: last };
}

function pdu(spec: TrapSpec): Buffer {
  if (spec.version === '1') {
    const f = v1Fields(spec.trapOid);
    return constructed(
      0xa4,
      oid(f.enterprise),
      tlv(TAG.IP_ADDRESS, Buffer.from((spec.agentAddress ?? '127.0.0.1').split('.').map(Number))),
      integer(f.generic),
      integer(f.specific),
      integer(spec.upTime >>> 0, TAG.TIMETICKS),
      varbindList(spec.varbinds),
    );
  }
  const list = [
    { oid: '1.3.6.1.2.1.1.3.0', value: { type: 'timeticks', value: spec.upTime } },
    { oid: '1.3.6.1.6.3.1.1.4.1.0', value: { type: 'oid', value: spec.trapOid } },
    ...spec.varbinds,
  ] satisfies Varbind[];
  return constructed(spec.inform ? 0xa6 : 0xa7, integer(spec.requestId ?? 1), integer(0), integer(0), varbindList(list));
}

/** The whole message of `spec`, ready to send. */
export function encodeTrap(spec: TrapSpec): Buffer {
  const body = pdu(spec);
  if (spec.version !== '3') {
    return constructed(TAG.SEQUENCE, integer(spec.version === '1' ? 0 : 1), octets(spec.community ?? 'public'), body);
  }
  const engineId = spec.engineId ?? Buffer.alloc(0);
  // Reportable only for an inform: a trap is unconfirmed (RFC 3412 section 6.4).
  const flags = spec.inform ? 0x04 : 0x00;
  const header = constructed(TAG.SEQUENCE, integer(spec.msgId ?? 1), integer(65507), octets(Uint8Array.of(flags)), integer(3));
  const usm = constructed(TAG.SEQUENCE, octets(engineId), integer(0), integer(0), octets(spec.userName ?? ''), octets(''), octets(''));
  const scoped = constructed(TAG.SEQUENCE, octets(engineId), octets(''), body);
  return constructed(TAG.SEQUENCE, integer(3), header, octets(usm), scoped);
}
