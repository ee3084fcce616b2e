/**
 * Proof of relay (HOPR-style, docs/channels.md §Proof of relay) over secp256k1
 * (SEC 2 §2.4.1), so the contract can check a response with one `ecrecover`.
 *
 * For a route of hops 1..n with Sphinx shared secrets ss_1..ss_n:
 *   own_i = H(LABELS.own, ss_i) mod n          (hop i derives it itself)
 *   ack_i = H(LABELS.ack, ss_i) mod n          (hop i reveals it in its receipt)
 *   ack_{n+1} := H(LABELS.exit, ss_n) mod n    (exit hop: no next hop)
 *   response_i  = own_i + ack_{i+1} mod n
 *   challenge_i = address(response_i · G)      (signed into the ticket paying hop i)
 *   hint_i      = ack_{i+1} · G                (in hop i's slot)
 * Hop i checks address(own_i·G + hint_i) == challenge_i before forwarding, and
 * on hop i+1's receipt checks ack·G == hint_i and answers own_i + ack.
 * H = `deriveHopKey` (HMAC-SHA256, key = label, msg = ss).
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hexToBytes, type Address } from "viem";
import { keccak256 } from "#platform/keccak";
import { deriveHopKey } from "../../crypto/sphinx/keys.js";
import { LABELS } from "./constants.js";
import { ChannelsInputError } from "./errors.js";
import { publicKeyToAddress } from "./ticket.js";
import { nativeSecp256k1, scalarBytes } from "./secp.js";

const Point = secp256k1.Point;
const Fn = Point.Fn;
/** secp256k1 group order n. */
export const CURVE_ORDER = Fn.ORDER;
const ZERO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";

/** 32 bytes → non-zero scalar mod n (bias ≤ 2^-128, negligible). */
export function toScalar(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  const k = Fn.create(v);
  if (k === 0n) throw new ChannelsInputError("scalar", "is zero mod n");
  return k;
}

/** Hop's own response half, from its shared secret. */
export function ownKey(ss: Uint8Array): bigint {
  return toScalar(deriveHopKey(LABELS.own, ss));
}

/**
 * `ownKey(ss)` as 32 big-endian bytes, what libsecp256k1 takes: an HMAC output whose first
 * byte is neither 0x00 nor 0xff is already a non-zero scalar below n, so no bigint round trip
 * (the other 1 in 128 go through `toScalar`).
 */
export function ownKeyBytes(ss: Uint8Array): Uint8Array {
  const h = deriveHopKey(LABELS.own, ss);
  return h[0] !== 0x00 && h[0] !== 0xff ? h : scalarBytes(toScalar(h));
}

/** Hop's acknowledgement key, from its shared secret; revealed in its receipt. */
export function ackKey(ss: Uint8Array): bigint {
  return toScalar(deriveHopKey(LABELS.ack, ss));
}

/** The exit hop's self-derived ack half (it has no next hop to acknowledge). */
export function exitAckKey(ss: Uint8Array): bigint {
  return toScalar(deriveHopKey(LABELS.exit, ss));
}

/** (a + b) mod n: the response to a ticket. */
export function response(own: bigint, ack: bigint): bigint {
  return Fn.add(own, ack);
}

/** Ethereum address of k·G: what `PaymentChannels._pointAddress(k)` returns. */
export function pointAddress(k: bigint): Address {
  if (k <= 0n || k >= Fn.ORDER) return ZERO_ADDRESS;
  if (nativeSecp256k1) return publicKeyToAddress(nativeSecp256k1.publicKeyCreate(scalarBytes(k), false));
  return publicKeyToAddress(Point.BASE.multiply(k).toBytes(false));
}

/** 33-byte compressed point k·G. */
export function hintOf(ack: bigint): Uint8Array {
  if (nativeSecp256k1 && ack > 0n && ack < Fn.ORDER) return nativeSecp256k1.publicKeyCreate(scalarBytes(ack), true);
  return Point.BASE.multiply(ack).toBytes(true);
}

