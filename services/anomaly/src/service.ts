/**
 * The anomaly service: counts each subscribed kind per time bin, judges
 * every closed bin in each scope against its Bollinger band, and notifies
 * when a storm or a silence starts and when it ends.
 */
import {
  BusSubscriber,
  readBatch,
  SequenceTracker,
  LogThrottle,
  type Config,
  type HotCount,
  type Kind,
  type Logger,
  type Metrics,
  type ReceivedBatch,
} from '@sekiwake/shared';
import { BinCounter, firstWholeBin, type CountDrop } from './count/bins.js';
import type { BandOptions } from './detect/band.js';
import { ScopeSeries, type JudgedBin, type Transition } from './detect/series.js';
import { KindScopes, TOTAL } from './detect/scopes.js';
import { anomalyMetrics, type AnomalyMetrics } from './metrics.js';
import { Notifiers } from './notify/notifiers.js';
import { toEvent } from './notify/event.js';
import { loadState, missedBins, saveState, STATE_VERSION, type KindState, type SavedState } from './state.js';

/** The anomaly section of the configuration. */
export type AnomalyConfig = Config['services']['anomaly'];

/** Longest wait between two checks for bins to close. */
const TICK_MAX_MS = 1000;

/** What tests may replace. */
export interface AnomalyOptions {
  /** The clock that closes bins, ms since the epoch. */
  now?: () => number;
  /** Called with every judged bin of every scope. */
  onBin?: (kind: Kind, scope: string, bin: JudgedBin) => void;
}

interface KindCounting {
  kind: Kind;
  counter: BinCounter;
  scopes: KindScopes;
  series: Map<string, ScopeSeries>;
  received: HotCount;
  lastBin: number;
}

/** Band options of a configuration. */
export function bandOptions(c: AnomalyConfig): BandOptions {
  return {
    k: c.k,
    warmupBins: c.warmupBins,
    minStdDev: c.minStdDev,
    minStdDevFraction: c.minStdDevFraction,
    silence: c.silence,
    holdBaseline: c.holdBaseline,
  };
}

