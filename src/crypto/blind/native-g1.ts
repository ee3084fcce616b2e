/**
 * G1 decompression by blst (supranational, audited by NCC Group in 2021)
 * through `@chainsafe/blst`'s N-API prebuild, for the relay's batch check in
 * Node (the page keeps mcl's own decompression: a browser loads no native
 * addon). Same computation as mcl's `deserialize` with `verifyOrderG1(false)`:
 * ZCash/IETF flags, x < p, the square root for y, no subgroup check (the
 * caller checks each sum it uses). Measured ≈ 25 µs against mcl-wasm's ≈ 94
 * µs per σ (docs/tickets.md §13, `tickets.verify.per_cpu_s_blst_decompress`).
 *
 * `@chainsafe/blst` names G1 points `PublicKey` (it is min-pk); its
 * `fromBytes(bytes, false)` is blst's `blst_p1_uncompress` without
 * `key_validate`, so a point at infinity decodes (to the 0x40 flag) and is
 * refused here, as mcl's path does.
 */
import { createRequire } from "node:module";
import type { G1Decompressor } from "./hash-to-g1.js";

/** The part of `@chainsafe/blst` used here. */
type Blst = {
  PublicKey: { fromBytes(bytes: Uint8Array, validate?: boolean): { toBytes(compress?: boolean): Uint8Array } };
};

const G1_COMPRESSED = 48;
const INFINITY_FLAG = 0x40;

let blst: Blst | undefined;

/**
 * Decompresses σ with blst: the affine point as ZCash uncompressed bytes
 * (x ‖ y, 96, big-endian), or why it did not decode.
 *
 * @example
 * const affine = blstG1Decompressor(signature); // Uint8Array(96) | "length" | "encoding" | "infinity"
 */
export const blstG1Decompressor: G1Decompressor = (compressed) => {
  if (compressed.length !== G1_COMPRESSED) return "length";
  blst ??= createRequire(import.meta.url)("@chainsafe/blst") as Blst;
  let affine: Uint8Array;
  try {
    affine = blst.PublicKey.fromBytes(compressed, false).toBytes(false);
  } catch {
    return "encoding"; // blst: BAD_ENCODING (flags, x ≥ p) or POINT_NOT_ON_CURVE (no square root)
  }
  return (affine[0]! & INFINITY_FLAG) !== 0 ? "infinity" : affine;
};

/**
 * blst's decompressor when its prebuild loads on this platform, otherwise
 * undefined: the caller then keeps mcl's decompression (same results, ≈ 70 µs
 * more per σ) instead of failing every check on a host without the prebuild.
 */
export function relayG1Decompressor(): G1Decompressor | undefined {
  try {
    blst ??= createRequire(import.meta.url)("@chainsafe/blst") as Blst;
    return blstG1Decompressor;
  } catch {
    return undefined;
  }
}
