/**
 * The groups the Sphinx construction runs over (DESIGN §3). The header code
 * (`header.ts`) is written once against `SphinxGroup`; a group only has to
 * multiply an encoded element by a 32-byte scalar.
 *
 * - `secp256k1`: BOLT #4 conformance. Elements are 33-byte compressed points,
 *   scalars are big-endian integers in [1, n). `multiply(s, P)` = compressed(s·P).
 * - `x25519`: production. Elements are 32-byte u-coordinates (RFC 7748 §5),
 *   scalars are 32 bytes clamped by X25519 itself. `multiply(s, u)` =
 *   X25519(s, u). Backed by the platform port: libsodium (`sodium-native`) in
 *   Node for the relay hot path, @noble/curves in the browser;
 *   `x25519NobleGroup` computes the same bytes with @noble/curves everywhere.
 *
 * In both, `ss = SHA256(multiply(sk, E))`, blinding `b = SHA256(E ‖ ss)` and
 * `E' = multiply(b, E)` (see `header.ts`).
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { SphinxInputError, SphinxPointError } from "./errors.js";
import { primitives } from "#platform/crypto";

export interface SphinxGroup {
  readonly name: "secp256k1" | "x25519";
  /** Which library computes the group operation. */
  readonly backend: "noble" | "sodium";
  /** Bytes of an encoded element (public key, ephemeral key E). */
  readonly elementSize: number;
  /** Bytes of a secret key / scalar. */
  readonly scalarSize: number;
  randomSecretKey(): Uint8Array;
  /** The public key of `sk`; throws `SphinxPointError` for an invalid secret key. */
  publicKey(sk: Uint8Array): Uint8Array;
  /**
   * `scalar · element`, encoded. Validates both first and throws
   * `SphinxPointError` for a non-canonical or invalid element, an invalid
   * scalar, or a low-order (all-zero / identity) result.
   */
  multiply(scalar: Uint8Array, element: Uint8Array): Uint8Array;
  /** Throws `SphinxPointError` unless `element` is a canonical encoding of a valid element. */
  checkElement(element: Uint8Array): void;
}

function checkBytes(field: string, value: unknown, size: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new SphinxInputError(field, "must be a Uint8Array");
  if (value.length !== size) throw new SphinxInputError(field, `must be ${size} bytes, got ${value.length}`);
}

// ---------------------------------------------------------------- secp256k1

export const secp256k1Group: SphinxGroup = {
  name: "secp256k1",
  backend: "noble",
  elementSize: 33,
  scalarSize: 32,
  randomSecretKey: () => secp256k1.utils.randomSecretKey(),
  publicKey(sk) {
    checkBytes("secretKey", sk, 32);
    if (!secp256k1.utils.isValidSecretKey(sk)) throw new SphinxPointError("secp256k1 secret key not in [1, n)");
    return secp256k1.getPublicKey(sk, true);
  },
  multiply(scalar, element) {
    checkBytes("scalar", scalar, 32);
    checkBytes("element", element, 33);
    if (!secp256k1.utils.isValidSecretKey(scalar)) throw new SphinxPointError("secp256k1 scalar not in [1, n)");
    try {
      // Validates the point (on the curve, canonical x, prefix 02/03).
      return secp256k1.getSharedSecret(scalar, element, true);
    } catch (cause) {
      throw new SphinxPointError("not a valid compressed secp256k1 point", { cause });
    }
  },
  checkElement(element) {
    checkBytes("element", element, 33);
    if (!secp256k1.utils.isValidPublicKey(element, true))
      throw new SphinxPointError("not a valid compressed secp256k1 point");
  },
};

// ------------------------------------------------------------------- X25519

/**
 * Canonical u-coordinate (RFC 7748 §5): the top bit is clear and u < p =
 * 2^255 − 19. X25519 itself ignores the top bit and reduces mod p, so without
 * this check two encodings of E would give the same ss and a flipped bit of E
 * would go unnoticed by the header MAC.
 */
function checkU(element: Uint8Array): void {
  checkBytes("element", element, 32);
  if (element[31]! > 0x7f) throw new SphinxPointError("X25519 u-coordinate has its top bit set");
  if (element[31] === 0x7f && element[0]! >= 0xed) {
    let allOnes = true;
    for (let i = 1; i < 31; i++) if (element[i] !== 0xff) allOnes = false;
    if (allOnes) throw new SphinxPointError("X25519 u-coordinate is not reduced mod 2^255-19");
  }
}

/** X25519 via the platform port: libsodium in Node (raw buffers, ≈ 23k mults/s/core here), noble in the browser. */
export const x25519Group: SphinxGroup = {
  name: "x25519",
  backend: primitives.backend === "node" ? "sodium" : "noble",
  elementSize: 32,
  scalarSize: 32,
  randomSecretKey: () => primitives.randomBytes(32),
  publicKey(sk) {
    checkBytes("secretKey", sk, 32);
    return primitives.x25519Base(sk);
  },
  multiply(scalar, element) {
    checkBytes("scalar", scalar, 32);
    checkU(element);
    try {
      // Both backends clamp the scalar and throw when the result would be all zero (small-order input).
      return primitives.x25519(scalar, element);
    } catch (cause) {
      throw new SphinxPointError("X25519 point of low order (all-zero shared secret)", { cause });
    }
  },
  checkElement: checkU,
};

/** X25519 via @noble/curves only (browser path); byte-identical to `x25519Group`. */
export const x25519NobleGroup: SphinxGroup = {
  name: "x25519",
  backend: "noble",
  elementSize: 32,
  scalarSize: 32,
  randomSecretKey: () => x25519.utils.randomSecretKey(),
  publicKey(sk) {
    checkBytes("secretKey", sk, 32);
    return x25519.scalarMultBase(sk);
  },
  multiply(scalar, element) {
    checkBytes("scalar", scalar, 32);
    checkU(element);
    let out: Uint8Array;
    try {
      out = x25519.scalarMult(scalar, element); // clamps; throws on an all-zero result
    } catch (cause) {
      throw new SphinxPointError("X25519 point of low order (all-zero shared secret)", { cause });
    }
    let acc = 0;
    for (let i = 0; i < 32; i++) acc |= out[i]!;
    if (acc === 0) throw new SphinxPointError("X25519 point of low order (all-zero shared secret)");
    return out;
  },
  checkElement: checkU,
};
