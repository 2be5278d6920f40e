/** The store's configuration: the syslog archive on disk. */
import { z } from 'zod';
import { int, metricsListen } from '../fields.js';

const DAY_MS = 86_400_000;

/**
 * Where each message goes, relative to `directory`. Tokens: {date} (the
 * UTC day of the capture time, YYYY-MM-DD), {hour} (00..23, UTC) and
 * {source} (the source address). The extension follows the format.
 */
const layout = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => s.includes('{date}'), { message: 'must contain {date}: files rotate by day' })
  .refine((s) => !s.startsWith('/') && !s.split('/').includes('..'), {
    message: 'must be a relative path that stays inside the directory',
  })
  .refine((s) => s.replace(/\{(date|hour|source)\}/g, '').search(/[{}]/) < 0, {
    message: 'knows only the tokens {date}, {hour} and {source}',
  });

export const storeSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Root directory of the archive. */
    directory: z.string().min(1).default('./data/store'),
    layout: layout.default('{date}/{source}'),
    /**
     * `text`: one line per message, capture time, source, escaped raw bytes.
     * `jsonl`: JSON Lines with the RFC 3164 / RFC 5424 fields and the raw message.
     */
    format: z.enum(['text', 'jsonl']).default('text'),
    /** Longest a received message waits in memory before it is written. */
    flushIntervalMs: int(1, 10_000).default(200),
    /** A file's pending bytes that trigger a write before the interval ends. */
    flushBytes: int(4096, 64 << 20).default(1 << 20),
    /** Longest written data waits for fdatasync(2). */
    fsyncIntervalMs: int(10, 600_000).default(1000),
    /** A file this large is closed and a new one started. */
    maxFileBytes: int(4096, 2 ** 40).default(256 << 20),
    /** Files kept open at once; the least recently written is closed first. */
    maxOpenFiles: int(4, 100_000).default(512),
    /** How long after midnight (UTC) a day's files stay open for late messages. */
    dayCloseDelayMs: int(0, DAY_MS).default(300_000),
    /** gzip files once they are closed by rotation. */
    compress: z.boolean().default(true),
    /** Bytes waiting in memory while the disk refuses writes; past it new messages are dropped. */
    maxBacklogBytes: int(1 << 16, 2 ** 32).default(64 << 20),
    /** How often a refused write is tried again. */
    retryIntervalMs: int(10, 60_000).default(1000),
    retention: z
      .object({
        /** Days (UTC, by the day in the path) kept; 0 keeps every day. */
        maxAgeDays: int(0, 100_000).default(0),
        /** Bytes the archive may take; the oldest closed files go first. 0: no limit. */
        maxTotalBytes: int(0, 2 ** 50).default(0),
        /** How often retention is applied. */
        checkIntervalMs: int(1000, DAY_MS).default(60_000),
      })
      .strict()
      .prefault({}),
    metrics: metricsListen(9465),
  })
  .strict()
  .prefault({});

/** A validated store configuration. */
export type StoreConfig = z.infer<typeof storeSchema>;
