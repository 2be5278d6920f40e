/**
 * The scopes a kind's counts are judged in: the total, each of the busiest
 * sources, the other sources together, and each syslog severity. The set
 * of sources judged on their own is bounded; a source earns a place by
 * sending more in one bin than the quietest tracked source's score (its
 * counts, decayed over about one window), and takes that source's place.
 */
import { SEVERITY_SLOTS, sourceText, type BinCounts } from '../count/bins.js';

/** RFC 5424 severity names, then the slot of payloads without a valid PRI. */
export const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'none'] as const;

/** The scope of a kind's total. */
export const TOTAL = 'total';
/** The scope of the sources not tracked on their own. */
export const OTHER_SOURCES = 'source:other';

/** What to split the total into. */
export interface ScopeOptions {
  sources: boolean;
  maxTracked: number;
  severity: boolean;
  windowBins: number;
}

/** One bin's count in each scope, and the sources that lost their place. */
export interface ScopeCounts {
  counts: Array<[scope: string, count: number]>;
  evicted: string[];
}

/** Splits the bins of one kind into scopes. */
export class KindScopes {
  /** Tracked source keys and their decayed scores. */
  private readonly tracked = new Map<number | string, number>();
  private readonly decay: number;

  constructor(private readonly o: ScopeOptions) {
    this.decay = 1 - 1 / o.windowBins;
  }

  /** Per-scope counts of a closed bin. */
  split(c: BinCounts): ScopeCounts {
    const counts: Array<[string, number]> = [[TOTAL, c.total]];
    const evicted: string[] = [];
    if (this.o.sources) {
      for (const [key, score] of this.tracked) this.tracked.set(key, score * this.decay + (c.sources.get(key) ?? 0));
      this.admit(c, evicted);
      let named = 0;
      for (const key of this.tracked.keys()) {
        const n = c.sources.get(key) ?? 0;
        named += n;
        counts.push([`source:${sourceText(key)}`, n]);
      }
      // Shortcoming: "other" changes make-up as sources gain or lose a
      // place, so its band can jump when one does.
      counts.push([OTHER_SOURCES, c.total - named]);
    }
    if (this.o.severity) {
      for (let s = 0; s < SEVERITY_SLOTS; s++) counts.push([`severity:${SEVERITY_NAMES[s]}`, c.severities[s]!]);
    }
    return { counts, evicted };
  }

  /** Source keys tracked now, as scope names. */
  get sourceScopes(): string[] {
    return [...this.tracked.keys()].map((k) => `source:${sourceText(k)}`);
  }

  /** Tracked sources and scores, for the state file. */
  snapshot(): Array<[number | string, number]> {
    return [...this.tracked];
  }

  /** Takes over saved tracked sources, up to the bound. */
  restore(list: Array<[number | string, number]>): void {
    for (const [k, s] of list.slice(0, this.o.maxTracked)) {
      if ((typeof k === 'number' || typeof k === 'string') && Number.isFinite(s)) this.tracked.set(k, s);
    }
  }

  private admit(c: BinCounts, evicted: string[]) {
    const newcomers = [...c.sources].filter(([k]) => !this.tracked.has(k)).sort((a, b) => b[1] - a[1]);
    for (const [key, n] of newcomers) {
      if (this.tracked.size < this.o.maxTracked) {
        this.tracked.set(key, n);
        continue;
      }
      const [quietest, score] = this.quietest();
      if (quietest === undefined || n <= score) break;
      this.tracked.delete(quietest);
      evicted.push(`source:${sourceText(quietest)}`);
      this.tracked.set(key, n);
    }
  }

  private quietest(): [number | string | undefined, number] {
    let key: number | string | undefined;
    let min = Infinity;
    for (const [k, s] of this.tracked) if (s < min) [key, min] = [k, s];
    return [key, min];
  }
}
