/**
 * Seeded uniform numbers for simulations (`--seed`): the ChaCha20 keystream
 * (node:crypto) under key SHA-256("obol-sim" ‖ seed), zero nonce, read 8
 * bytes at a time. Only workload timing and choices use it; keys, session
 * keys and routes always come from the CSPRNG.
 */
import { createCipheriv, createHash } from "node:crypto";
import type { RandomFloat } from "../client/loopix.js";

const BLOCK = 4096;

/**
 * A deterministic uniform source in [0, 1).
 *
 * @param seed any string or number; the same seed gives the same sequence.
 * @example
 * const random = seededRandom(42);
 * random(); // 0.53…
 */
export function seededRandom(seed: string | number): RandomFloat {
  const key = createHash("sha256").update("obol-sim").update(String(seed)).digest();
  const cipher = createCipheriv("chacha20", key, Buffer.alloc(16));
  let buffer = cipher.update(Buffer.alloc(BLOCK));
  let offset = 0;
  return () => {
    if (offset + 8 > buffer.length) {
      buffer = cipher.update(Buffer.alloc(BLOCK));
      offset = 0;
    }
    const value = Number(buffer.readBigUInt64BE(offset) >> 11n) / 2 ** 53;
    offset += 8;
    return value;
  };
}
