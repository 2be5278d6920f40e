/**
 * The detector run over recorded message times: the same bins and the
 * same series as the service, for one scope (the total). Every bin from
 * the first message's to the last message's is judged; empty bins are
 * zeros, as they are in the service.
 */
import { SekiwakeError } from '@sekiwake/shared';
import { binStart } from '../count/bins.js';
import type { BandOptions, Verdict } from '../detect/band.js';
import { ScopeSeries } from '../detect/series.js';
import { iso } from '../notify/event.js';

/** Most bins one offline run judges (a week of one-second bins is fewer). */
export const MAX_OFFLINE_BINS = 2_000_000;

/** How to bin and judge. */
export interface OfflineOptions extends BandOptions {
  binSeconds: number;
  windowBins: number;
}

/** One judged bin, as `--json` prints it. */
export interface OfflineBin {
  /** Start of the bin, RFC 3339 UTC. */
  start: string;
  count: number;
  /** The band from the previous bins; null during warmup. */
  mean: number | null;
  stdDev: number | null;
  upper: number | null;
  lower: number | null;
  verdict: Verdict;
}

/** Counts of messages per bin start (epoch seconds). */
export class BinTally {
  readonly counts = new Map<number, number>();

  constructor(readonly binSeconds: number) {}

  /** Counts a message at `sec` (epoch seconds). */
  add(sec: number): void {
    const b = binStart(sec, this.binSeconds);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
  }
}

/** Judges every bin of `tally` in time order. */
export function detectBins(tally: BinTally, o: OfflineOptions): OfflineBin[] {
  if (tally.counts.size === 0) return [];
  let first = Infinity;
  let last = -Infinity;
  for (const b of tally.counts.keys()) {
    if (b < first) first = b;
    if (b > last) last = b;
  }
  const bins = (last - first) / o.binSeconds + 1;
  if (bins > MAX_OFFLINE_BINS) {
    throw new SekiwakeError('E_USAGE', `the messages span ${bins} bins, more than ${MAX_OFFLINE_BINS}: use a larger --bin-seconds`, { bins });
  }
  const series = new ScopeSeries(o.windowBins, o);
  const out: OfflineBin[] = [];
  for (let b = first; b <= last; b += o.binSeconds) {
    const { bin } = series.close(b, tally.counts.get(b) ?? 0);
    const band = bin.band;
    out.push({
      start: iso(b),
      count: bin.count,
      mean: band && band.mean,
      stdDev: band && band.stdDev,
      upper: band && band.upper,
      lower: band && band.lower,
      verdict: bin.verdict,
    });
  }
  return out;
}
