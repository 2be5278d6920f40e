/**
 * Flow accounting: every datagram on its way to the collectors is read by
 * the shared flow inspector, and what it found becomes per-exporter
 * counters, so that loss upstream of Sekiwake (the exporter's own sequence
 * numbers) shows apart from drops inside it (dropped_total).
 *
 * Label sets are bounded: the first `maxLabelled` exporter streams get
 * their own (exporter, protocol, domain) labels, later ones share the
 * exporter="other" series of their protocol.
 */
import {
  FlowInspector,
  formatAddress,
  LogThrottle,
  type Counter,
  type Datagram,
  type Exporter,
  type FlowProtocol,
  type HotCount,
  type Logger,
  type Metrics,
} from '@sekiwake/shared';

type ExporterLabel = 'exporter' | 'protocol' | 'domain';

/** The counters of one exporter label set. */
interface ExporterCounts {
  datagrams: HotCount;
  records: HotCount;
  templates: HotCount;
  unknownSets: HotCount;
  missed: HotCount;
  late: HotCount;
  restarts: HotCount;
}

/** Limits of the accounting state. */
export interface AccountingLimits {
  maxLabelled: number;
  maxTracked: number;
  maxTemplatesPerExporter: number;
  templateTtlMs: number;
}

/** Reads each flow datagram and counts it per exporter. */
export class FlowAccounting {
  readonly inspector: FlowInspector;
  private readonly labelled = new Map<string, ExporterCounts>();
  private readonly other = new Map<string, ExporterCounts>();
  private readonly malformed = new Map<string, HotCount>();
  private readonly counters: Record<keyof ExporterCounts, Counter<ExporterLabel>>;
  private readonly malformedCounter: Counter<'protocol' | 'reason'>;
  private readonly forgotten: Counter;
  private readonly malformedLog = new LogThrottle(10_000);

  constructor(
    private readonly metrics: Metrics,
    private readonly limits: AccountingLimits,
    private readonly log: Logger,
  ) {
    this.inspector = new FlowInspector({
      maxExporters: limits.maxTracked,
      maxTemplatesPerExporter: limits.maxTemplatesPerExporter,
      templateTtlMs: limits.templateTtlMs,
    });
    const labelNames: ExporterLabel[] = ['exporter', 'protocol', 'domain'];
    const c = (name: string, help: string) => metrics.counter({ name, help, labelNames });
    this.counters = {
      datagrams: c('flow_datagrams_total', 'Flow export datagrams received, per exporter stream'),
      records: c('flow_records_total', 'Flow records (v5 flows, v9/IPFIX data records, sFlow samples) counted'),
      templates: c('flow_templates_total', 'Template and options template records seen (IPFIX withdrawals included)'),
      unknownSets: c('flow_unknown_template_sets_total', 'Data sets whose template was not known: their records are not counted'),
      missed: c('flow_sequence_missed_total', 'Lost upstream, from the exporter\'s sequence numbers: records for v5/IPFIX, datagrams for v9/sFlow'),
      late: c('flow_sequence_late_total', 'Datagrams whose sequence number was behind the expected one (reordered)'),
      restarts: c('flow_exporter_restarts_total', 'Sequence restarts: uptime went back or the number jumped too far'),
    };
    this.malformedCounter = metrics.counter({
      name: 'flow_malformed_total',
      help: 'Flow datagrams forwarded raw that could not be read in full, by protocol and reason',
      labelNames: ['protocol', 'reason'],
    });
    this.forgotten = metrics.counter({ name: 'flow_exporters_forgotten_total', help: 'Exporter streams forgotten because the table was full' });
    const inspector = this.inspector;
    let forgottenSeen = 0;
    const forgotten = this.forgotten;
    metrics.gauge({
      name: 'flow_exporters_tracked',
      help: 'Exporter streams whose sequence and templates are tracked',
      collect() {
        this.set(inspector.size);
        forgotten.inc(inspector.evicted - forgottenSeen);
        forgottenSeen = inspector.evicted;
      },
    });
    metrics.gauge({
      name: 'flow_templates_cached',
      help: 'Templates held for priming collectors, over every exporter stream',
      collect() {
        let n = 0;
        for (const e of inspector.all()) n += e.templates?.size ?? 0;
        this.set(n);
      },
    });
  }

  /** The forwarder's inspect hook: reads one datagram, never throws. */
  inspect(d: Datagram): void {
    const r = this.inspector.inspect(d.src, d.payload, Date.now());
    if (r.problem !== null) this.countMalformed(r.protocol, r.problem, d);
    const e = r.exporter;
    if (e === null) return;
    const c = (e.tag as ExporterCounts | undefined) ?? this.attach(e);
    const b = r.body!;
    c.datagrams.add();
    if (b.records > 0) c.records.add(b.records);
    if (b.templates > 0) c.templates.add(b.templates);
    if (b.unknownSets > 0) c.unknownSets.add(b.unknownSets);
    if (r.missed > 0) c.missed.add(r.missed);
    if (r.event === 'late') c.late.add();
    else if (r.event === 'restart') c.restarts.add();
  }

  private attach(e: Exporter): ExporterCounts {
    let c = this.labelled.get(e.key);
    if (c === undefined && this.labelled.size < this.limits.maxLabelled) {
      c = this.counts({ exporter: formatAddress(e.source), protocol: e.protocol, domain: domainLabel(e) });
      this.labelled.set(e.key, c);
      this.log.info({ exporter: formatAddress(e.source), protocol: e.protocol, domain: domainLabel(e) }, 'new flow exporter');
    }
    if (c === undefined) {
      c = this.other.get(e.protocol);
      if (c === undefined) {
        c = this.counts({ exporter: 'other', protocol: e.protocol, domain: 'other' });
        this.other.set(e.protocol, c);
        this.log.warn({ maxLabelled: this.limits.maxLabelled }, 'exporter label limit reached: more exporters count as "other"');
      }
    }
    e.tag = c;
    return c;
  }

  private counts(labels: Record<ExporterLabel, string>): ExporterCounts {
    const m = this.metrics;
    const k = this.counters;
    return {
      datagrams: m.hot(k.datagrams, labels), records: m.hot(k.records, labels), templates: m.hot(k.templates, labels),
      unknownSets: m.hot(k.unknownSets, labels), missed: m.hot(k.missed, labels), late: m.hot(k.late, labels),
      restarts: m.hot(k.restarts, labels),
    };
  }

  private countMalformed(protocol: FlowProtocol, reason: string, d: Datagram): void {
    const key = `${protocol}/${reason}`;
    let h = this.malformed.get(key);
    if (h === undefined) {
      h = this.metrics.hot(this.malformedCounter, { protocol, reason });
      this.malformed.set(key, h);
    }
    h.add();
    const skipped = this.malformedLog.hit();
    if (skipped >= 0) {
      this.log.warn({ exporter: formatAddress(d.src), protocol, reason, bytes: d.payload.length, skipped }, 'malformed flow datagram forwarded raw');
    }
  }
}

// v5: engine type/id; sFlow: agent address/sub-agent; v9 and IPFIX: the ID.
function domainLabel(e: Exporter): string {
  if (e.protocol === 'netflow5') return `${e.domain >> 8}/${e.domain & 255}`;
  if (e.protocol === 'sflow5' && e.agent !== null) return `${formatAddress(e.agent)}/${e.domain}`;
  return String(e.domain);
}
