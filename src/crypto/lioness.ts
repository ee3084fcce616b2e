/**
 * LIONESS wide-block cipher (Anderson & Biham, "Two Practical and Provably
 * Secure Block Ciphers: BEAR and LION", FSE 1996), instantiated with
 * ChaCha20 (zero nonce, via libsodium; see `sphinx/keys.ts`) as the stream cipher S and HMAC-SHA256 as
 * the keyed hash H. Changing any bit of a ciphertext block changes every bit
 * of its decryption with overwhelming probability, so a Sphinx relay cannot
 * "tag" a body and recognise it later (DESIGN §3).
 *
 * The block is split into L (32 bytes, the ChaCha20 key size) and R (the
 * rest, at least 1 byte). With four 32-byte subkeys K1..K4:
 *
 *   encrypt: R ^= S(L ⊕ K1); L ^= H(K2, R); R ^= S(L ⊕ K3); L ^= H(K4, R)
 *   decrypt: L ^= H(K4, R); R ^= S(L ⊕ K3); L ^= H(K2, R); R ^= S(L ⊕ K1)
 *
 * Key schedule (Obol's choice): K1 ‖ K2 ‖ K3 ‖ K4 = the first 128 bytes of the
 * ChaCha20 key stream of the 32-byte LIONESS key (zero nonce, counter 0).
 * Specified in docs/sphinx.md ("Body").
 */
import { SphinxInputError } from "./sphinx/errors.js";
import { chacha20Stream, chacha20Xor, hmacSha256 } from "./sphinx/keys.js";

/** Bytes of a LIONESS key, of L and of each subkey. */
export const LIONESS_KEY_SIZE = 32;
/** Smallest block: L plus one byte of R. */
export const LIONESS_MIN_BLOCK = LIONESS_KEY_SIZE + 1;

const K = LIONESS_KEY_SIZE;

/** Copies `block` into `out` (or a new array) after validating both; the rounds then run in place. */
function prepare(key: Uint8Array, block: Uint8Array, out: Uint8Array | undefined): { keys: Uint8Array; x: Uint8Array } {
  if (!(key instanceof Uint8Array) || key.length !== K)
    throw new SphinxInputError("key", `LIONESS key must be ${K} bytes`);
  if (!(block instanceof Uint8Array) || block.length < LIONESS_MIN_BLOCK)
    throw new SphinxInputError("block", `LIONESS block must be at least ${LIONESS_MIN_BLOCK} bytes`);
  const x = out ?? new Uint8Array(block.length);
  if (!(x instanceof Uint8Array) || x.length !== block.length)
    throw new SphinxInputError("out", `must be ${block.length} bytes`);
  if (x !== block) x.set(block);
  return { keys: chacha20Stream(key, 4 * K), x };
}

/** R ^= S(L ⊕ K_j), in place. */
function streamRound(x: Uint8Array, keys: Uint8Array, j: number): void {
  const k = new Uint8Array(K);
  for (let i = 0; i < K; i++) k[i] = x[i]! ^ keys[j * K + i]!;
  const right = x.subarray(K);
  chacha20Xor(k, right, right);
}

/** L ^= HMAC-SHA256(K_j, R), in place. */
function hashRound(x: Uint8Array, keys: Uint8Array, j: number): void {
  const h = hmacSha256(keys.subarray(j * K, (j + 1) * K), x.subarray(K));
  for (let i = 0; i < K; i++) x[i]! ^= h[i]!;
}

/**
 * Encrypts one block with LIONESS.
 *
 * @param key 32-byte LIONESS key
 * @param block plaintext, at least 33 bytes (not modified unless it is `out`)
 * @param out optional destination of `block.length` bytes (may be `block` itself)
 * @returns the ciphertext (`out` when given)
 * @example
 * const c = lionessEncrypt(key, body); lionessDecrypt(key, c); // equals body
 */
export function lionessEncrypt(key: Uint8Array, block: Uint8Array, out?: Uint8Array): Uint8Array {
  const { keys, x } = prepare(key, block, out);
  streamRound(x, keys, 0);
  hashRound(x, keys, 1);
  streamRound(x, keys, 2);
  hashRound(x, keys, 3);
  return x;
}

/**
 * Decrypts one block with LIONESS (inverse of `lionessEncrypt`).
 *
 * @param key 32-byte LIONESS key
 * @param block ciphertext, at least 33 bytes (not modified unless it is `out`)
 * @param out optional destination of `block.length` bytes (may be `block` itself)
 * @returns the plaintext (`out` when given)
 * @example
 * const plain = lionessDecrypt(key, lionessEncrypt(key, body));
 */
export function lionessDecrypt(key: Uint8Array, block: Uint8Array, out?: Uint8Array): Uint8Array {
  const { keys, x } = prepare(key, block, out);
  hashRound(x, keys, 3);
  streamRound(x, keys, 2);
  hashRound(x, keys, 1);
  streamRound(x, keys, 0);
  return x;
}
