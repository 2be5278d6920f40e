/**
 * The few file operations the writer needs, on raw descriptors: positioned
 * writes (the writer owns each file's end, so a write cut short by a full
 * disk can be finished later at the right offset), fdatasync, and the
 * repair of a last line left unfinished by a crash.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

function write(fd: number, b: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.write(fd, b, off, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  });
}
const read = promisify(fs.read);
export const fdatasync = promisify(fs.fdatasync);
export const fsync = promisify(fs.fsync);
export const close = promisify(fs.close);
const open = promisify(fs.open);
const fstat = promisify(fs.fstat);
const ftruncate = promisify(fs.ftruncate);

/** The longest stored line: a 64 KiB datagram, escaped at 4 bytes a byte, and its prefix. */
export const MAX_LINE_BYTES = 4 * 65535 + 256;

/** Writes `len` bytes at `pos`; resolves with the bytes written, rejects with `written` set. */
export async function writeAt(fd: number, b: Buffer, len: number, pos: number): Promise<void> {
  let done = 0;
  try {
    while (done < len) done += await write(fd, b, done, len - done, pos + done);
  } catch (err) {
    throw Object.assign(err as Error, { written: done });
  }
}

/** Bytes a failed {@link writeAt} did write. */
export function writtenBefore(err: unknown): number {
  return (err as { written?: number }).written ?? 0;
}

/** An open file ready for appending at `size`, and what opening it found. */
export interface Opened {
  fd: number;
  size: number;
  /** Bytes of an unfinished last line that were cut. */
  cut: number;
  /** The directory entries created (directories, the file itself). */
  created: string[];
}

/** Opens (creating it and its directories) `path` for appending, after repairing its tail. */
export async function openForAppend(path: string): Promise<Opened> {
  const created: string[] = [];
  const dir = dirname(path);
  if (!fs.existsSync(dir)) {
    const first = await fs.promises.mkdir(dir, { recursive: true });
    if (first !== undefined) created.push(dirname(first));
    created.push(dir);
  }
  const existed = fs.existsSync(path);
  const fd = await open(path, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
  if (!existed) created.push(dir);
  try {
    const { size, cut } = await repairTail(fd, path);
    return { fd, size, cut, created };
  } catch (err) {
    await close(fd).catch(() => undefined);
    throw err;
  }
}

/**
 * Cuts an unfinished last line (bytes after the last newline) from the
 * open file `fd`, which must be writable. A line is never longer than
 * {@link MAX_LINE_BYTES}, so only that much of the end is read.
 */
export async function repairTail(fd: number, path: string): Promise<{ size: number; cut: number }> {
  const { size } = await fstat(fd);
  if (size === 0) return { size, cut: 0 };
  const span = Math.min(size, MAX_LINE_BYTES + 1);
  const buf = Buffer.allocUnsafe(span);
  const rfd = await open(path, 'r');
  try {
    await read(rfd, buf, 0, span, size - span);
  } finally {
    await close(rfd);
  }
  if (buf[span - 1] === 0x0a) return { size, cut: 0 };
  const nl = buf.lastIndexOf(0x0a);
  const keep = nl < 0 ? size - span : size - span + nl + 1;
  await ftruncate(fd, keep);
  await fdatasync(fd);
  return { size: keep, cut: size - keep };
}

/** fsync(2) of a directory, so that entries created in it survive a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fsync(fd);
  } finally {
    await close(fd);
  }
}

/** Cuts an unfinished last line from a closed file; resolves with the bytes cut. */
export async function repairFile(path: string): Promise<number> {
  const fd = await open(path, fs.constants.O_WRONLY);
  try {
    return (await repairTail(fd, path)).cut;
  } finally {
    await close(fd);
  }
}
