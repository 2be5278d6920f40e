/** Interned IP address bytes, so the hot path rarely allocates for src and dst. */
import { u32 } from './bytes.js';

// Telemetry comes from a few hundred exporters at most, so a small table
// hits almost always. A collision replaces the slot; the evicted array stays
// valid for whoever holds it, since nothing is ever written into it again.
const SLOT_BITS = 10;
const SLOTS = 1 << SLOT_BITS;

/** A direct-mapped cache of 4- and 16-byte addresses (IPv4 / IPv6 header fields). */
export class AddressTable {
  private readonly slots: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS);

  /** The shared, read-only copy of the len bytes at b[off]. */
  get(b: Uint8Array, off: number, len: 4 | 16): Uint8Array {
    const slot = hash(b, off, len);
    const hit = this.slots[slot];
    if (hit !== undefined && hit.length === len && equalAt(hit, b, off)) return hit;
    const copy = b.slice(off, off + len);
    this.slots[slot] = copy;
    return copy;
  }
}

function hash(b: Uint8Array, off: number, len: number): number {
  let h = u32(b, off);
  for (let i = 4; i < len; i += 4) h ^= Math.imul(u32(b, off + i), 0x85ebca6b);
  return Math.imul(h, 0x9e3779b1) >>> (32 - SLOT_BITS);
}

function equalAt(a: Uint8Array, b: Uint8Array, off: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[off + i]) return false;
  return true;
}
