/**
 * Message times from files, for the offline detector: a text file of one
 * RFC 3339 timestamp per line, the store's plain-text archive (the first
 * field of each line is an RFC 3339 time), or a classic pcap file (each
 * packet one message, at its capture time). Lines that are not what the
 * format says are skipped and counted, never fatal.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SekiwakeError } from '@sekiwake/shared';

/** The formats `--format` names. */
export const INPUT_FORMATS = ['auto', 'timestamps', 'store', 'pcap'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** What a read found besides the times. */
export interface ReadReport {
  format: Exclude<InputFormat, 'auto'>;
  messages: number;
  skipped: number;
  /** Line (or packet) number of the first thing skipped, from 1. */
  firstSkipped: number | null;
}

// RFC 3339 section 5.6 date-time; "T" may be a space (section 5.6, NOTE).
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const PCAP_MAGIC = new Set([0xa1b2c3d4, 0xa1b23c4d]);
const PCAP_MAGIC_SWAPPED = new Set([0xd4c3b2a1, 0x4d3cb2a1]);
const PCAPNG_MAGIC = 0x0a0d0d0a;

/** Whole seconds since the epoch of an RFC 3339 date-time, or null. */
export function parseRfc3339(s: string): number | null {
  const m = RFC3339.exec(s);
  if (m === null) return null;
  // The fraction cannot change the whole second; Date.parse is left the rest.
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4]!.toUpperCase()}`);
  return Number.isNaN(ms) ? null : ms / 1000;
}

/** Calls `onTime` with each message's time (epoch seconds) in `file`. */
export async function readTimes(file: string, format: InputFormat, onTime: (sec: number) => void): Promise<ReadReport> {
  const f = format === 'auto' ? await sniff(file) : format;
  if (f === 'pcap') return readPcap(file, onTime);
  return readLines(file, f, onTime);
}

async function readLines(file: string, format: 'timestamps' | 'store', onTime: (sec: number) => void): Promise<ReadReport> {
  const r: ReadReport = { format, messages: 0, skipped: 0, firstSkipped: null };
  await (await openFile(file)).close();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = format === 'timestamps' ? raw.trim() : raw;
    if (format === 'timestamps' && (line === '' || line.startsWith('#'))) continue;
    if (format === 'store' && line === '') continue;
    const sec = parseRfc3339(format === 'timestamps' ? line : firstField(line));
    if (sec === null) {
      r.skipped++;
      r.firstSkipped ??= n;
      continue;
    }
    r.messages++;
    onTime(sec);
  }
  return r;
}

function firstField(line: string): string {
  const end = line.search(/[ \t]/);
  return end < 0 ? line : line.slice(0, end);
}

// Classic pcap (not pcapng): a 24-byte file header, then per packet a
// 16-byte header whose first word is the capture time in seconds.
// Shortcoming: every packet counts, whatever its protocol or port; filter
// the file first (tcpdump -r IN -w OUT 'udp port 514').
async function readPcap(file: string, onTime: (sec: number) => void): Promise<ReadReport> {
  const r: ReadReport = { format: 'pcap', messages: 0, skipped: 0, firstSkipped: null };
  const fh = await openFile(file);
  try {
    const head = Buffer.alloc(24);
    const { bytesRead } = await fh.read(head, 0, 24, 0);
    const le = pcapEndianness(head, bytesRead, file);
    const rec = Buffer.alloc(16);
    for (let at = 24; ; ) {
      const got = (await fh.read(rec, 0, 16, at)).bytesRead;
      if (got < 16) {
        if (got > 0) r.skipped++;
        break;
      }
      const caplen = le ? rec.readUInt32LE(8) : rec.readUInt32BE(8);
      onTime(le ? rec.readUInt32LE(0) : rec.readUInt32BE(0));
      r.messages++;
      at += 16 + caplen;
    }
  } finally {
    await fh.close();
  }
  return r;
}

function pcapEndianness(head: Buffer, bytes: number, file: string): boolean {
  const magic = bytes >= 4 ? head.readUInt32LE(0) : 0;
  if (PCAP_MAGIC.has(magic)) return true;
  if (PCAP_MAGIC_SWAPPED.has(magic)) return false;
  if (magic === PCAPNG_MAGIC) {
    throw inputError(`${file} is pcapng; only classic pcap is read (convert it: tcpdump -r IN -w OUT.pcap)`, file);
  }
  throw inputError(`${file} is not a pcap file`, file);
}

// The format of a file: pcap by its magic number, text by its first line.
async function sniff(file: string): Promise<'timestamps' | 'store' | 'pcap'> {
  const fh = await openFile(file);
  let text: string;
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const magic = bytesRead >= 4 ? buf.readUInt32LE(0) : 0;
    if (PCAP_MAGIC.has(magic) || PCAP_MAGIC_SWAPPED.has(magic) || magic === PCAPNG_MAGIC) return 'pcap';
    text = buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
  const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (first !== undefined && parseRfc3339(first) !== null) return 'timestamps';
  if (first !== undefined && parseRfc3339(firstField(first)) !== null) return 'store';
  throw inputError(`cannot tell the format of ${file}: its first line does not start with an RFC 3339 time; name it with --format`, file);
}

async function openFile(file: string) {
  try {
    return await open(file, 'r');
  } catch (err) {
    throw inputError(`cannot read ${file}: ${(err as Error).message}`, file, err);
  }
}

function inputError(message: string, file: string, cause?: unknown): SekiwakeError {
  return new SekiwakeError('E_USAGE', message, { file }, { cause });
}
