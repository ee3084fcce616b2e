/**
 * Browser backend of the crypto port (`src/platform/crypto.ts`): WebCrypto's
 * CSPRNG (`crypto.getRandomValues`), libsodium compiled to WebAssembly
 * (`libsodium-wrappers`) for X25519, and the audited noble libraries for the
 * other primitives (synchronous, as the Sphinx code is; `crypto.subtle` is
 * async only). X25519 is most of a packet's cost (about 40 scalar
 * multiplications per message with a SURB); libsodium's WASM runs one about
 * 15× faster than noble's BigInt ladder (docs/web.md §Figures).
 * Runs unchanged in a Web Worker and in Node (the equality test runs it there).
 */
import { chacha20orig, chacha20poly1305 } from "@noble/ciphers/chacha.js";
import sodium from "libsodium-wrappers";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import type { CryptoPrimitives } from "../crypto.js";

// The WASM module instantiates asynchronously; every primitive after this is synchronous.
await sodium.ready;

const ZERO_NONCE = new Uint8Array(8);
/** getRandomValues refuses more than 65,536 bytes per call. */
const RANDOM_CHUNK = 65_536;

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += RANDOM_CHUNK)
    globalThis.crypto.getRandomValues(out.subarray(at, Math.min(n, at + RANDOM_CHUNK)));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const labelBytes = new Map<string, Uint8Array>();

export const primitives: CryptoPrimitives = {
  backend: "browser",
  randomBytes,
  randomInt(max) {
    if (!Number.isSafeInteger(max) || max <= 0 || max > 2 ** 32)
      throw new RangeError(`randomInt: max must be in [1, 2^32], got ${max}`);
    // Rejection sampling over 32-bit words: uniform, no modulo bias.
    const limit = 2 ** 32 - (2 ** 32 % max);
    const word = new Uint32Array(1);
    for (;;) {
      globalThis.crypto.getRandomValues(word);
      if (word[0]! < limit) return word[0]! % max;
    }
  },
  sha256: (...parts) => nobleSha256(concat(parts)),
  hmacSha256(key, ...parts) {
    let k = typeof key === "string" ? labelBytes.get(key) : key;
    if (k === undefined) {
      k = latin1(key as string);
      if (labelBytes.size < 64) labelBytes.set(key as string, k);
    }
    return hmac(nobleSha256, k, concat(parts));
  },
  chacha20Xor: (key, data, out) => chacha20orig(key, ZERO_NONCE, data, out),
  chacha20Stream: (key, length) => chacha20orig(key, ZERO_NONCE, new Uint8Array(length)),
  timingSafeEqual(a, b) {
    if (a.length !== b.length) return false;
    let acc = 0;
    for (let i = 0; i < a.length; i++) acc |= a[i]! ^ b[i]!;
    return acc === 0;
  },
  x25519Base: (secretKey) => sodium.crypto_scalarmult_base(secretKey),
  // Clamps the scalar (RFC 7748); libsodium refuses an all-zero result (low-order point) with "weak public key".
  x25519: (scalar, u) => sodium.crypto_scalarmult(scalar, u),
  hkdfSha256: (ikm, salt, info, length) => hkdf(nobleSha256, ikm, salt, info, length),
  chachaPolySeal: (key, nonce, aad, plaintext) => chacha20poly1305(key, nonce, aad).encrypt(plaintext),
  chachaPolyOpen: (key, nonce, aad, sealed) => chacha20poly1305(key, nonce, aad).decrypt(sealed),
};
