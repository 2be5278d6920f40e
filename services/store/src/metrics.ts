/** The store's metrics, one set per service instance. */
import type { Counter, Gauge, Histogram, Metrics } from '@sekiwake/shared';

/** Counters and gauges of the store. */
export interface StoreMetrics {
  received: Counter<string>;
  written: Counter<string>;
  bytes: Counter<string>;
  fsyncs: Counter<string>;
  rotations: Counter<'reason'>;
  compressed: Counter<string>;
  retentionDeleted: Counter<'reason'>;
  diskErrors: Counter<'code'>;
  dropped: Counter<'reason'>;
  repaired: Counter<string>;
  filesOpen: Gauge<string>;
  backlogBytes: Gauge<string>;
  backlogMessages: Gauge<string>;
  diskBlocked: Gauge<string>;
  writeLag: Histogram<string>;
}

/** Creates the store's metrics in `m`. */
export function storeMetrics(m: Metrics): StoreMetrics {
  return {
    received: m.counter({ name: 'store_received_total', help: 'Messages received from the bus' }),
    written: m.counter({ name: 'store_messages_written_total', help: 'Messages written to archive files' }),
    bytes: m.counter({ name: 'store_bytes_written_total', help: 'Bytes written to archive files' }),
    fsyncs: m.counter({ name: 'store_fsyncs_total', help: 'fdatasync calls on archive files' }),
    rotations: m.counter({ name: 'store_rotations_total', help: 'Files closed and numbered, by reason', labelNames: ['reason'] }),
    compressed: m.counter({ name: 'store_files_compressed_total', help: 'Closed files compressed with gzip' }),
    retentionDeleted: m.counter({ name: 'store_retention_deleted_total', help: 'Files deleted by retention, by reason', labelNames: ['reason'] }),
    diskErrors: m.counter({ name: 'store_disk_errors_total', help: 'Failed file operations, by errno code', labelNames: ['code'] }),
    dropped: m.counter({ name: 'dropped_total', help: 'Messages not archived, by reason', labelNames: ['reason'] }),
    repaired: m.counter({ name: 'store_torn_bytes_removed_total', help: 'Bytes of unfinished last lines cut from files found after a crash' }),
    filesOpen: m.gauge({ name: 'store_files_open', help: 'Archive files open for writing' }),
    backlogBytes: m.gauge({ name: 'store_backlog_bytes', help: 'Bytes received and not yet written' }),
    backlogMessages: m.gauge({ name: 'store_backlog_messages', help: 'Messages received and not yet written' }),
    diskBlocked: m.gauge({ name: 'store_disk_blocked', help: '1 while the disk refuses writes (messages held in memory)' }),
    writeLag: m.histogram({
      name: 'store_write_lag_seconds',
      help: 'Capture time to write(2), of the oldest message in each write',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    }),
  };
}

/** Errno codes reported by label; any other is reported as `other`. */
const KNOWN_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EFBIG']);

/** A bounded label value for an error's code. */
export function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && KNOWN_CODES.has(code) ? code : 'other';
}
