/** Which kind a datagram is, by its destination port. */
import type { CaptureConfig, Kind } from '@sekiwake/shared';

/** A port-indexed table: one lookup per datagram. */
export class PortClassifier {
  private readonly table = new Uint8Array(65536);
  private static readonly KINDS: readonly (Kind | null)[] = [null, 'syslog', 'flow', 'trap'];

  constructor(ports: CaptureConfig['ports']) {
    ports.syslog.forEach((p) => (this.table[p] = 1));
    ports.flow.forEach((p) => (this.table[p] = 2));
    ports.trap.forEach((p) => (this.table[p] = 3));
  }

  /** The kind of a datagram sent to `dstPort`, or null when no kind claims it. */
  kind(dstPort: number): Kind | null {
    return PortClassifier.KINDS[this.table[dstPort]!] ?? null;
  }
}
