/**
 * Key derivation and the two symmetric primitives of BOLT #4
 * (`04-onion-routing.md`, "Key Generation" and "Pseudo Random Byte Stream"):
 *
 * - `generate_key(label, secret) = HMAC-SHA256(key = ASCII label, msg = secret)`
 * - the pseudo-random stream: ChaCha20 (RFC 8439) with a 96-bit all-zero
 *   nonce and block counter 0, keyed with a derived key.
 *
 * The primitives come from the platform port `#platform/crypto`: in Node HMAC
 * from `node:crypto` (OpenSSL), SHA-256 and ChaCha20 from libsodium
 * (`sodium-native`, faster for short inputs: no per-call objects); in the
 * browser from @noble/hashes and @noble/ciphers. Nothing here is home-made.
 */
import { primitives } from "#platform/crypto";
import { HASH_SIZE } from "./constants.js";
import { SphinxInputError } from "./errors.js";

/** HMAC-SHA256 over the concatenation of `parts` (platform port: node:crypto or noble). */
export const hmacSha256: (key: Uint8Array | string, ...parts: Uint8Array[]) => Uint8Array = primitives.hmacSha256;

/** A plain Uint8Array view of a Buffer (no copy), so callers never see Buffer semantics. */
export function plain(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** SHA-256 over the concatenation of `parts` (platform port: libsodium or noble). */
export const sha256: (...parts: Uint8Array[]) => Uint8Array = primitives.sha256;

/**
 * XORs `data` with the ChaCha20 key stream of `key`, i.e. BOLT #4's
 * `generate_cipher_stream` applied to data. libsodium's original ChaCha20
 * (64-bit zero nonce, 64-bit counter from 0) produces the same key stream as
 * RFC 8439 ChaCha20 with a 96-bit zero nonce and counter 0 (the counter never
 * reaches 2^32 blocks here); the BOLT #4 vector test pins this.
 * Writes into `out` (may be `data` itself) or a new buffer.
 */
export function chacha20Xor(
  key: Uint8Array,
  data: Uint8Array,
  out: Uint8Array = new Uint8Array(data.length),
): Uint8Array {
  return primitives.chacha20Xor(key, data, out);
}

/** `length` bytes of the ChaCha20 key stream of `key` (BOLT #4 `generate_cipher_stream`). */
export const chacha20Stream: (key: Uint8Array, length: number) => Uint8Array = primitives.chacha20Stream;

/** BOLT #4 `generate_key`: HMAC-SHA256(key = ASCII label, msg = secret). No validation (hot path). */
export function generateKey(label: string, secret: Uint8Array): Uint8Array {
  return primitives.hmacSha256(label, secret);
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
  return primitives.timingSafeEqual(a, b);
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
