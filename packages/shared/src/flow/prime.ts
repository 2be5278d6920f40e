/**
 * Priming a collector that connects mid-stream: for each NetFlow v9 or
 * IPFIX exporter stream, datagrams that carry only its live templates and
 * options templates, so that the collector decodes the next data at once
 * instead of dropping it until the exporter refreshes its templates.
 *
 * They are built fresh rather than replayed: a replayed datagram would
 * also repeat the data records it carried, which the collector would
 * count twice. Each keeps the exporter's last header (version, source ID
 * or observation domain, times), so the collector files the templates
 * under the right exporter stream. Sequence numbers: IPFIX counts data
 * records and templates do not advance it, so the message carries the
 * number the next data is expected with; v9 counts packets, so it repeats
 * the last one seen and the next real packet follows it without a gap.
 * Each datagram holds at most `maxBytes` of templates (one larger template
 * gets a datagram of its own).
 */
import { IPFIX_HEADER_BYTES, NETFLOW9_HEADER_BYTES } from './header.js';
import type { Exporter } from './inspector.js';
import type { TemplateEntry } from './templates.js';

/** Default size bound of a priming datagram: under a 1500-byte MTU. */
export const PRIME_MAX_BYTES = 1400;

/** The priming datagrams of one exporter stream; none when it has no live template. */
export function primingDatagrams(e: Exporter, now: number, maxBytes = PRIME_MAX_BYTES): Buffer[] {
  if (e.templates === null || e.header.length === 0) return [];
  const live = e.templates.live(now);
  if (live.length === 0) return [];
  const v9 = e.protocol === 'netflow9';
  const headerBytes = v9 ? NETFLOW9_HEADER_BYTES : IPFIX_HEADER_BYTES;
  const out: Buffer[] = [];
  let group: TemplateEntry[] = [];
  let bytes = headerBytes;
  const flush = () => {
    if (group.length > 0) out.push(build(e, group, v9));
    group = [];
    bytes = headerBytes;
  };
  let options = false;
  for (const t of live) {
    // A new set costs its 4-byte header and, in v9, up to 3 of padding.
    const setCost = group.length === 0 || t.options !== options ? 8 : 0;
    if (group.length > 0 && bytes + setCost + t.record.length > maxBytes) flush();
    bytes += (group.length === 0 ? 8 : setCost) + t.record.length;
    options = t.options;
    group.push(t);
  }
  flush();
  return out;
}

function build(e: Exporter, group: TemplateEntry[], v9: boolean): Buffer {
  const sets: Buffer[] = [];
  for (const options of [false, true]) {
    const records = group.filter((t) => t.options === options).map((t) => Buffer.from(t.record));
    if (records.length === 0) continue;
    const id = v9 ? (options ? 1 : 0) : options ? 3 : 2;
    const content = Buffer.concat(records);
    // v9 FlowSets are padded to 32 bits (RFC 3954 5.3); IPFIX needs none.
    const pad = v9 ? (4 - (content.length % 4)) % 4 : 0;
    const head = Buffer.alloc(4);
    head.writeUInt16BE(id, 0);
    head.writeUInt16BE(4 + content.length + pad, 2);
    sets.push(head, content, Buffer.alloc(pad));
  }
  const header = Buffer.from(e.header);
  const out = Buffer.concat([header, ...sets]);
  if (v9) {
    out.writeUInt16BE(group.length, 2); // count: records in this packet
  } else {
    out.writeUInt16BE(out.length, 2);
    const next = e.sequence.expected;
    if (next !== null) out.writeUInt32BE(next, 8);
  }
  return out;
}
