/** IP address helpers shared by every service (addresses travel as bytes). */
import { isIP } from 'node:net';

/** Text form of a 4- or 16-byte address: dotted IPv4, RFC 5952 IPv6. */
export function formatAddress(addr: Uint8Array): string {
  if (addr.length === 4) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  if (addr.length !== 16) return '';
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((addr[i]! << 8) | addr[i + 1]!);
  return formatIpv6Words(words);
}

// RFC 5952: lower case, no leading zeros, the longest run (first if tied) of
// two or more zero words becomes "::", IPv4-mapped addresses keep the dotted tail.
function formatIpv6Words(words: number[]): string {
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    const a = words[6]!, b = words[7]!;
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
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
