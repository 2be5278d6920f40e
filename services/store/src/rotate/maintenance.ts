/**
 * The archive's upkeep, at start and then every `retention.checkIntervalMs`:
 * files of ended days left active by a stop or a crash are rotated, closed
 * files left uncompressed are queued for gzip, unfinished compressions are
 * removed, and retention deletes by age, then by total size, oldest first.
 * Files the writer holds are never touched.
 */
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Logger } from '@sekiwake/shared';
import type { Clock } from '../clock.js';
import { dayOfMs, dayStartMs } from '../format/time.js';
import { archiveName, dayInPath, type ArchiveName } from '../layout.js';
import { errorCode, type StoreMetrics } from '../metrics.js';
import type { Compressor } from './compress.js';
import type { Writer } from '../write/writer.js';

const DAY_MS = 86_400_000;

/** What the upkeep needs. */
export interface MaintenanceOptions {
  root: string;
  clock: Clock;
  dayCloseDelayMs: number;
  compress: boolean;
  maxAgeDays: number;
  maxTotalBytes: number;
  writer: Writer;
  compressor: Compressor;
  log: Logger;
  metrics: StoreMetrics;
}

/** One file of the archive found on disk. */
export interface FoundFile {
  path: string;
  day: string | null;
  name: ArchiveName;
  bytes: number;
}

/** Every archive file under `root` (a missing root has none). */
export async function listArchive(root: string): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  const walk = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) {
        const name = archiveName(e.name);
        if (name === null) continue;
        const bytes = await stat(path).then((s) => s.size, () => -1);
        if (bytes >= 0) out.push({ path, day: dayInPath(relative(root, path)), name, bytes });
      }
    }
  };
  await walk(root);
  return out;
}

/** Runs one round of upkeep. */
export async function maintain(o: MaintenanceOptions): Promise<void> {
  const now = o.clock.now();
  const files = await listArchive(o.root);
  for (const f of files) {
    if (o.writer.holds(f.path) || o.compressor.has(f.path)) continue;
    if (f.name.partial) {
      await unlink(f.path).catch(() => undefined);
    } else if (f.name.number === 0 && !f.name.gzip && f.day !== null && dayStartMs(f.day) + DAY_MS + o.dayCloseDelayMs <= now) {
      await o.writer.retireOnDisk(f.path);
    } else if (f.name.number > 0 && !f.name.gzip && o.compress) {
      o.compressor.add(f.path);
    }
  }
  await retain(o, files.filter((f) => !f.name.partial), now);
}

async function retain(o: MaintenanceOptions, files: FoundFile[], now: number) {
  const removable = (f: FoundFile) => !o.writer.holds(f.path) && !o.compressor.has(f.path);
  let kept = files;
  if (o.maxAgeDays > 0) {
    const oldest = dayOfMs(now - o.maxAgeDays * DAY_MS);
    const old = files.filter((f) => f.day !== null && f.day < oldest && removable(f));
    for (const f of old) await remove(o, f, 'age');
    kept = files.filter((f) => !old.includes(f));
  }
  if (o.maxTotalBytes > 0) {
    let total = kept.reduce((n, f) => n + f.bytes, 0);
    const byAge = kept.filter(removable).sort(olderFirst);
    for (const f of byAge) {
      if (total <= o.maxTotalBytes) break;
      await remove(o, f, 'size');
      total -= f.bytes;
    }
  }
}

function olderFirst(a: FoundFile, b: FoundFile): number {
  const da = a.day ?? '', db = b.day ?? '';
  if (da !== db) return da < db ? -1 : 1;
  const na = a.name.number === 0 ? Infinity : a.name.number;
  const nb = b.name.number === 0 ? Infinity : b.name.number;
  return na - nb || (a.path < b.path ? -1 : 1);
}

async function remove(o: MaintenanceOptions, f: FoundFile, reason: 'age' | 'size') {
  try {
    await unlink(f.path);
    o.metrics.retentionDeleted.inc({ reason });
    o.log.info({ path: f.path, bytes: f.bytes, reason }, 'retention removed a file');
  } catch (err) {
    o.metrics.diskErrors.inc({ code: errorCode(err) });
    return;
  }
  // The day's directory goes with its last file; a non-empty one stays.
  const dir = f.path.slice(0, f.path.lastIndexOf('/'));
  if (dir !== o.root && dir.startsWith(o.root)) await rmdir(dir).catch(() => undefined);
}
