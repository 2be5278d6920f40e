/**
 * One judged count series (a scope): the window of previous closed bins,
 * and whether a storm or a silence is under way, so that each episode is
 * reported once when it starts and once when it ends.
 *
 * With `holdBaseline`, the bins of an episode do not enter the history:
 * otherwise the first storm bin would widen the band so much that the
 * storm's next bins look normal. An episode that outlasts the window is
 * the new normal, and its bins join the history from then on.
 */
import { band, judge, type Band, type BandOptions, type Verdict } from './band.js';

/** A closed bin and its verdict. */
export interface JudgedBin {
  /** Start of the bin, seconds since the Unix epoch. */
  start: number;
  count: number;
  /** The band from the bins before this one; null during warmup. */
  band: Band | null;
  verdict: Verdict;
}

/** A storm or a silence. */
export type AnomalyType = 'storm' | 'silence';

/** An episode under way. */
export interface Episode {
  anomaly: AnomalyType;
  /** Start of its first bin, epoch seconds. */
  since: number;
  /** Bins it has lasted so far. */
  bins: number;
  /** Highest count of a storm, lowest of a silence. */
  peak: number;
}

/** An episode starting or ending at a bin. */
export interface Transition {
  event: 'start' | 'end';
  episode: Episode;
  bin: JudgedBin;
}

/** What a series keeps across restarts. */
export interface SeriesState {
  history: number[];
  active: Episode | null;
}

/** The state of one scope's series. */
export class ScopeSeries {
  private history: number[] = [];
  private active: Episode | null = null;

  constructor(
    readonly windowBins: number,
    private readonly o: BandOptions,
  ) {}

  /** The episode under way, if any. */
  get episode(): Episode | null {
    return this.active;
  }

  /** Bins of history held (at most the window). */
  get length(): number {
    return this.history.length;
  }

  /** Judges the bin that just closed, then adds it to the history. */
  close(start: number, count: number): { bin: JudgedBin; transitions: Transition[] } {
    const b = band(this.history, this.o);
    const bin: JudgedBin = { start, count, band: b, verdict: judge(count, b, this.o) };
    const transitions = this.step(bin);
    const held = this.o.holdBaseline && this.active !== null && this.active.bins <= this.windowBins;
    if (!held) {
      this.history.push(count);
      if (this.history.length > this.windowBins) this.history.shift();
    }
    return { bin, transitions };
  }

  private step(bin: JudgedBin): Transition[] {
    const out: Transition[] = [];
    const now = bin.verdict === 'storm' || bin.verdict === 'silence' ? bin.verdict : null;
    const cur = this.active;
    if (cur !== null && cur.anomaly === now) {
      cur.bins++;
      cur.peak = now === 'storm' ? Math.max(cur.peak, bin.count) : Math.min(cur.peak, bin.count);
      return out;
    }
    if (cur !== null) {
      out.push({ event: 'end', episode: cur, bin });
      this.active = null;
    }
    if (now !== null) {
      this.active = { anomaly: now, since: bin.start, bins: 1, peak: bin.count };
      out.push({ event: 'start', episode: { ...this.active }, bin });
    }
    return out;
  }

  /** A copy of what a restart needs. */
  snapshot(): SeriesState {
    return { history: [...this.history], active: this.active && { ...this.active } };
  }

  /** Takes over saved state; extra history beyond the window is dropped, oldest first. */
  restore(s: SeriesState): void {
    this.history = s.history.filter((n) => Number.isFinite(n) && n >= 0).slice(-this.windowBins);
    this.active = s.active;
  }
}
