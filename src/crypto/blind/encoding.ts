/**
 * Token messages, and compressed points → EIP-2537 encodings (docs/tickets.md,
 * "Byte layouts"); the EIP-2537 layout itself is src/crypto/eip2537.ts.
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { hexToBytes, type Address } from "viem";
import { InvalidInputError } from "../../errors.js";
import { encodeG1, encodeG2 } from "../eip2537.js";
import { G1_COMPRESSED_SIZE, G2_COMPRESSED_SIZE, MESSAGE_SIZE, SERIAL_SIZE } from "./constants.js";
import { InvalidPointError } from "./errors.js";

const MAX_EPOCH = (1n << 64n) - 1n;

/**
 * The token message `relay ‖ epoch ‖ serial` (20 ‖ 8 big-endian ‖ 16 bytes).
 *
 * @param relay Relay address the token is bound to.
 * @param epoch Epoch of the token (uint64).
 * @param serial 16 random bytes.
 * @returns 44 bytes.
 * @example
 * const m = tokenMessage("0x00…01", 3n, crypto.getRandomValues(new Uint8Array(16)));
 */
export function tokenMessage(relay: Address, epoch: bigint, serial: Uint8Array): Uint8Array {
  const relayBytes = hexToBytes(relay);
  if (relayBytes.length !== 20) throw new InvalidInputError("relay", "expected a 20-byte address");
  if (epoch < 0n || epoch > MAX_EPOCH) throw new InvalidInputError("epoch", "expected a uint64");
  if (serial.length !== SERIAL_SIZE) throw new InvalidInputError("serial", `expected ${SERIAL_SIZE} bytes`);
  const m = new Uint8Array(MESSAGE_SIZE);
  m.set(relayBytes, 0);
  new DataView(m.buffer).setBigUint64(20, epoch);
  m.set(serial, 28);
  return m;
}

/**
 * Compressed G1 (48 bytes) → EIP-2537 (128 bytes), with on-curve and subgroup checks.
 *
 * @param point Compressed G1 point (not infinity).
 * @returns x ‖ y, 64 bytes each.
 * @example
 * const calldataSig = g1ToEip2537(aggregate);
 */
export function g1ToEip2537(point: Uint8Array): Uint8Array {
  if (point.length !== G1_COMPRESSED_SIZE) throw new InvalidPointError("g1", `expected ${G1_COMPRESSED_SIZE} bytes`);
  let p;
  try {
    p = bls12_381.G1.Point.fromBytes(point);
  } catch (cause) {
    throw new InvalidPointError("g1", "not a valid compressed G1 point", { cause });
  }
  if (p.is0()) throw new InvalidPointError("g1", "point at infinity");
  return encodeG1(p);
}

/**
 * Compressed G2 public key (96 bytes) → EIP-2537 (256 bytes: x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1).
 *
 * @param point Compressed G2 point.
 * @returns 256 bytes.
 * @example
 * await bank.write.registerIssuer([toHex(g2ToEip2537(publicKey)), price, 0, stake]);
 */
export function g2ToEip2537(point: Uint8Array): Uint8Array {
  if (point.length !== G2_COMPRESSED_SIZE) throw new InvalidPointError("g2", `expected ${G2_COMPRESSED_SIZE} bytes`);
  let p;
  try {
    p = bls12_381.G2.Point.fromBytes(point);
  } catch (cause) {
    throw new InvalidPointError("g2", "not a valid compressed G2 point", { cause });
  }
  return encodeG2(p);
}
