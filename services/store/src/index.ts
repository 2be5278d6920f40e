/**
 * The store: every syslog message on the bus archived on disk with its
 * capture time and source address, one directory per UTC day and one
 * file per source by default, rotated by day and size, gzipped when
 * closed, pruned by age and size. The stages, in order: subscribe/,
 * format/, write/, rotate/; read/ is for `sekiwake search` and `replay`.
 */
import type { RunningService, ServiceContext } from '@sekiwake/shared';
import { resolve } from 'node:path';
import { systemClock, type Clock } from './clock.js';
import { Layout } from './layout.js';
import { storeMetrics } from './metrics.js';
import { Compressor } from './rotate/compress.js';
import { maintain } from './rotate/maintenance.js';
import { StoreSubscriber } from './subscribe/subscriber.js';
import { Writer } from './write/writer.js';

export { ManualClock, systemClock, type Clock } from './clock.js';
export { Writer, STOP_DRAIN_MS, type WriterOptions } from './write/writer.js';
export { Compressor, compressFile } from './rotate/compress.js';
export { maintain, listArchive } from './rotate/maintenance.js';
export { Layout, archiveName, dayInPath } from './layout.js';
export { storeMetrics, type StoreMetrics } from './metrics.js';
export * from './format/escape.js';
export * from './format/record.js';
export * from './format/syslog.js';
export * from './format/time.js';
export * from './read/query.js';

/** What a test may change about the store. */
export interface StoreOptions {
  clock?: Clock;
}

/** Starts the store service. */
export async function start(ctx: ServiceContext, opts: StoreOptions = {}): Promise<RunningService> {
  const cfg = ctx.config.services.store;
  const clock = opts.clock ?? systemClock;
  const log = ctx.log.child({ component: 'store' });
  const metrics = storeMetrics(ctx.metrics);
  const root = resolve(cfg.directory);
  // Shortcoming: the store does not split work among replicas; run one.
  if (ctx.replica > 0) log.warn({ replica: ctx.replica }, 'store replicas each archive every message: files are shared and lines repeat');
  const compressor = new Compressor(log, metrics);
  const writer = new Writer({
    ...cfg,
    layout: new Layout(root, cfg.layout, cfg.format),
    clock,
    log,
    metrics,
    onRotated: (path) => cfg.compress && compressor.add(path),
  });
  const upkeep = () => maintain({
    root, clock, writer, compressor, log, metrics,
    dayCloseDelayMs: cfg.dayCloseDelayMs,
    compress: cfg.compress,
    maxAgeDays: cfg.retention.maxAgeDays,
    maxTotalBytes: cfg.retention.maxTotalBytes,
  }).catch((err: unknown) => log.error({ err }, 'archive upkeep failed'));
  writer.start();
  const subscriber = new StoreSubscriber(ctx.config, log, metrics, (d) => writer.append(d));
  subscriber.start();
  void upkeep();
  const timer = setInterval(() => void upkeep(), cfg.retention.checkIntervalMs);
  log.info({ directory: root, format: cfg.format, layout: cfg.layout }, 'store writing');
  return {
    health: () => (writer.blocked === null ? { ok: true } : { ok: false, reason: `archive writes fail: ${writer.blocked}` }),
    async stop() {
      clearInterval(timer);
      log.info({ backlogMessages: writer.backlogMessages }, 'store draining');
      await subscriber.drainAndClose();
      await writer.stop();
      await compressor.stop();
    },
  };
}
