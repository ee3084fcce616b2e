/**
 * A verifiable random function from BLS signatures on BLS12-381 (docs/shopper.md
 * §VRF), the off-chain half of `contracts/lib/VrfBls.sol`:
 *
 * - keys: secret key sk (32 bytes, big-endian scalar in [1, r)), public key
 *   pk = sk·g2 ∈ G2, encoded as EIP-2537 (src/crypto/eip2537.ts);
 * - proof π = σ = sk·H(α) ∈ G1, H = hash_to_curve (RFC 9380 §3, suite
 *   BLS12381G1_XMD:SHA-256_SSWU_RO_) with DST `VRF_DST`, encoded as EIP-2537 x ‖ y;
 * - verification e(σ, g2) == e(H(α), pk) (noble; on chain one 2-pair pairing check);
 * - output β = SHA-256("obol-vrf-output-v1" ‖ π).
 *
 * BLS signatures are deterministic and checked in prime-order subgroups, so a
 * valid (non-identity) key has exactly one valid proof per input: β is unique.
 * Pairing arithmetic is @noble/curves (audited); nothing here is home-made.
 */
import { createHash, randomBytes } from "node:crypto";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import {
  decodeG1 as decodeEip2537G1,
  decodeG2 as decodeEip2537G2,
  encodeG1,
  encodeG2,
  type G1Point,
  type G2Point,
} from "../eip2537.js";
import { VrfInputError } from "./errors.js";

/** RFC 9380 domain separation tag of the VRF's hash to G1. */
export const VRF_DST = "OBOL-SHOPPER-VRF-V1-BLS12381G1_XMD:SHA-256_SSWU_RO_";
/** Label prefixed to the proof when hashing it to the output. */
export const VRF_OUTPUT_LABEL = "obol-vrf-output-v1";
export const VRF_SECRET_KEY_SIZE = 32;
export const VRF_PUBLIC_KEY_SIZE = 256;
export const VRF_PROOF_SIZE = 128;
export const VRF_OUTPUT_SIZE = 32;

const sigs = bls12_381.shortSignatures;

export type VrfKeyPair = { secretKey: Uint8Array; publicKey: Uint8Array };
export type VrfProof = { proof: Uint8Array; output: Uint8Array };

export { encodeG1, encodeG2 } from "../eip2537.js";

function checkBytes(field: string, value: unknown, size: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new VrfInputError(field, "must be a Uint8Array");
  if (value.length !== size) throw new VrfInputError(field, `must be ${size} bytes, got ${value.length}`);
}

/** Malformed-encoding errors of the shared EIP-2537 decoder, as VrfInputErrors naming `field`. */
const inputError =
  (field: string) =>
  (problem: string, cause?: unknown): VrfInputError =>
    new VrfInputError(field, problem, cause === undefined ? {} : { cause });

/** Decodes and validates (on curve, in subgroup, not identity) a 128-byte G1 point. */
export function decodeG1(field: string, b: Uint8Array): G1Point {
  return decodeEip2537G1(b, inputError(field));
}

/** Decodes and validates (on curve, in subgroup, not identity) a 256-byte G2 point. */
export function decodeG2(field: string, b: Uint8Array): G2Point {
  return decodeEip2537G2(b, inputError(field));
}

/**
 * Generates a VRF key pair.
 *
 * @param seed optional 48 bytes of key material (deterministic keys for tests/devnets)
 * @returns 32-byte secret key and 256-byte EIP-2537 public key (what `RelayRegistry.blsKey` holds)
 * @example
 * const { secretKey, publicKey } = vrfKeygen();
 */
export function vrfKeygen(seed?: Uint8Array): VrfKeyPair {
  const secretKey = seed === undefined ? sigs.keygen(randomBytes(48)).secretKey : sigs.keygen(seed).secretKey;
  return { secretKey, publicKey: vrfPublicKey(secretKey) };
}

/**
 * The 256-byte EIP-2537 G2 public key of a secret key.
 *
 * @param secretKey 32-byte secret key
 * @returns pk = sk·g2
 * @example
 * const pk = vrfPublicKey(sk);
 */
export function vrfPublicKey(secretKey: Uint8Array): Uint8Array {
  checkBytes("secretKey", secretKey, VRF_SECRET_KEY_SIZE);
  try {
    return encodeG2(sigs.getPublicKey(secretKey));
  } catch (cause) {
    throw new VrfInputError("secretKey", "not a scalar in [1, r)", { cause });
  }
}

/** β = SHA-256("obol-vrf-output-v1" ‖ proof). */
export function vrfOutput(proof: Uint8Array): Uint8Array {
  checkBytes("proof", proof, VRF_PROOF_SIZE);
  return new Uint8Array(createHash("sha256").update(VRF_OUTPUT_LABEL).update(proof).digest());
}

/**
 * Evaluates the VRF on `alpha`.
 *
 * @param secretKey 32-byte secret key
 * @param alpha VRF input (for loops: `loopInput(chainId, shopper, sender, epoch, j)`)
 * @returns the 128-byte proof σ and the 32-byte output β
 * @example
 * const { proof, output } = vrfProve(sk, alpha);
 */
export function vrfProve(secretKey: Uint8Array, alpha: Uint8Array): VrfProof {
  checkBytes("secretKey", secretKey, VRF_SECRET_KEY_SIZE);
  if (!(alpha instanceof Uint8Array)) throw new VrfInputError("alpha", "must be a Uint8Array");
  const sigma = sigs.sign(sigs.hash(alpha, VRF_DST), secretKey);
  const proof = encodeG1(sigma);
  return { proof, output: vrfOutput(proof) };
}

/**
 * Verifies a proof.
 *
 * @param publicKey 256-byte EIP-2537 G2 public key
 * @param alpha VRF input
 * @param proof 128-byte EIP-2537 G1 proof
 * @returns β when the proof verifies, otherwise null
 * @throws VrfInputError when the key is malformed (a malformed proof returns null)
 * @example
 * const beta = vrfVerify(pk, alpha, proof); if (!beta) reject();
 */
export function vrfVerify(publicKey: Uint8Array, alpha: Uint8Array, proof: Uint8Array): Uint8Array | null {
  const pk = decodeG2("publicKey", publicKey);
  if (!(alpha instanceof Uint8Array)) throw new VrfInputError("alpha", "must be a Uint8Array");
  let sigma: G1Point;
  try {
    sigma = decodeG1("proof", proof);
  } catch {
    return null;
  }
  return sigs.verify(sigma, sigs.hash(alpha, VRF_DST), pk) ? vrfOutput(proof) : null;
}

/**
 * RFC 9380 hash of `message` to G1 with the VRF DST, EIP-2537 encoded (for tests against the contract).
 *
 * @example
 * const h = hashToG1(alpha); // 128 bytes
 */
export function hashToG1(message: Uint8Array): Uint8Array {
  return encodeG1(sigs.hash(message, VRF_DST));
}
