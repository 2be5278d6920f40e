/**
 * A notification: a storm or a silence starting or ending in one scope.
 * The same object is posted to the webhook, published on the bus and
 * summarised in the syslog message and the log line.
 */
import type { Transition } from '../detect/series.js';

/** A storm's or silence's start or end, as every channel sends it. */
export interface AnomalyEvent {
  event: 'start' | 'end';
  anomaly: 'storm' | 'silence';
  kind: string;
  scope: string;
  /** The bin that started or ended the episode (RFC 3339, UTC). */
  bin: string;
  binSeconds: number;
  count: number;
  /** The band that bin was judged against (rounded to 0.01). */
  mean: number | null;
  upper: number | null;
  lower: number | null;
  /** First bin of the episode, and how many bins it lasted (an end counts up to, not including, its bin). */
  since: string;
  bins: number;
  /** Highest count of a storm, lowest of a silence. */
  peak: number;
  /** One line for people: what Slack shows. */
  text: string;
}

/** The event of a series transition in one scope of one kind. */
export function toEvent(kind: string, scope: string, binSeconds: number, t: Transition): AnomalyEvent {
  const b = t.bin.band;
  const e: Omit<AnomalyEvent, 'text'> = {
    event: t.event,
    anomaly: t.episode.anomaly,
    kind,
    scope,
    bin: iso(t.bin.start),
    binSeconds,
    count: t.bin.count,
    mean: b && round(b.mean),
    upper: b && round(b.upper),
    lower: b && round(b.lower),
    since: iso(t.episode.since),
    bins: t.episode.bins,
    peak: t.episode.peak,
  };
  return { ...e, text: describe(e) };
}

function describe(e: Omit<AnomalyEvent, 'text'>): string {
  const what = `${e.kind} ${e.anomaly} ${e.event === 'start' ? 'started' : 'ended'} (${e.scope})`;
  const band = e.lower === null ? '' : `, band ${e.lower}..${e.upper}`;
  if (e.event === 'start') return `${what}: ${e.count} messages in the ${e.binSeconds} s bin at ${e.bin}${band}`;
  return `${what}: back to ${e.count} messages at ${e.bin}${band}; it lasted ${e.bins} bins from ${e.since}, ${e.anomaly === 'storm' ? 'peak' : 'lowest'} ${e.peak}`;
}

/** RFC 3339 (UTC, whole seconds) of epoch seconds. */
export function iso(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
