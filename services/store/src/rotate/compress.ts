/**
 * gzip of closed files, one at a time, off the event loop: node:zlib
 * streams run in libuv's thread pool. The compressed file is written under
 * a `.tmp` name, synced and renamed, and only then is the original
 * removed, so a crash at any point leaves one complete copy.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { LogThrottle, type Logger } from '@sekiwake/shared';
import { errorCode, type StoreMetrics } from '../metrics.js';
import { syncDir } from '../write/fs.js';

/** Files waiting for compression before new ones are left for the next sweep. */
const MAX_QUEUED = 100_000;

/** A queue of files to compress. */
export class Compressor {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly errorLog = new LogThrottle(30_000);

  constructor(
    private readonly log: Logger,
    private readonly metrics: StoreMetrics,
    private readonly level = 6,
  ) {}

  /** Queues `path` (a closed, uncompressed file); the sweep finds it again if the queue is full. */
  add(path: string): void {
    if (this.stopped || this.queued.has(path) || this.queue.length >= MAX_QUEUED) return;
    this.queue.push(path);
    this.queued.add(path);
    this.running ??= this.work();
  }

  /** True when `path` waits or is being compressed. */
  has(path: string): boolean {
    return this.queued.has(path);
  }

  private async work(): Promise<void> {
    for (let path = this.queue.shift(); path !== undefined && !this.stopped; path = this.queue.shift()) {
      try {
        await compressFile(path, this.level);
        this.metrics.compressed.inc();
      } catch (err) {
        this.metrics.diskErrors.inc({ code: errorCode(err) });
        const skipped = this.errorLog.hit();
        if (skipped >= 0) this.log.error({ path, code: errorCode(err), skipped, err }, 'compression failed: the file stays uncompressed');
      }
      this.queued.delete(path);
    }
    this.running = null;
  }

  /** Finishes the file being compressed and leaves the rest for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Resolves when the queue is empty (for tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}

/** gzips `path` to `path.gz` durably and removes `path`. */
export async function compressFile(path: string, level = 6): Promise<void> {
  const tmp = `${path}.gz.tmp`;
  try {
    await pipeline(createReadStream(path), createGzip({ level }), createWriteStream(tmp, { flags: 'w' }));
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, `${path}.gz`);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dirname(path));
  await unlink(path);
}
