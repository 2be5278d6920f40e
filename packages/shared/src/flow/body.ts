/**
 * The bodies of export datagrams, read only as far as accounting needs:
 * record counts, template records, where the sequence number goes next.
 * Every length is checked against the bytes present before it is used;
 * reading stops at the first one that does not fit, and what was read by
 * then is still reported.
 */
import { NETFLOW5_RECORD_BYTES } from './header.js';
import { countRecords, TemplateCache } from './templates.js';
import type { FlowBody, FlowHeader, FlowProblem } from './types.js';

/** Largest flow count of a NetFlow v5 datagram (Cisco's format). */
export const NETFLOW5_MAX_COUNT = 30;

const u16 = (p: Uint8Array, at: number) => (p[at]! << 8) | p[at + 1]!;
const u32 = (p: Uint8Array, at: number) => ((p[at]! << 24) | (p[at + 1]! << 16) | (p[at + 2]! << 8) | p[at + 3]!) >>> 0;

function body(): FlowBody {
  return { records: 0, templates: 0, unknownSets: 0, span: null, problem: null };
}

/** A NetFlow v5 body: `count` 48-byte flow records, nothing else. */
export function readNetflow5(p: Uint8Array, h: FlowHeader): FlowBody {
  const b = body();
  const room = Math.floor((p.length - h.headerBytes) / NETFLOW5_RECORD_BYTES);
  b.records = Math.min(h.count, room);
  b.span = h.count;
  if (h.count === 0 || h.count > NETFLOW5_MAX_COUNT) b.problem = 'bad_count';
  else if (p.length !== h.headerBytes + h.count * NETFLOW5_RECORD_BYTES) b.problem = 'bad_length';
  return b;
}

/**
 * A NetFlow v9 body (RFC 3954 section 5): FlowSets of templates (ID 0),
 * options templates (ID 1) and data (ID >= 256). Templates go into
 * `cache`; data records are counted by their template. The sequence
 * number counts export packets: it advances by one. The header's count
 * is not checked against the records: exporters disagree on what it counts.
 */
export function readNetflow9(p: Uint8Array, h: FlowHeader, cache: TemplateCache, now: number): FlowBody {
  const b = body();
  b.span = 1;
  walkSets(p, h.headerBytes, p.length, b, (id, at, end) => {
    if (id === 0) return v9Templates(p, at, end, cache, now, b);
    if (id === 1) return v9Options(p, at, end, cache, now, b);
    if (id >= 256) dataSet(p, id, at, end, cache, now, b);
    return null;
  });
  return b;
}

/**
 * An IPFIX message (RFC 7011 section 3): the header's length bounds the
 * sets; Sets 2 (templates), 3 (options templates), >= 256 (data). The
 * sequence number counts data records, so it advances by the records read,
 * unknown when a data set's template is missing.
 */
export function readIpfix(p: Uint8Array, h: FlowHeader, cache: TemplateCache, now: number): FlowBody {
  const b = body();
  const length = u16(p, 2);
  if (length !== p.length) b.problem = 'bad_length';
  const end = Math.min(length, p.length);
  walkSets(p, h.headerBytes, end, b, (id, at, setEnd) => {
    if (id === 2) return ipfixTemplates(p, at, setEnd, false, cache, now, b);
    if (id === 3) return ipfixTemplates(p, at, setEnd, true, cache, now, b);
    if (id >= 256) return dataSet(p, id, at, setEnd, cache, now, b);
    return 'bad_set'; // 0, 1 and 4-255 are not used in IPFIX
  });
  b.span = b.unknownSets > 0 || b.problem !== null ? null : b.records;
  return b;
}

/**
 * An sFlow v5 datagram's samples (sflow_version_5.txt): each is a data
 * format, a length and that many bytes. Samples are the records; the
 * sequence number counts datagrams.
 */
export function readSflow5(p: Uint8Array, h: FlowHeader): FlowBody {
  const b = body();
  b.span = 1;
  if (h.count > (p.length - h.headerBytes) / 8) b.problem = 'bad_count';
  let at = h.headerBytes;
  for (let i = 0; i < h.count && b.problem === null; i++) {
    if (at + 8 > p.length) b.problem = 'bad_length';
    else {
      const len = u32(p, at + 4);
      if (len > p.length - at - 8) b.problem = 'bad_length';
      else {
        at += 8 + len;
        b.records++;
      }
    }
  }
  if (b.problem === null && at !== p.length) b.problem = 'bad_length';
  return b;
}

