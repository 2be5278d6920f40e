/**
 * Per-exporter accounting of flow export datagrams: which exporter stream
 * sent each one, how many records it carried, whether the exporter's
 * sequence numbers show loss before the datagram reached us, and the
 * templates a late collector needs. Bounded: the stalest exporter streams
 * are forgotten first. `inspect` never throws on any input.
 */
import { protocolOf, readFlowHeader } from './header.js';
import { readIpfix, readNetflow5, readNetflow9, readSflow5 } from './body.js';
import { LATE_WINDOW_DATAGRAMS, LATE_WINDOW_RECORDS, SequenceState, type SequenceEvent } from './sequence.js';
import { TemplateCache } from './templates.js';
import type { FlowBody, FlowHeader, FlowProblem, FlowProtocol } from './types.js';

/** How much state the inspector may keep. */
export interface FlowLimits {
  /** Exporter streams tracked (sequence and templates); the stalest go first. */
  maxExporters: number;
  /** Templates kept per exporter stream. */
  maxTemplatesPerExporter: number;
  /** A template not refreshed for this long is forgotten. */
  templateTtlMs: number;
}

/** One exporter stream: a source address and the protocol's stream ID. */
export interface Exporter {
  readonly key: string;
  readonly protocol: Exclude<FlowProtocol, 'unknown'>;
  /** Source address of its datagrams (a copy, 4 or 16 bytes). */
  readonly source: Uint8Array;
  /** Engine (v5), source ID (v9), observation domain (IPFIX), sub-agent (sFlow). */
  readonly domain: number;
  /** sFlow agent address from the datagram (a copy); else null. */
  readonly agent: Uint8Array | null;
  readonly sequence: SequenceState;
  /** Templates, for NetFlow v9 and IPFIX; else null. */
  readonly templates: TemplateCache | null;
  /** The fixed header of its last datagram (v9, IPFIX), for priming. */
  readonly header: Uint8Array;
  /** Whatever the caller attaches (its counters). */
  tag: unknown;
}

/** What `inspect` found; the same object is reused by the next call. */
export interface Inspection {
  protocol: FlowProtocol;
  exporter: Exporter | null;
  /** True when `exporter` was created by this call. */
  isNew: boolean;
  header: FlowHeader | null;
  body: FlowBody | null;
  /** The first problem found, header or body. */
  problem: FlowProblem | null;
  event: SequenceEvent | null;
  /** Sequence numbers missed just before this datagram, in the protocol's unit. */
  missed: number;
}

/** Reads flow export datagrams and keeps per-exporter state. */
export class FlowInspector {
  private readonly exporters = new Map<string, Exporter>();
  private last: Exporter | null = null;
  private readonly result: Inspection = {
    protocol: 'unknown', exporter: null, isNew: false, header: null, body: null, problem: null, event: null, missed: 0,
  };
  /** Exporter streams forgotten because the table was full. */
  evicted = 0;

  constructor(private readonly limits: FlowLimits) {}

  /** Exporter streams tracked now. */
  get size(): number {
    return this.exporters.size;
  }

  /** Every tracked exporter stream, stalest first. */
  all(): IterableIterator<Exporter> {
    return this.exporters.values();
  }

  /** Reads one datagram from `source` (4 or 16 bytes) captured at `now` (ms). */
  inspect(source: Uint8Array, p: Uint8Array, now: number): Inspection {
    const r = this.result;
    r.exporter = null; r.isNew = false; r.body = null; r.event = null; r.missed = 0;
    const h = readFlowHeader(p);
    if (typeof h === 'string') {
      r.protocol = protocolOf(p); r.header = null; r.problem = h;
      return r;
    }
    r.protocol = h.protocol;
    r.header = h;
    const e = this.exporter(source, h);
    r.exporter = e;
    const b = readBody(p, h, e, now);
    r.body = b;
    r.problem = b.problem;
    if (e.templates !== null) e.header.set(p.subarray(0, h.headerBytes));
    r.event = e.sequence.observe(h.sequence, b.span, h.uptimeMs);
    r.missed = e.sequence.missed;
    return r;
  }

  private exporter(source: Uint8Array, h: FlowHeader): Exporter {
    const last = this.last;
    if (last !== null && last.protocol === h.protocol && last.domain === h.domain
      && same(last.source, source) && sameAgent(last.agent, h.agent)) return last;
    const key = keyOf(source, h);
    let e = this.exporters.get(key);
    if (e !== undefined) {
      this.exporters.delete(key);
      this.exporters.set(key, e);
    } else {
      e = this.create(key, source, h);
      this.result.isNew = true;
    }
    this.last = e;
    return e;
  }

  private create(key: string, source: Uint8Array, h: FlowHeader): Exporter {
    const templated = h.protocol === 'netflow9' || h.protocol === 'ipfix';
    const e: Exporter = {
      key, protocol: h.protocol, source: Uint8Array.from(source), domain: h.domain,
      agent: h.agent === null ? null : Uint8Array.from(h.agent),
      sequence: new SequenceState(h.unit === 'records' ? LATE_WINDOW_RECORDS : LATE_WINDOW_DATAGRAMS),
      templates: templated
        ? new TemplateCache({ maxTemplates: this.limits.maxTemplatesPerExporter, ttlMs: this.limits.templateTtlMs })
        : null,
      header: new Uint8Array(templated ? h.headerBytes : 0),
      tag: undefined,
    };
    this.exporters.set(key, e);
    if (this.exporters.size > this.limits.maxExporters) {
      const stalest = this.exporters.keys().next().value as string;
      this.exporters.delete(stalest);
      this.evicted++;
    }
    return e;
  }
}

function readBody(p: Uint8Array, h: FlowHeader, e: Exporter, now: number): FlowBody {
  switch (h.protocol) {
    case 'netflow5': return readNetflow5(p, h);
    case 'netflow9': return readNetflow9(p, h, e.templates!, now);
    case 'ipfix': return readIpfix(p, h, e.templates!, now);
    case 'sflow5': return readSflow5(p, h);
  }
}

function keyOf(source: Uint8Array, h: FlowHeader): string {
  let k = `${h.protocol}|${h.domain}|${source.join('.')}`;
  if (h.agent !== null) k += `|${h.agent.join('.')}`;
  return k;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameAgent(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : same(a, b);
}
