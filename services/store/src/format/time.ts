/**
 * Capture times as text: RFC 3339 in UTC with nanoseconds, fixed width
 * (`2026-12-03T16:20:00.123456789Z`), so that stored times compare as
 * strings in the same order as in time.
 */

/** Length of a stored time. */
export const TIME_TEXT_LENGTH = 30;

const DAY_S = 86_400;

/** Formats seconds and nanoseconds, caching the text of the last second seen. */
export class TimeFormatter {
  private sec = -1;
  private head = '';

  /** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` for the given instant. */
  format(sec: number, nsec: number): string {
    if (sec !== this.sec) {
      this.sec = sec;
      this.head = new Date(sec * 1000).toISOString().slice(0, 20);
    }
    return `${this.head}${String(nsec).padStart(9, '0')}Z`;
  }
}

/** The UTC day (YYYY-MM-DD) and hour of a time in seconds, cached per day. */
export class DayFormatter {
  private start = 1;
  private text = '';

  /** YYYY-MM-DD of `sec`. */
  day(sec: number): string {
    if (sec < this.start || sec >= this.start + DAY_S) {
      this.start = Math.floor(sec / DAY_S) * DAY_S;
      this.text = new Date(this.start * 1000).toISOString().slice(0, 10);
    }
    return this.text;
  }
}

/** Start of the UTC day `YYYY-MM-DD`, ms since the epoch; NaN when it is not a day. */
export function dayStartMs(day: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return NaN;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? NaN : ms;
}

/** YYYY-MM-DD of a time in ms since the epoch. */
export function dayOfMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const USER_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * A time given on a command line, as the fixed-width stored form, or null
 * when it is not one. Accepts RFC 3339 with or without a fraction or an
 * offset (no offset: UTC), a bare date (its midnight, UTC), or whole
 * seconds since the epoch.
 */
export function parseUserTime(text: string): string | null {
  if (/^\d{1,12}$/.test(text)) return fixed(Number(text), 0);
  const m = USER_TIME.exec(text.trim());
  if (!m) return null;
  const base = Date.parse(`${m[1]}T${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}Z`);
  if (Number.isNaN(base)) return null;
  let offsetS = 0;
  const off = m[6];
  if (off !== undefined && off.toUpperCase() !== 'Z') {
    const digits = off.replace(':', '');
    const sign = digits.startsWith('-') ? -1 : 1;
    offsetS = sign * (Number(digits.slice(1, 3)) * 3600 + Number(digits.slice(3, 5)) * 60);
  }
  const nsec = Number((m[5] ?? '').padEnd(9, '0'));
  return fixed(base / 1000 - offsetS, nsec);
}

function fixed(sec: number, nsec: number): string | null {
  if (!Number.isFinite(sec) || sec < 0 || sec > 253402300799) return null;
  return new TimeFormatter().format(sec, nsec);
}