type SetHandler = (id: number, at: number, end: number) => FlowProblem | null;

// The set/FlowSet layout shared by v9 and IPFIX: a 16-bit ID and a 16-bit
// length that includes these 4 bytes. A length under 4 would loop forever
// or walk backwards, so it ends the walk.
function walkSets(p: Uint8Array, from: number, end: number, b: FlowBody, fn: SetHandler): void {
  let at = from;
  while (end - at >= 4) {
    const id = u16(p, at);
    const len = u16(p, at + 2);
    if (len < 4) return void (b.problem = 'bad_set');
    if (len > end - at) return void (b.problem = 'bad_length');
    const problem = fn(id, at + 4, at + len);
    if (problem !== null && b.problem === null) b.problem = problem;
    at += len;
  }
  if (at !== end && b.problem === null) b.problem = 'bad_length';
}

function dataSet(p: Uint8Array, id: number, at: number, end: number, cache: TemplateCache, now: number, b: FlowBody): FlowProblem | null {
  const t = cache.get(id, now);
  if (t === undefined) {
    b.unknownSets++;
    return null;
  }
  const n = countRecords(p, at, end - at, t);
  if (n < 0) return 'bad_length';
  b.records += n;
  return null;
}

// v9 template records: ID, field count, then (type, length) pairs. Bytes
// after the last record are padding; a zero ID also starts padding.
function v9Templates(p: Uint8Array, at: number, end: number, cache: TemplateCache, now: number, b: FlowBody): FlowProblem | null {
  while (end - at >= 4) {
    const id = u16(p, at);
    if (id === 0) break;
    const fields = u16(p, at + 2);
    const size = 4 + fields * 4;
    if (id < 256 || fields === 0 || size > end - at) return 'bad_template';
    const lengths: number[] = [];
    for (let f = 0; f < fields; f++) lengths.push(u16(p, at + 4 + f * 4 + 2));
    if (lengths.every((l) => l === 0)) return 'bad_template';
    cache.put(id, false, p.subarray(at, at + size), lengths, now);
    b.templates++;
    at += size;
  }
  return null;
}

// v9 options template records: ID, scope length and option length in
// bytes (multiples of 4), then the scope and option (type, length) pairs.
function v9Options(p: Uint8Array, at: number, end: number, cache: TemplateCache, now: number, b: FlowBody): FlowProblem | null {
  while (end - at >= 6) {
    const id = u16(p, at);
    if (id === 0) break;
    const scope = u16(p, at + 2);
    const opts = u16(p, at + 4);
    const size = 6 + scope + opts;
    if (id < 256 || scope % 4 !== 0 || opts % 4 !== 0 || scope + opts === 0 || size > end - at) return 'bad_template';
    const lengths: number[] = [];
    for (let f = at + 6; f < at + size; f += 4) lengths.push(u16(p, f + 2));
    cache.put(id, true, p.subarray(at, at + size), lengths, now);
    b.templates++;
    at += size;
  }
  return null;
}

// IPFIX template records (RFC 7011 3.4.1, 3.4.2): ID, field count, for an
// options template the scope field count, then field specifiers of 4
// bytes, 8 when the enterprise bit is set. A field count of 0 withdraws
// the template (3.4.3); ID 2 in a template set or 3 in an options template
// set withdraws them all (8.1).
function ipfixTemplates(
  p: Uint8Array, at: number, end: number, options: boolean, cache: TemplateCache, now: number, b: FlowBody,
): FlowProblem | null {
  while (end - at >= 4) {
    const id = u16(p, at);
    if (id === 0) break;
    const fields = u16(p, at + 2);
    if (fields === 0) {
      if (id === (options ? 3 : 2)) cache.withdrawAll(options);
      else if (id >= 256) cache.withdraw(id);
      else return 'bad_template';
      b.templates++;
      at += 4;
      continue;
    }
    if (id < 256) return 'bad_template';
    let pos = at + (options ? 6 : 4);
    if (options && (pos > end || u16(p, at + 4) === 0 || u16(p, at + 4) > fields)) return 'bad_template';
    const lengths: number[] = [];
    for (let f = 0; f < fields; f++) {
      if (pos + 4 > end) return 'bad_template';
      const enterprise = (p[pos]! & 0x80) !== 0;
      lengths.push(u16(p, pos + 2));
      pos += enterprise ? 8 : 4;
    }
    if (pos > end) return 'bad_template';
    cache.put(id, options, p.subarray(at, pos), lengths, now);
    b.templates++;
    at = pos;
  }
  return null;
}
