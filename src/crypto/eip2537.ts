/**
 * EIP-2537 encodings of BLS12-381 points, the layout the Prague precompiles
 * (and so `contracts/lib/BLS12381.sol`) read. Shared by the ticket scheme
 * (src/crypto/blind) and the shopper VRF (src/crypto/vrf).
 *
 * - Fp element: 64 bytes = 16 zero bytes ‖ 48-byte big-endian value < p;
 * - G1 point: x ‖ y (128 bytes); G2 point: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1 (256 bytes)
 *   (the ZCash compressed form puts c1 first; this layout does not);
 * - the point at infinity is all zeros.
 *
 * Point arithmetic and validation are @noble/curves'; this module only lays bytes out.
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bytesToBigInt } from "viem";

/** Bytes of an EIP-2537 Fp element. */
export const EIP2537_FP_SIZE = 64;
/** Bytes of an EIP-2537 G1 point. */
export const EIP2537_G1_SIZE = 128;
/** Bytes of an EIP-2537 G2 point. */
export const EIP2537_G2_SIZE = 256;

const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;
const Fp = bls12_381.fields.Fp;
const Fp2 = bls12_381.fields.Fp2;
export type G1Point = InstanceType<typeof G1>;
export type G2Point = InstanceType<typeof G2>;

/**
 * Builds the caller's error for a malformed encoding (so each domain keeps its own error class).
 * @param problem What is wrong, e.g. "field element not reduced".
 * @param cause The underlying noble error, if any.
 */
export type EncodingFailure = (problem: string, cause?: unknown) => Error;

function fpToBytes(x: bigint): Uint8Array {
  const out = new Uint8Array(EIP2537_FP_SIZE);
  out.set(Fp.toBytes(x), 16);
  return out;
}

function fpFromBytes(b: Uint8Array, fail: EncodingFailure): bigint {
  for (let i = 0; i < 16; i++) if (b[i] !== 0) throw fail("field element has non-zero padding");
  const x = bytesToBigInt(b.subarray(16));
  if (x >= Fp.ORDER) throw fail("field element not reduced");
  return x;
}

function checkLength(b: Uint8Array, size: number, fail: EncodingFailure): void {
  if (!(b instanceof Uint8Array)) throw fail("must be a Uint8Array");
  if (b.length !== size) throw fail(`must be ${size} bytes, got ${b.length}`);
}

/** Builds a point and checks it is on the curve, in the subgroup and not the identity. */
function validated<P extends { assertValidity(): void; is0(): boolean }>(
  build: () => P,
  group: string,
  fail: EncodingFailure,
): P {
  try {
    const p = build();
    p.assertValidity();
    if (p.is0()) throw new Error("identity");
    return p;
  } catch (cause) {
    throw fail(`not a ${group} subgroup point`, cause);
  }
}

/**
 * EIP-2537 encoding of a G1 point.
 *
 * @param p A noble G1 point.
 * @returns 128 bytes x ‖ y; the identity is all zeros.
 * @example
 * const sigma = encodeG1(bls12_381.G1.Point.fromBytes(compressed));
 */
export function encodeG1(p: G1Point): Uint8Array {
  const out = new Uint8Array(EIP2537_G1_SIZE);
  if (p.is0()) return out;
  const { x, y } = p.toAffine();
  out.set(fpToBytes(x), 0);
  out.set(fpToBytes(y), 64);
  return out;
}

/**
 * EIP-2537 encoding of a G2 point.
 *
 * @param p A noble G2 point.
 * @returns 256 bytes x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1; the identity is all zeros.
 * @example
 * const pk = encodeG2(bls12_381.shortSignatures.getPublicKey(sk));
 */
export function encodeG2(p: G2Point): Uint8Array {
  const out = new Uint8Array(EIP2537_G2_SIZE);
  if (p.is0()) return out;
  const { x, y } = p.toAffine();
  [x.c0, x.c1, y.c0, y.c1].forEach((v, i) => {
    out.set(fpToBytes(v), EIP2537_FP_SIZE * i);
  });
  return out;
}

/**
 * Decodes a 128-byte G1 point and checks it is on the curve, in the subgroup and not the identity.
 *
 * @param b EIP-2537 G1 encoding.
 * @param fail Builds the error thrown for a malformed encoding.
 * @returns The noble point.
 * @example
 * const sigma = decodeG1(proof, (problem, cause) => new VrfInputError("proof", problem, { cause }));
 */
export function decodeG1(b: Uint8Array, fail: EncodingFailure): G1Point {
  checkLength(b, EIP2537_G1_SIZE, fail);
  const x = fpFromBytes(b.subarray(0, 64), fail);
  const y = fpFromBytes(b.subarray(64, 128), fail);
  return validated(() => G1.fromAffine({ x, y }), "G1", fail);
}

/**
 * Decodes a 256-byte G2 point and checks it is on the curve, in the subgroup and not the identity.
 *
 * @param b EIP-2537 G2 encoding.
 * @param fail Builds the error thrown for a malformed encoding.
 * @returns The noble point.
 * @example
 * const pk = decodeG2(publicKey, (problem, cause) => new VrfInputError("publicKey", problem, { cause }));
 */
export function decodeG2(b: Uint8Array, fail: EncodingFailure): G2Point {
  checkLength(b, EIP2537_G2_SIZE, fail);
  const fp2 = (at: number) =>
    Fp2.create({
      c0: fpFromBytes(b.subarray(at, at + 64), fail),
      c1: fpFromBytes(b.subarray(at + 64, at + 128), fail),
    });
  const x = fp2(0);
  const y = fp2(128);
  return validated(() => G2.fromAffine({ x, y }), "G2", fail);
}