/** A running anomaly service. */
export class AnomalyService {
  private readonly cfg: AnomalyConfig;
  private readonly now: () => number;
  private readonly onBin: AnomalyOptions['onBin'];
  private readonly m: AnomalyMetrics;
  private readonly band: BandOptions;
  private readonly subscriber: BusSubscriber;
  private readonly sequences = new SequenceTracker();
  private readonly kinds = new Map<Kind, KindCounting>();
  private readonly drops: Record<CountDrop, HotCount>;
  private readonly notifiers: Notifiers;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly invalidLog = new LogThrottle(10_000);
  private readonly saveLog = new LogThrottle(60_000);
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    opts: AnomalyOptions = {},
  ) {
    this.cfg = config.services.anomaly;
    this.now = opts.now ?? Date.now;
    this.onBin = opts.onBin;
    this.m = anomalyMetrics(metrics);
    this.band = bandOptions(this.cfg);
    this.subscriber = new BusSubscriber(config.bus.subscribeEndpoint, this.cfg.kinds, config.bus);
    this.drops = {
      late: metrics.hot(this.m.dropped, { reason: 'late' }),
      future: metrics.hot(this.m.dropped, { reason: 'future' }),
      before_start: metrics.hot(this.m.dropped, { reason: 'before_start' }),
    };
    this.notifiers = new Notifiers(config, log, this.m);
  }

  /** Loads the saved state, connects and starts counting. */
  async start(): Promise<void> {
    const first = firstWholeBin(this.now(), this.cfg.binSeconds);
    for (const kind of this.cfg.kinds) this.kinds.set(kind, this.counting(kind, first));
    await this.restore(first);
    this.notifiers.open();
    this.subscriber.connect();
    this.subscriber.start({
      onBatch: (b) => this.onBatch(b),
      onInvalid: (err, bytes) => this.onInvalid(err.code, bytes),
    });
    const tickMs = Math.min(TICK_MAX_MS, this.cfg.binSeconds * 250);
    this.timers.push(setInterval(() => this.tick(), tickMs));
    if (this.cfg.state.file !== undefined) {
      this.timers.push(setInterval(() => void this.save(), this.cfg.state.saveIntervalSeconds * 1000));
    }
    this.log.info({ kinds: this.cfg.kinds, binSeconds: this.cfg.binSeconds, firstBin: first }, 'anomaly detector subscribed');
  }

  /** Closes and judges every bin that is due by the clock. */
  tick(): void {
    const now = this.now();
    for (const k of this.kinds.values()) {
      for (const { start, counts } of k.counter.closeDue(now, this.cfg.closeDelayMs)) {
        k.lastBin = start;
        // A kind's series begins with its first message: the empty bins
        // before it say nothing about its usual rate.
        if (counts.total === 0 && !k.series.has(TOTAL)) continue;
        const { counts: perScope, evicted } = k.scopes.split(counts);
        for (const scope of evicted) this.forget(k, scope);
        for (const [scope, n] of perScope) this.judge(k, scope, start, n);
        this.m.binsClosed.inc({ kind: k.kind });
      }
    }
  }

  /** Stops receiving, saves the state, lets notifications leave. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.subscriber.close();
    await this.save();
    await this.notifiers.stop();
  }

  /** Series of one kind and scope (for tests and the offline comparison). */
  series(kind: Kind, scope: string): ScopeSeries | undefined {
    return this.kinds.get(kind)?.series.get(scope);
  }

  private counting(kind: Kind, first: number): KindCounting {
    const c = this.cfg;
    return {
      kind,
      counter: new BinCounter({ binSeconds: c.binSeconds, sources: c.sources.enabled, severity: c.severity && kind === 'syslog' }, first),
      scopes: new KindScopes({ sources: c.sources.enabled, maxTracked: c.sources.maxTracked, severity: c.severity && kind === 'syslog', windowBins: c.windowBins }),
      series: new Map(),
      received: this.metrics.hot(this.m.received, { kind }),
      lastBin: first - c.binSeconds,
    };
  }

  private onBatch({ header, batch }: ReceivedBatch): void {
    const k = this.kinds.get(header.kind);
    if (k === undefined) return;
    const { lost } = this.sequences.observe(header);
    if (lost > 0) this.m.dropped.inc({ reason: 'bus_gap' }, lost);
    k.counter.setNow(this.now());
    const drops = this.drops;
    try {
      readBatch(batch, (d) => {
        const why = k.counter.add(d.tsSec, d.src, d.payload);
        if (why !== null) drops[why].add();
      });
    } catch (err) {
      this.onInvalid((err as { code?: string }).code ?? 'E_ENVELOPE', batch.length, header.count);
      return;
    }
    k.received.add(header.count);
  }

  private onInvalid(code: string, bytes: number, datagrams = 1): void {
    this.m.dropped.inc({ reason: 'envelope_invalid' }, datagrams);
    const skipped = this.invalidLog.hit();
    if (skipped >= 0) this.log.warn({ code, bytes, skipped }, 'invalid bus message');
  }

  private judge(k: KindCounting, scope: string, start: number, n: number): void {
    let s = k.series.get(scope);
    if (s === undefined) k.series.set(scope, (s = new ScopeSeries(this.cfg.windowBins, this.band)));
    const { bin, transitions } = s.close(start, n);
    this.publishBand(k.kind, scope, bin, s);
    this.onBin?.(k.kind, scope, bin);
    for (const t of transitions) this.notify(k.kind, scope, t);
    if (bin.verdict !== 'normal') this.log.debug({ kind: k.kind, scope, count: n, verdict: bin.verdict }, 'bin judged');
  }

  private publishBand(kind: Kind, scope: string, bin: JudgedBin, s: ScopeSeries): void {
    const labels = { kind, scope };
    this.m.count.set(labels, bin.count);
    const a = s.episode?.anomaly;
    this.m.active.set(labels, a === 'storm' ? 1 : a === 'silence' ? -1 : 0);
    if (bin.band === null) return;
    this.m.mean.set(labels, bin.band.mean);
    this.m.upper.set(labels, bin.band.upper);
    this.m.lower.set(labels, bin.band.lower);
  }

  private notify(kind: Kind, scope: string, t: Transition): void {
    const e = toEvent(kind, scope, this.cfg.binSeconds, t);
    this.m.events.inc({ kind, anomaly: e.anomaly, event: e.event });
    const ctx = { kind, scope, anomaly: e.anomaly, bin: e.bin, count: e.count, upper: e.upper, lower: e.lower };
    if (e.event === 'start') this.log.warn(ctx, 'anomaly started');
    else this.log.info({ ...ctx, bins: e.bins, peak: e.peak }, 'anomaly ended');
    this.notifiers.send(e);
  }

  // A source that lost its place: its series and its gauge series go.
  // Shortcoming: an episode under way in it ends without a notification.
  private forget(k: KindCounting, scope: string): void {
    k.series.delete(scope);
    for (const g of [this.m.active, this.m.mean, this.m.upper, this.m.lower, this.m.count]) g.remove({ kind: k.kind, scope });
  }

  private snapshot(): SavedState {
    const kinds: Record<string, KindState> = {};
    for (const k of this.kinds.values()) {
      const series: KindState['series'] = {};
      for (const [scope, s] of k.series) series[scope] = s.snapshot();
      kinds[k.kind] = { lastBin: k.lastBin, sources: k.scopes.snapshot(), series };
    }
    return { version: STATE_VERSION, binSeconds: this.cfg.binSeconds, windowBins: this.cfg.windowBins, kinds };
  }

  private save(): Promise<void> {
    const file = this.cfg.state.file;
    if (file === undefined) return Promise.resolve();
    const state = this.snapshot();
    this.saving = this.saving.then(() =>
      saveState(file, state).catch((err: unknown) => {
        const skipped = this.saveLog.hit();
        if (skipped >= 0) this.log.error({ file, err, skipped }, 'state file not saved');
      }),
    );
    return this.saving;
  }

  private async restore(first: number): Promise<void> {
    const file = this.cfg.state.file;
    if (file === undefined) return;
    const s = await loadState(file, this.cfg.binSeconds);
    if (typeof s === 'string') {
      if (s !== 'missing') this.log.warn({ file, reason: s }, 'state file not used: the baseline starts empty');
      return;
    }
    for (const k of this.kinds.values()) {
      const saved = s.kinds[k.kind];
      if (saved === undefined) continue;
      const missed = missedBins(saved, first, this.cfg.binSeconds);
      // Shortcoming: an episode under way in a stale state ends unannounced.
      if (missed >= this.cfg.windowBins) {
        this.log.info({ kind: k.kind, missedBins: missed }, 'saved baseline older than the window: not used');
        continue;
      }
      k.scopes.restore(saved.sources);
      for (const [scope, st] of Object.entries(saved.series)) {
        const series = new ScopeSeries(this.cfg.windowBins, this.band);
        series.restore(st);
        k.series.set(scope, series);
      }
      this.log.info({ kind: k.kind, scopes: k.series.size, missedBins: missed }, 'baseline restored');
    }
  }
}
