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

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * Where a token is worth something: the chain, the TicketBank and the issuer
 * whose key signs it. Part of every token message, so one signature is never
 * valid on another deployment or for another issuer (issue 10, finding 3).
 */
export type TokenDomain = { chainId: number | bigint; bank: Address; issuer: Address };

function address20(name: string, value: Address): Uint8Array {
  const bytes = hexToBytes(value);
  if (bytes.length !== 20) throw new InvalidInputError(name, "expected a 20-byte address");
  return bytes;
}

/**
 * The token message `chainId ‖ bank ‖ issuer ‖ relay ‖ epoch ‖ serial`
 * (8 ‖ 20 ‖ 20 ‖ 20 ‖ 8 ‖ 16 bytes, integers big-endian); the bank's
 * nullifier is keccak256 of exactly these bytes.
 *
 * @param domain Chain id (uint64), bank and issuer addresses.
 * @param relay Relay address the token is bound to.
 * @param epoch Epoch of the token (uint64).
 * @param serial 16 random bytes.
 * @returns 92 bytes.
 * @example
 * const m = tokenMessage({ chainId: 31337, bank, issuer }, relay, 3n, crypto.getRandomValues(new Uint8Array(16)));
 */
export function tokenMessage(domain: TokenDomain, relay: Address, epoch: bigint, serial: Uint8Array): Uint8Array {
  const chainId = BigInt(domain.chainId);
  if (chainId < 0n || chainId > MAX_UINT64) throw new InvalidInputError("chainId", "expected a uint64");
  if (epoch < 0n || epoch > MAX_UINT64) throw new InvalidInputError("epoch", "expected a uint64");
  if (serial.length !== SERIAL_SIZE) throw new InvalidInputError("serial", `expected ${SERIAL_SIZE} bytes`);
  const m = new Uint8Array(MESSAGE_SIZE);
  const view = new DataView(m.buffer);
  view.setBigUint64(0, chainId);
  m.set(address20("bank", domain.bank), 8);
  m.set(address20("issuer", domain.issuer), 28);
  m.set(address20("relay", relay), 48);
  view.setBigUint64(68, epoch);
  m.set(serial, 76);
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
