/** Big-endian (network order) field readers; callers check bounds first. */

// A read past the end yields undefined, which the bit operators turn into 0:
// a missed bound check gives a wrong number, never an exception.

/** 16-bit network-order field at i. */
export function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/** 32-bit network-order field at i, unsigned. */
export function u32(b: Uint8Array, i: number): number {
  return b[i]! * 0x1000000 + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

/** 32-bit little-endian field at i, unsigned. */
export function u32le(b: Uint8Array, i: number): number {
  return b[i + 3]! * 0x1000000 + ((b[i + 2]! << 16) | (b[i + 1]! << 8) | b[i]!);
}
