/**
 * The state file: each series' window of past bins, saved so that a
 * restart does not forget the baseline. Written to a temporary file and
 * renamed over the old one, so a crash mid-write leaves the previous state.
 *
 * Bins missed while the service was down are skipped, not taken as zeros:
 * nothing was counting, and zeros would fake a silence into the baseline.
 * A history older than one window is of no use and is dropped.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SeriesState } from './detect/series.js';

/** Format version of the state file. */
export const STATE_VERSION = 1;

/** What is saved for one kind. */
export interface KindState {
  /** Start of the last bin closed, epoch seconds. */
  lastBin: number;
  sources: Array<[number | string, number]>;
  series: Record<string, SeriesState>;
}

/** The whole state file. */
export interface SavedState {
  version: number;
  binSeconds: number;
  windowBins: number;
  kinds: Record<string, KindState>;
}

/** Writes `s` atomically (temporary file, then rename). */
export async function saveState(file: string, s: SavedState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(s));
  await rename(tmp, file);
}

/** Why a state file was not used. */
export type StateRejection = 'missing' | 'unreadable' | 'incompatible';

/** Reads a state file; a file that is absent, unreadable or for other bins is not used. */
export async function loadState(file: string, binSeconds: number): Promise<SavedState | StateRejection> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  let s: SavedState;
  try {
    s = JSON.parse(text) as SavedState;
  } catch {
    return 'unreadable';
  }
  if (typeof s !== 'object' || s === null || s.version !== STATE_VERSION || typeof s.kinds !== 'object') return 'unreadable';
  return s.binSeconds === binSeconds ? s : 'incompatible';
}

/** Bins missed between the last one saved and `firstBin`, the first one to be counted now. */
export function missedBins(k: KindState, firstBin: number, binSeconds: number): number {
  return Math.max(0, Math.round((firstBin - k.lastBin) / binSeconds) - 1);
}
