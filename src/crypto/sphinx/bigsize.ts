/**
 * BOLT #1 `bigsize` (Lightning `01-messaging.md`, "Appendix A: BigSize"):
 * the length prefix of every BOLT #4 hop payload. Big-endian, minimally
 * encoded: < 0xfd → 1 byte; ≤ 0xffff → 0xfd ‖ u16; ≤ 0xffffffff → 0xfe ‖ u32;
 * else 0xff ‖ u64. Hop payloads never exceed the routing info, so lengths
 * above 2^32 − 1 are rejected as out of range.
 */

/** Bytes of the minimal bigsize encoding of `value`. */
export function bigsizeLength(value: number): number {
  return value < 0xfd ? 1 : value <= 0xffff ? 3 : 5;
}

/** Writes the minimal bigsize encoding of `value` at `offset`; returns bytes written. */
export function writeBigsize(out: Uint8Array, offset: number, value: number): number {
  if (value < 0xfd) {
    out[offset] = value;
    return 1;
  }
  if (value <= 0xffff) {
    out[offset] = 0xfd;
    out[offset + 1] = value >>> 8;
    out[offset + 2] = value & 0xff;
    return 3;
  }
  out[offset] = 0xfe;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(offset + 1, value);
  return 5;
}

/**
 * Reads a bigsize at `offset`. Returns `{ value, size }`, or `null` when the
 * bytes run out, the encoding is not minimal, or the value exceeds 2^32 − 1.
 */
export function readBigsize(bytes: Uint8Array, offset: number): { value: number; size: number } | null {
  const first = bytes[offset];
  if (first === undefined) return null;
  if (first < 0xfd) return { value: first, size: 1 };
  if (first === 0xfd) {
    if (offset + 3 > bytes.length) return null;
    const value = (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
    return value < 0xfd ? null : { value, size: 3 };
  }
  if (first === 0xfe) {
    if (offset + 5 > bytes.length) return null;
    const value = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset + 1);
    return value <= 0xffff ? null : { value, size: 5 };
  }
  return null; // 0xff: a 64-bit length can never fit in a routing info
}
