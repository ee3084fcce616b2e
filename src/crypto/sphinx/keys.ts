/**
 * Key derivation and the two symmetric primitives of BOLT #4
 * (`04-onion-routing.md`, "Key Generation" and "Pseudo Random Byte Stream"):
 *
 * - `generate_key(label, secret) = HMAC-SHA256(key = ASCII label, msg = secret)`
 * - the pseudo-random stream: ChaCha20 (RFC 8439) with a 96-bit all-zero
 *   nonce and block counter 0, keyed with a derived key.
 *
 * All primitives come from `node:crypto` (OpenSSL); nothing here is home-made.
 */
import { createCipheriv, createHash, createHmac, timingSafeEqual } from "node:crypto";
import { HASH_SIZE } from "./constants.js";
import { SphinxInputError } from "./errors.js";

/** ChaCha20 in node:crypto takes a 16-byte IV: 32-bit LE counter ‖ 96-bit nonce; all zero here. */
const ZERO_IV = Buffer.alloc(16);

/** HMAC-SHA256 over the concatenation of `parts`. */
export function hmacSha256(key: Uint8Array | string, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** SHA-256 over the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/**
 * XORs `data` with the ChaCha20 key stream of `key` (zero nonce, counter 0),
 * i.e. BOLT #4's `generate_cipher_stream` applied to data. Returns a new buffer.
 */
export function chacha20Xor(key: Uint8Array, data: Uint8Array): Buffer {
  return createCipheriv("chacha20", key, ZERO_IV).update(data);
}

/** `length` bytes of the ChaCha20 key stream of `key` (BOLT #4 `generate_cipher_stream`). */
export function chacha20Stream(key: Uint8Array, length: number): Buffer {
  return chacha20Xor(key, Buffer.alloc(length));
}

/** BOLT #4 `generate_key`: HMAC-SHA256(key = ASCII label, msg = secret). No validation (hot path). */
export function generateKey(label: string, secret: Uint8Array): Buffer {
  return createHmac("sha256", label).update(secret).digest();
}

/**
 * Derives a 32-byte key for one hop from its Sphinx shared secret, for any
 * purpose outside the packet format itself (e.g. a scheme's proof-of-relay
 * keys). Each purpose must use its own label; never reuse one of `LABELS`.
 *
 * @param label printable ASCII label, 1..64 characters, e.g. "obol-por-challenge"
 * @param ss the hop's 32-byte shared secret (from `deriveHopSecrets` or `peelPacket`)
 * @returns HMAC-SHA256(key = label, msg = ss), 32 bytes
 * @example
 * const k = deriveHopKey("obol-por-key", peeled.ss);
 */
export function deriveHopKey(label: string, ss: Uint8Array): Uint8Array {
  if (typeof label !== "string" || !/^[\x21-\x7e]{1,64}$/.test(label))
    throw new SphinxInputError("label", "must be 1..64 printable ASCII characters without spaces");
  checkSecret("ss", ss);
  return generateKey(label, ss);
}

/** Constant-time comparison of two equal-length byte strings. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when every byte is zero (BOLT #4's final-hop marker is an all-zero next HMAC). */
export function isZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

/** Throws unless `value` is a 32-byte Uint8Array. */
export function checkSecret(field: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new SphinxInputError(field, "must be a Uint8Array");
  if (value.length !== HASH_SIZE) throw new SphinxInputError(field, `must be ${HASH_SIZE} bytes, got ${value.length}`);
}
