/**
 * The subset of `sodium-native` (libsodium, prebuilt N-API addon) used by the
 * Sphinx hot path, typed here because the package ships no declarations
 * (`node/crypto.ts` loads it on first use).
 * Raw buffers in, raw buffers out: no key objects, no per-call allocation.
 */
export type Sodium = {
  /** X25519(n, p) into q; throws when p has small order (result all zero). */
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  /** Original (djb) ChaCha20: 64-bit nonce, 64-bit block counter from 0. */
  crypto_stream_chacha20_xor(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_stream_chacha20(c: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
  crypto_hash_sha256_init(state: Uint8Array): void;
  crypto_hash_sha256_update(state: Uint8Array, input: Uint8Array): void;
  crypto_hash_sha256_final(state: Uint8Array, out: Uint8Array): void;
  crypto_hash_sha256_STATEBYTES: number;
};
