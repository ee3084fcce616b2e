/**
 * Native secp256k1 for the relay's per-packet work (issue 9, finding 6):
 * the `secp256k1` npm package (libsecp256k1 through N-API, prebuilt binaries
 * inside the package, loaded with node-gyp-build; no compiler needed). It
 * exposes prehashed ECDSA sign (RFC 6979 nonces, low-s) and public-key
 * recovery, which node:crypto does not, and runs them an order of magnitude
 * faster than noble in JavaScript (`bench/channels.bench.ts` measures both).
 * When the binary cannot load on a platform, and in browsers, callers fall back to noble.
 */
/** The subset of the `secp256k1` package API Obol uses (all inputs and outputs raw bytes). */
export type NativeSecp256k1 = {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(signature64: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCombine(publicKeys: Uint8Array[], compressed: boolean): Uint8Array;
  /** publicKey + tweak·G; throws on a key that does not parse, a tweak ≥ n, or the point at infinity. */
  publicKeyTweakAdd(publicKey: Uint8Array, tweak: Uint8Array, compressed: boolean): Uint8Array;
  /** Low-s only (libsecp256k1 refuses a high-s signature); throws on a signature or key that does not parse. */
  ecdsaVerify(signature64: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array): boolean;
};

/**
 * libsecp256k1 when its prebuilt binary loads here, else null (use noble).
 * A platform port (`#platform/secp256k1`): in a browser it is always null.
 */
export { nativeSecp256k1 } from "#platform/secp256k1";

/** A scalar in [1, n) as 32 big-endian bytes. */
export function scalarBytes(k: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = k;
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
