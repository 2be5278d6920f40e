/**
 * The Bollinger band of a count series: the mean of the previous bins plus
 * and minus k sample standard deviations, and the verdict on the next bin.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';

/** What a closed bin was judged to be. */
export type Verdict = 'normal' | 'storm' | 'silence' | 'warmup';

/** How the band is drawn and used. */
export interface BandOptions {
  /** Width of the band in standard deviations. */
  k: number;
  /** Bins of history needed before any verdict (at least 2). */
  warmupBins: number;
  /** Floor on the deviation, in messages per bin. */
  minStdDev: number;
  /** Floor on the deviation as a fraction of the mean. */
  minStdDevFraction: number;
  /** Report bins below the lower band as silences. */
  silence: boolean;
  /**
   * Keep the bins of a storm or silence out of the history while it lasts
   * (up to one window), so the band stays that of normal traffic.
   */
  holdBaseline: boolean;
}

/** The band over some history; `lower` is never below zero. */
export interface Band {
  mean: number;
  /** The deviation used: the sample standard deviation or its floor. */
  stdDev: number;
  upper: number;
  lower: number;
}

/** The band over `history`, or null while it is shorter than the warmup. */
export function band(history: readonly number[], o: BandOptions): Band | null {
  if (history.length < Math.max(2, o.warmupBins)) return null;
  const m = mean(history as number[]);
  const sd = sampleStandardDeviation(history as number[]);
  const stdDev = Math.max(sd, o.minStdDev, o.minStdDevFraction * m);
  return { mean: m, stdDev, upper: m + o.k * stdDev, lower: Math.max(0, m - o.k * stdDev) };
}

/** The verdict on `count` against `b` (null: still warming up). */
export function judge(count: number, b: Band | null, o: BandOptions): Verdict {
  if (b === null) return 'warmup';
  if (count > b.upper) return 'storm';
  if (o.silence && count < b.lower) return 'silence';
  return 'normal';
}
