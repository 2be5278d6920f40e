/**
 * Export loss upstream, from the exporter's own sequence numbers. Each
 * protocol says what its number counts (see SequenceUnit); all of them
 * are unsigned 32-bit and wrap, so distances are taken modulo 2^32.
 *
 * A number behind the expected one is a datagram that arrived late
 * (reordered), unless it is far behind or the exporter's uptime went
 * back: then the exporter restarted and the stream starts again, with no
 * loss counted for the jump. A jump forward larger than the protocol could
 * plausibly lose between two datagrams is treated the same way.
 */

const TWO_32 = 0x1_0000_0000;
/** Datagrams (v9, sFlow) a reordered datagram may lag behind and still count as late. */
export const LATE_WINDOW_DATAGRAMS = 64;
/** Records (v5, IPFIX) a reordered datagram may lag behind and still count as late. */
export const LATE_WINDOW_RECORDS = 64 * 64;
/** A forward jump larger than this (in the unit) is a restart, not loss. */
export const MAX_GAP = 1 << 24;
/** An uptime this much lower than the last one (ms) is a restart. */
export const UPTIME_SLACK_MS = 1000;
/** Late datagrams in a row after which the stream is taken as restarted. */
export const MAX_LATE_IN_ROW = 3;

/** What one sequence number told. */
export type SequenceEvent = 'first' | 'ok' | 'gap' | 'late' | 'restart' | 'unknown';

/** The sequence state of one exporter stream. */
export class SequenceState {
  /** The number the next datagram should carry; null when not known. */
  private next: number | null = null;
  private uptimeMs: number | null = null;
  private lateInRow = 0;
  private seen = false;
  /** What the last `observe` missed, in the stream's unit. */
  missed = 0;

  constructor(private readonly lateWindow: number) {}

  /**
   * Records one datagram: its sequence number, how far it moves the
   * sequence (null: unknown, the next datagram resynchronises), and the
   * exporter's uptime when the protocol has one.
   */
  observe(seq: number, span: number | null, uptimeMs: number | null): SequenceEvent {
    this.missed = 0;
    const event = this.classify(seq, span, uptimeMs);
    if (uptimeMs !== null) this.uptimeMs = uptimeMs;
    if (event === 'late') return event;
    this.lateInRow = 0;
    this.next = span === null ? null : (seq + span) % TWO_32;
    return event;
  }

  /** The number the next datagram should carry, when known. */
  get expected(): number | null {
    return this.next;
  }

  private classify(seq: number, span: number | null, uptimeMs: number | null): SequenceEvent {
    const restarted = uptimeMs !== null && this.uptimeMs !== null && uptimeMs + UPTIME_SLACK_MS < this.uptimeMs;
    if (!this.seen) {
      this.seen = true;
      return 'first';
    }
    if (this.next === null) return restarted ? 'restart' : 'unknown';
    if (restarted) return 'restart';
    const ahead = (seq - this.next + TWO_32) % TWO_32;
    if (ahead === 0) return 'ok';
    if (ahead < MAX_GAP) {
      this.missed = ahead;
      return 'gap';
    }
    const behind = TWO_32 - ahead;
    if (behind <= this.lateWindow && ++this.lateInRow < MAX_LATE_IN_ROW && (span ?? 0) <= behind) return 'late';
    return 'restart';
  }
}
