/**
 * Reversible escaping of raw message bytes into one line of text: a
 * backslash, every C0 control byte and DEL become escapes (`\\`, `\n`,
 * `\r`, `\t`, `\xHH`), every other byte is kept as it is (UTF-8 stays
 * readable). So a stored line never contains a newline of the message,
 * and `unescape(escape(b))` is `b` for any bytes.
 */

const BACKSLASH = 0x5c;
const HEX = '0123456789abcdef';

/** Bytes the escaped form of `b` can take at most. */
export function escapedMaxBytes(b: Uint8Array): number {
  return b.length * 4;
}

/** True when byte `c` must be escaped. */
function needsEscape(c: number): boolean {
  return c < 0x20 || c === 0x7f || c === BACKSLASH;
}

/**
 * Writes the escaped form of `src` into `dst` at `at` (room for
 * {@link escapedMaxBytes} is the caller's duty) and returns the end offset.
 */
export function escapeInto(src: Uint8Array, dst: Uint8Array, at: number): number {
  let o = at;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (!needsEscape(c)) {
      dst[o++] = c;
      continue;
    }
    dst[o++] = BACKSLASH;
    if (c === BACKSLASH) dst[o++] = BACKSLASH;
    else if (c === 0x0a) dst[o++] = 0x6e; // n
    else if (c === 0x0d) dst[o++] = 0x72; // r
    else if (c === 0x09) dst[o++] = 0x74; // t
    else {
      dst[o++] = 0x78; // x
      dst[o++] = HEX.charCodeAt(c >> 4);
      dst[o++] = HEX.charCodeAt(c & 15);
    }
  }
  return o;
}

/** The escaped form of `src` as a new buffer. */
export function escape(src: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(escapedMaxBytes(src));
  return out.subarray(0, escapeInto(src, out, 0));
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * The original bytes of an escaped field, or null when it is not one that
 * {@link escapeInto} could have written (a stray or unknown escape).
 */
export function unescape(src: Uint8Array): Buffer | null {
  if (src.indexOf(BACKSLASH) < 0) return Buffer.from(src);
  const out = Buffer.allocUnsafe(src.length);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c !== BACKSLASH) {
      out[o++] = c;
      continue;
    }
    const e = src[++i];
    if (e === BACKSLASH) out[o++] = BACKSLASH;
    else if (e === 0x6e) out[o++] = 0x0a;
    else if (e === 0x72) out[o++] = 0x0d;
    else if (e === 0x74) out[o++] = 0x09;
    else if (e === 0x78) {
      const hi = hexValue(src[i + 1]);
      const lo = hexValue(src[i + 2]);
      if (hi < 0 || lo < 0) return null;
      out[o++] = (hi << 4) | lo;
      i += 2;
    } else return null;
  }
  return out.subarray(0, o);
}
