/**
 * The store's input: `syslog` batches from the bus, every datagram handed
 * to the writer. Losses before the store are counted from the batch
 * sequence numbers (reason `bus_gap`), so none goes unnoticed.
 */
import {
  BusSubscriber, LogThrottle, readBatch, SequenceTracker,
  type Config, type Datagram, type Logger, type ReceivedBatch,
} from '@sekiwake/shared';
import type { StoreMetrics } from '../metrics.js';

/** How long the bus must be quiet before a stopping store stops reading. */
export const DRAIN_QUIET_MS = 300;
/** Longest a stopping store keeps reading what is still on its way. */
export const DRAIN_MAX_MS = 3000;

/** Receives syslog batches and passes each datagram on. */
export class StoreSubscriber {
  private readonly bus: BusSubscriber;
  private readonly sequences = new SequenceTracker();
  private readonly invalidLog = new LogThrottle(10_000);
  private lastBatchAt = 0;

  constructor(
    config: Config,
    private readonly log: Logger,
    private readonly metrics: StoreMetrics,
    /** Takes one datagram; false when it was dropped for want of room. */
    private readonly sink: (d: Datagram) => boolean,
  ) {
    this.bus = new BusSubscriber(config.bus.subscribeEndpoint, ['syslog'], config.bus);
  }

  /** Connects and starts receiving. */
  start(): void {
    this.bus.connect();
    this.bus.start({
      onBatch: (b) => this.onBatch(b),
      onInvalid: (err, bytes) => {
        this.metrics.dropped.inc({ reason: 'envelope_invalid' });
        const skipped = this.invalidLog.hit();
        if (skipped >= 0) this.log.warn({ code: err.code, bytes, skipped }, 'invalid bus message');
      },
    });
    this.log.info({ endpoint: this.bus.endpoint }, 'store subscribed to syslog');
  }

  private onBatch({ header, batch }: ReceivedBatch) {
    this.lastBatchAt = Date.now();
    const { lost } = this.sequences.observe(header);
    if (lost > 0) this.metrics.dropped.inc({ reason: 'bus_gap' }, lost);
    let refused = 0;
    try {
      readBatch(batch, (d) => {
        if (!this.sink(d)) refused++;
      });
    } catch {
      // readBatch checks the whole batch before the first record: none was taken.
      this.metrics.dropped.inc({ reason: 'envelope_invalid' }, header.count);
      return;
    }
    this.metrics.received.inc(header.count);
    if (refused > 0) this.metrics.dropped.inc({ reason: 'backlog_full' }, refused);
  }

  /** Reads until the bus has been quiet a moment (bounded), then closes. */
  async drainAndClose(): Promise<void> {
    const until = Date.now() + DRAIN_MAX_MS;
    while (Date.now() < until && Date.now() - this.lastBatchAt < DRAIN_QUIET_MS) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.bus.close();
  }
}
