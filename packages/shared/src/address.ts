/** IP address helpers shared by every service (addresses travel as bytes). */
import { isIP } from 'node:net';

/** Dotted-quad IPv4 (RFC 791) or RFC 5952 canonical IPv6 text of a 4- or 16-byte address. */
export function formatAddress(addr: Uint8Array): string {
  if (addr.length === 4) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  if (addr.length !== 16) {
    throw new RangeError(`an IP address has 4 or 16 bytes, not ${addr.length}`);
  }
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (addr[2 * i]! << 8) | addr[2 * i + 1]!;
  if (isV4Mapped(groups)) return `::ffff:${formatAddress(addr.subarray(12))}`;
  return compress(groups);
}

// RFC 5952 section 5: IPv4-mapped addresses keep the dotted last 32 bits.
function isV4Mapped(g: number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

// RFC 5952 section 4.2: the longest run of two or more zero groups becomes
// "::", the first one on a tie; a lone zero group stays "0".
function compress(groups: number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16)); // lower case, no leading zeros
  if (bestAt < 0) return hex.join(':');
  const head = hex.slice(0, bestAt).join(':');
  const tail = hex.slice(bestAt + bestLen).join(':');
  return `${head}::${tail}`;
}

/** Bytes of a textual IPv4 or IPv6 address, or null when it is not one. */
export function parseAddress(text: string): Uint8Array | null {
  const family = isIP(text);
  if (family === 4) return Uint8Array.from(text.split('.').map(Number));
  if (family !== 6) return null;
  return parseIpv6(text);
}

function parseIpv6(text: string): Uint8Array {
  let head = text, tail4: number[] = [];
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    head = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1);
    tail4 = dotted[2]!.split('.').map(Number);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const toWords = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const l = toWords(left), r = toWords(right);
  const fill = 8 - tail4.length / 2 - l.length - r.length;
  const words = [...l, ...new Array<number>(right === undefined ? 0 : fill).fill(0), ...r];
  const out = new Uint8Array(16);
  words.forEach((w, i) => { out[i * 2] = w >> 8; out[i * 2 + 1] = w & 255; });
  tail4.forEach((b, i) => { out[12 + i] = b; });
  return out;
}
