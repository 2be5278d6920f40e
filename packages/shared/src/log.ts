/**
 * Structured JSON logs with pino. One root logger per process, one child per
 * component; the context object comes first, the message is a fixed string.
 * Levels: info for lifecycle, warn for degraded states, error when an
 * operator must act, debug for per-packet detail.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Log levels a configuration may name. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The root logger of a service process, writing JSON lines to stdout. */
export function createLogger(service: string, level: LogLevel = 'info'): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/**
 * Mutes a repeated event: `hit()` returns true for the first occurrence and
 * then at most once per `intervalMs`, with the number of occurrences skipped
 * since the last one that was let through.
 */
export class LogThrottle {
  private last = -Infinity;
  private skipped = 0;

  constructor(private readonly intervalMs: number) {}

  /** Returns the count skipped before this one, or -1 when this one is muted. */
  hit(now = Date.now()): number {
    if (now - this.last < this.intervalMs) {
      this.skipped++;
      return -1;
    }
    const skipped = this.skipped;
    this.last = now;
    this.skipped = 0;
    return skipped;
  }
}
