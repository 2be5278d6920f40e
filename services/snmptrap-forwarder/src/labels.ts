/**
 * Per-value hot counts of one counter, for label values that come from the
 * network (agent addresses, trap OIDs): the first `max` distinct values get
 * a series each, every later one is counted under "other", so a storm of
 * spoofed sources cannot grow the registry without bound.
 */
import type { Counter, HotCount, Metrics } from '@sekiwake/shared';

/** The label value of everything past the budget. */
export const OTHER = 'other';

/** Hot counts by key, with a fixed budget of series. */
export class BoundedLabels<K> {
  private readonly counts = new Map<K, HotCount>();
  private other: HotCount | null = null;

  constructor(
    private readonly registry: Metrics,
    private readonly counter: Counter<string>,
    private readonly label: string,
    private readonly max: number,
  ) {}

  /** Series in use, "other" not included. */
  get size(): number {
    return this.counts.size;
  }

  /** The count for `key`; `text` names a new key's label value. */
  get(key: K, text: (key: K) => string): HotCount {
    const h = this.counts.get(key);
    if (h !== undefined) return h;
    if (this.counts.size >= this.max) {
      this.other ??= this.registry.hot(this.counter, { [this.label]: OTHER });
      return this.other;
    }
    const fresh = this.registry.hot(this.counter, { [this.label]: text(key) });
    this.counts.set(key, fresh);
    return fresh;
  }
}
