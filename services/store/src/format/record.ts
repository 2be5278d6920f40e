/**
 * How one message is stored, in either format, and read back.
 *
 * text:  `TIME SOURCE MESSAGE\n`, TIME as in time.ts, SOURCE the address
 *        text, MESSAGE the raw bytes escaped by escape.ts.
 * jsonl: one JSON object a line: time, source, the parsed syslog fields
 *        and `raw`, the message as a string when it is valid UTF-8, else
 *        `rawBase64`, so that the exact bytes always come back.
 */
import { isUtf8 } from 'node:buffer';
import { escapedMaxBytes, escapeInto, unescape } from './escape.js';
import { parseSyslog } from './syslog.js';
import { TIME_TEXT_LENGTH } from './time.js';

/** The two stored formats. */
export type StoreFormat = 'text' | 'jsonl';

/** File extension of each format. */
export const EXTENSIONS: Record<StoreFormat, string> = { text: '.log', jsonl: '.jsonl' };

/** A message as it comes back from the archive. */
export interface StoredRecord {
  /** Capture time, fixed-width RFC 3339 (compares as a string). */
  time: string;
  source: string;
  /** The exact bytes that were captured. */
  raw: Buffer;
}

/** A growable byte buffer that lines are appended to. */
export class LineBuffer {
  buf: Buffer;
  used = 0;

  constructor(bytes = 16 << 10) {
    this.buf = Buffer.allocUnsafe(bytes);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    let size = Math.max(this.buf.length * 2, 4096);
    while (size < this.used + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }

  /** Appends Latin-1 text (ASCII here); room must be reserved. */
  ascii(s: string): void {
    this.used += this.buf.write(s, this.used, 'latin1');
  }

  byte(c: number): void {
    this.buf[this.used++] = c;
  }
}

/** Appends one text-format line to `out`; returns its length. */
export function encodeText(out: LineBuffer, time: string, source: string, raw: Uint8Array): number {
  const start = out.used;
  out.reserve(time.length + source.length + 3 + escapedMaxBytes(raw));
  out.ascii(time);
  out.byte(0x20);
  out.ascii(source);
  out.byte(0x20);
  out.used = escapeInto(raw, out.buf, out.used);
  out.byte(0x0a);
  return out.used - start;
}

/** The JSON Lines object of a message, as stored and as `search --json` prints it. */
export function jsonRecord(time: string, source: string, raw: Uint8Array): Record<string, unknown> {
  const f = parseSyslog(raw);
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const body = isUtf8(b) ? { raw: b.toString('utf8') } : { rawBase64: b.toString('base64') };
  return { time, source, ...f, ...body };
}

/** Appends one JSON Lines record to `out`; returns its length. */
export function encodeJson(out: LineBuffer, time: string, source: string, raw: Uint8Array): number {
  const line = `${JSON.stringify(jsonRecord(time, source, raw))}\n`;
  const n = Buffer.byteLength(line);
  out.reserve(n);
  out.used += out.buf.write(line, out.used, 'utf8');
  return n;
}

const TIME_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

/** A text-format line (without its newline) read back, or null when it is not one. */
export function decodeText(line: Buffer): StoredRecord | null {
  if (line.length < TIME_TEXT_LENGTH + 3 || line[TIME_TEXT_LENGTH] !== 0x20) return null;
  const time = line.toString('latin1', 0, TIME_TEXT_LENGTH);
  if (!TIME_SHAPE.test(time)) return null;
  const sp = line.indexOf(0x20, TIME_TEXT_LENGTH + 1);
  if (sp < 0) return null;
  const raw = unescape(line.subarray(sp + 1));
  if (raw === null) return null;
  return { time, source: line.toString('latin1', TIME_TEXT_LENGTH + 1, sp), raw };
}

/** A JSON Lines record read back, or null when it is not one. */
export function decodeJson(line: Buffer): StoredRecord | null {
  let o: unknown;
  try {
    o = JSON.parse(line.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const r = o as Record<string, unknown>;
  if (typeof r.time !== 'string' || !TIME_SHAPE.test(r.time) || typeof r.source !== 'string') return null;
  if (typeof r.raw === 'string') return { time: r.time, source: r.source, raw: Buffer.from(r.raw, 'utf8') };
  if (typeof r.rawBase64 === 'string') return { time: r.time, source: r.source, raw: Buffer.from(r.rawBase64, 'base64') };
  return null;
}