/**
 * Whether a challenge can be answered once the next hop's ack arrives: the
 * per-packet check of docs/channels.md (one base multiplication, one addition).
 *
 * @param own this hop's `ownKey(ss)`
 * @param hint 33-byte compressed ack_{i+1}·G from the slot
 * @param challenge the incoming ticket's challenge
 * @returns true iff address(own·G + hint) == challenge
 */
export function challengeAnswerable(own: bigint, hint: Uint8Array, challenge: Address): boolean {
  if (nativeSecp256k1 && own > 0n && own < Fn.ORDER)
    return challengeOpens(scalarBytes(own), hint, hexToBytes(challenge));
  let h;
  try {
    h = Point.fromBytes(hint);
  } catch {
    return false;
  }
  const sum = Point.BASE.multiply(own).add(h);
  if (sum.equals(Point.ZERO)) return false;
  return publicKeyToAddress(sum.toBytes(false)) === challenge.toLowerCase();
}

/**
 * `challengeAnswerable` on bytes, as the relay holds them: `own` from `ownKeyBytes`, the
 * challenge as the attachment's 20 address bytes. With libsecp256k1 it is one call, hint +
 * own·G (`publicKeyTweakAdd`: the base multiplication and the addition without serialising
 * own·G in between), then one keccak.
 *
 * @param own 32-byte scalar in [1, n)
 * @param hint 33-byte compressed point
 * @param challenge 20 bytes
 * @returns true iff address(own·G + hint) == challenge
 */
export function challengeOpens(own: Uint8Array, hint: Uint8Array, challenge: Uint8Array): boolean {
  if (challenge.length !== 20) return false;
  let sum: Uint8Array;
  if (nativeSecp256k1) {
    try {
      // Throws on a hint that is not a point, and when the sum is the point at infinity.
      sum = nativeSecp256k1.publicKeyTweakAdd(hint, own, false);
    } catch {
      return false;
    }
  } else {
    let h;
    try {
      h = Point.fromBytes(hint);
    } catch {
      return false;
    }
    const k = toScalar(own);
    const p = Point.BASE.multiply(k).add(h);
    if (p.equals(Point.ZERO)) return false;
    sum = p.toBytes(false);
  }
  const address = keccak256(sum.subarray(1)).subarray(12);
  for (let i = 0; i < 20; i++) if (address[i] !== challenge[i]) return false;
  return true;
}

/** Whether a receipt's ack matches the hint: ack·G == hint. */
export function ackMatchesHint(ack: bigint, hint: Uint8Array): boolean {
  if (ack <= 0n || ack >= Fn.ORDER) return false;
  try {
    return Point.BASE.multiply(ack).equals(Point.fromBytes(hint));
  } catch {
    return false;
  }
}

/** What the client computes for one hop of its route. */
export type HopChallenge = {
  /** Challenge of the ticket that pays this hop. */
  challenge: Address;
  /** ack_{i+1}·G (or the exit key's point), put in this hop's slot. */
  hint: Uint8Array;
};

/**
 * Challenges and hints for every hop of a route, from the route's shared
 * secrets (client side; the client knows every ss_i).
 *
 * @param secrets ss_1..ss_n in route order
 * @returns one entry per hop
 * @example
 * const hops = routeChallenges(secrets); // hops[0].challenge goes in the client's ticket
 */
export function routeChallenges(secrets: readonly Uint8Array[]): HopChallenge[] {
  if (secrets.length === 0) throw new ChannelsInputError("secrets", "route has no hops");
  const n = secrets.length;
  const out: HopChallenge[] = [];
  for (let i = 0; i < n; i++) {
    const own = ownKey(secrets[i]!);
    const ack = i + 1 < n ? ackKey(secrets[i + 1]!) : exitAckKey(secrets[i]!);
    out.push({ challenge: pointAddress(response(own, ack)), hint: hintOf(ack) });
  }
  return out;
}
