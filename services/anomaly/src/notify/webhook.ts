/**
 * Webhook notifications: each event POSTed as JSON, one at a time and in
 * order, retried with exponential backoff. The queue is bounded: when it
 * is full the oldest waiting event is dropped (counted), so a receiver
 * that is down never holds up counting or grows memory.
 */
import type { Logger } from '@sekiwake/shared';
import { LogThrottle } from '@sekiwake/shared';
import type { AnomalyEvent } from './event.js';

/** Longest stop() waits for the queue to drain before giving up on it. */
export const WEBHOOK_DRAIN_MS = 3000;

/** Where and how to post. */
export interface WebhookOptions {
  url: string;
  timeoutMs: number;
  maxAttempts: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  maxQueued: number;
}

/** What became of a notification (or of one try). */
export type WebhookOutcome = 'sent' | 'retry' | 'failed' | 'queue_full' | 'abandoned';

/** Posts events to one URL. */
export class WebhookNotifier {
  private readonly queue: AnomalyEvent[] = [];
  private running: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly errLog = new LogThrottle(30_000);

  constructor(
    private readonly o: WebhookOptions,
    private readonly log: Logger,
    private readonly outcome: (o: WebhookOutcome) => void,
  ) {}

  /** Events waiting, the one being tried included. */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues an event; never waits. */
  send(e: AnomalyEvent): void {
    if (this.stopping) return this.outcome('abandoned');
    if (this.queue.length >= this.o.maxQueued) {
      this.queue.splice(1, 1); // the head may be in flight; drop the oldest behind it
      this.outcome('queue_full');
    }
    this.queue.push(e);
    this.running ??= this.pump().finally(() => (this.running = null));
  }

  /** Lets the queue drain for a bounded time, then drops what is left (counted). */
  async stop(): Promise<void> {
    const drained = this.running ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, WEBHOOK_DRAIN_MS)));
    await Promise.race([drained, late]);
    clearTimeout(timer);
    this.stopping = true;
    this.wake?.();
    await drained;
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const e = this.queue[0]!;
      await this.deliver(e);
      this.queue.shift();
    }
  }

  private async deliver(e: AnomalyEvent): Promise<void> {
    let delay = this.o.retryDelayMs;
    for (let attempt = 1; ; attempt++) {
      const err = await this.post(e);
      if (err === null) return this.outcome('sent');
      const skipped = this.errLog.hit();
      if (skipped >= 0) this.log.warn({ url: this.o.url, attempt, err, skipped }, 'webhook post failed');
      if (attempt >= this.o.maxAttempts) return this.outcome('failed');
      if (this.stopping) return this.outcome('abandoned');
      this.outcome('retry');
      await this.sleep(delay);
      if (this.stopping) return this.outcome('abandoned');
      delay = Math.min(delay * 2, this.o.maxRetryDelayMs);
    }
  }

  private async post(e: AnomalyEvent): Promise<Error | null> {
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(e),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? null : new Error(`HTTP ${res.status}`);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
