/**
 * The crypto primitives port of the client path (issue 16 §2). Every module
 * that runs in both Node and the browser (Sphinx, Lioness, sealing, SURBs,
 * addresses, route choice) takes its primitives from `#platform/crypto`,
 * which package.json `imports` resolves per environment:
 *
 * - Node (`default`): `src/platform/node/crypto.ts`: node:crypto (OpenSSL)
 *   and libsodium (`sodium-native`, loaded on first use, not at import).
 * - Browser (`browser` condition; Vite and esbuild set it): `src/platform/browser/crypto.ts`:
 *   WebCrypto's CSPRNG and @noble/hashes, @noble/ciphers, @noble/curves.
 *
 * Both backends produce identical bytes (test/platform/crypto.test.ts runs
 * them side by side). This file only names the contract they both satisfy.
 */
export type CryptoPrimitives = {
  /** Which library family computes these primitives (reported by benches and the web page). */
  readonly backend: "node" | "browser";
  /** `n` bytes from the platform CSPRNG. */
  randomBytes(n: number): Uint8Array;
  /** Uniform integer in [0, max), from the CSPRNG. */
  randomInt(max: number): number;
  /** SHA-256 over the concatenation of `parts`. */
  sha256(...parts: Uint8Array[]): Uint8Array;
  /** HMAC-SHA256 over the concatenation of `parts`; a string key is taken as Latin-1 bytes. */
  hmacSha256(key: Uint8Array | string, ...parts: Uint8Array[]): Uint8Array;
  /** djb ChaCha20 (64-bit zero nonce, counter from 0) XOR into `out`. */
  chacha20Xor(key: Uint8Array, data: Uint8Array, out: Uint8Array): Uint8Array;
  /** `length` bytes of the djb ChaCha20 key stream (zero nonce). */
  chacha20Stream(key: Uint8Array, length: number): Uint8Array;
  /** Constant-time equality of two byte strings of equal length. */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /** X25519 base-point multiplication (RFC 7748 §6.1), clamping `secretKey`. */
  x25519Base(secretKey: Uint8Array): Uint8Array;
  /** X25519(scalar, u); throws on an all-zero (low-order) result. */
  x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** ChaCha20-Poly1305 (RFC 8439) seal: ciphertext ‖ 16-byte tag. */
  chachaPolySeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** ChaCha20-Poly1305 open; throws when the tag does not verify. */
  chachaPolyOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array;
};
