/**
 * The store's sense of "now": when a day is over and its files can be
 * closed, and how old a file is for retention. It is injected so that a
 * test can cross midnight without waiting; a message's own capture time,
 * never the clock, decides which day's file it goes to.
 */

/** A source of the current time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The system's wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told, for tests. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}

  now(): number {
    return this.ms;
  }

  /** Sets the time, ms since the epoch. */
  set(ms: number): void {
    this.ms = ms;
  }

  /** Moves the time forward by `ms`. */
  advance(ms: number): void {
    this.ms += ms;
  }
}
