/**
 * The templates of one exporter stream (NetFlow v9 source ID, IPFIX
 * observation domain): what is needed to count its data records, and to
 * hand a collector that joins late everything it needs to decode.
 * Bounded in count, with expiry: a template not refreshed within the TTL
 * is forgotten, as RFC 7011 section 8.4 lets a UDP collector do.
 */

/** Field length that marks an IPFIX variable-length field (RFC 7011 7). */
export const VARIABLE_LENGTH = 65535;

/** One template or options template record. */
export interface TemplateEntry {
  id: number;
  /** True for an options template (v9 FlowSet 1, IPFIX Set 3). */
  options: boolean;
  /** The template record exactly as the exporter sent it. */
  record: Uint8Array;
  /** Bytes of one data record when every field has a fixed length; else -1. */
  fixedBytes: number;
  /** Field lengths in order, kept only when some field is variable. */
  lengths: number[] | null;
  /** Fewest bytes a data record of this template takes. */
  minBytes: number;
  /** When the exporter last sent it (ms). */
  seenAt: number;
}

/** How many templates a stream may keep, and for how long. */
export interface TemplateLimits {
  maxTemplates: number;
  ttlMs: number;
}

/** The live templates of one exporter stream, by template ID. */
export class TemplateCache {
  // Insertion order is refresh order: the first entry is the stalest.
  private readonly byId = new Map<number, TemplateEntry>();
  /** Templates dropped because the cache was full. */
  evicted = 0;

  constructor(private readonly limits: TemplateLimits) {}

  /** Live templates. */
  get size(): number {
    return this.byId.size;
  }

  /** The template with `id`, unless it expired. */
  get(id: number, now: number): TemplateEntry | undefined {
    const e = this.byId.get(id);
    if (e === undefined) return undefined;
    if (now - e.seenAt > this.limits.ttlMs) {
      this.byId.delete(id);
      return undefined;
    }
    return e;
  }

  /**
   * Stores a template, replacing one with the same ID. The record bytes
   * are copied only when they changed, so a periodic refresh is cheap.
   */
  put(id: number, options: boolean, record: Uint8Array, lengths: number[], now: number): void {
    const old = this.byId.get(id);
    if (old !== undefined && old.options === options && sameBytes(old.record, record)) {
      this.byId.delete(id);
      old.seenAt = now;
      this.byId.set(id, old);
      return;
    }
    this.byId.delete(id);
    this.byId.set(id, entry(id, options, record, lengths, now));
    while (this.byId.size > this.limits.maxTemplates) {
      const stalest = this.byId.keys().next().value as number;
      this.byId.delete(stalest);
      this.evicted++;
    }
  }

  /** Forgets one template (an IPFIX withdrawal). */
  withdraw(id: number): void {
    this.byId.delete(id);
  }

  /** Forgets every template, or every options template (IPFIX IDs 2 and 3). */
  withdrawAll(options: boolean): void {
    for (const [id, e] of this.byId) if (e.options === options) this.byId.delete(id);
  }

  /** The live templates, plain ones first, each group in ID order. */
  live(now: number): TemplateEntry[] {
    const out: TemplateEntry[] = [];
    for (const [id, e] of this.byId) {
      if (now - e.seenAt > this.limits.ttlMs) this.byId.delete(id);
      else out.push(e);
    }
    return out.sort((a, b) => Number(a.options) - Number(b.options) || a.id - b.id);
  }
}

function entry(id: number, options: boolean, record: Uint8Array, lengths: number[], now: number): TemplateEntry {
  let fixed = 0;
  let min = 0;
  let variable = false;
  for (const l of lengths) {
    if (l === VARIABLE_LENGTH) {
      variable = true;
      min += 1;
    } else {
      fixed += l;
      min += l;
    }
  }
  return {
    id, options, record: Uint8Array.from(record), lengths: variable ? lengths : null,
    fixedBytes: variable ? -1 : fixed, minBytes: min, seenAt: now,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Data records in a data set body of `len` bytes at `at`, per template `t`.
 * Fixed-length records: whole records fit, the rest is padding. Variable
 * lengths (RFC 7011 section 7: one length byte, or 255 and two more) are
 * walked record by record. Returns -1 when a record runs past the set.
 */
export function countRecords(p: Uint8Array, at: number, len: number, t: TemplateEntry): number {
  if (t.lengths === null) return t.fixedBytes > 0 ? Math.floor(len / t.fixedBytes) : 0;
  const end = at + len;
  let n = 0;
  let pos = at;
  while (end - pos >= t.minBytes) {
    for (const l of t.lengths) {
      if (l !== VARIABLE_LENGTH) {
        pos += l;
        continue;
      }
      if (pos + 1 > end) return -1;
      let vl = p[pos]!;
      pos += 1;
      if (vl === 255) {
        if (pos + 2 > end) return -1;
        vl = (p[pos]! << 8) | p[pos + 1]!;
        pos += 2;
      }
      pos += vl;
    }
    if (pos > end) return -1;
    n++;
  }
  return n;
}
