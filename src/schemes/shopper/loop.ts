/**
 * Verifiable cover loops (docs/shopper.md §Loop derivation). Everything random
 * about a loop comes from its VRF output β through the stream
 *
 *   block(k) = SHA-256("obol-shopper-loop-v1" ‖ β ‖ u32be(k))
 *
 * - block(0): Sphinx session key (X25519 scalar);
 * - block(1 + L): relay of layer L = members_L[uint256(block) mod n_L], members in
 *   the registry's order (`RelayRegistry.layerMember`, read through `layerMembers`);
 * - block(6 + h): delay of mix hop h ∈ {1, 2, 3}: u = (top 53 bits of block) / 2^53,
 *   delayMs = round(−ln(1 − u) · meanDelayMs) (Exp inverse CDF); gateways
 *   (hops 0 and 4) hold no delay, like every client packet (docs/client.md §Loopix).
 * - block(11): send time within the epoch, uniform over [guard, epoch − guard)
 *   (issue 11, finding 1: loops arrive spread like user traffic, not in a burst).
 * - block(12), block(13 + i): the message the loop delivers (`loopMessage`).
 *
 * The last hop is `deliver` into the sender's mailbox at the exit gateway, as
 * a user message ends (docs/shopper.md §Exit delivery); the mailbox is the
 * sender's own per-epoch one (`loopPullKey`), which it pulls like a client.
 *
 * The packet itself is built by the normal Sphinx code (X25519 group), so on
 * reveal anyone — and the contract, in a dispute — recomputes every hop's tag.
 */
import { createHash, createHmac } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { encodePacked, type Address } from "viem";
import { deriveHopSecrets, peelHeader } from "../../crypto/sphinx/header.js";
import { OBOL_ASSOCIATED_DATA } from "../../crypto/sphinx/constants.js";
import { headerSize } from "../../crypto/sphinx/params.js";
import { x25519Group } from "../../crypto/sphinx/group.js";
import { createPacket, replayTag } from "../../crypto/sphinx/packet.js";
import type { SphinxParams } from "../../crypto/sphinx/params.js";
import type { HopInstruction } from "../../crypto/sphinx/hop.js";
import { InvalidInputError } from "../../errors.js";
import { SEAL_OVERHEAD } from "../../client/seal.js";
import { ENVELOPE_HEADER_SIZE } from "../../client/envelope.js";
import type { RouteHop } from "../scheme.js";
import {
  DELAY_BLOCK,
  LOOP_HOPS,
  LOOP_STREAM_LABEL,
  MAX_HOP_DELAY_MS,
  MESSAGE_BLOCK,
  MESSAGE_LENGTH_BLOCK,
  PULL_KEY_LABEL,
  ROUTE_BLOCK,
  SEND_TIME_BLOCK,
  SESSION_KEY_BLOCK,
} from "./constants.js";

/** Members of the five hop layers (index 0 and 4 both the gateways), each in the registry's order. */
export type LoopLayers = readonly (readonly RouteHop[])[];

export type Loop = {
  beta: Uint8Array;
  sessionKey: Uint8Array;
  route: RouteHop[];
  delaysMs: number[];
  /** Replay tag every hop stores, in route order. */
  tags: Uint8Array[];
  /** keccak256 of the Sphinx header each hop receives, in route order (bound into its Merkle leaf). */
  headers: Uint8Array[];
  /** The Sphinx packet to hand to `route[0]`. */
  packet: Uint8Array;
};

function checkBeta(beta: Uint8Array): void {
  if (!(beta instanceof Uint8Array) || beta.length !== 32) throw new InvalidInputError("beta", "must be 32 bytes");
}

/**
 * block(k) of the loop stream.
 *
 * @example
 * const sessionKey = loopBlock(beta, 0);
 */
export function loopBlock(beta: Uint8Array, k: number): Uint8Array {
  checkBeta(beta);
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(k);
  return new Uint8Array(createHash("sha256").update(LOOP_STREAM_LABEL).update(beta).update(counter).digest());
}

/**
 * VRF input α of loop j of `sender` in an epoch:
 * abi.encodePacked(uint256 chainId, address shopper, address sender, uint64 epoch, uint32 j), 84 bytes.
 * The sender is part of it so a copied public key cannot replay its owner's proofs.
 *
 * @example
 * const alpha = loopInput({ chainId: 31337, shopper, sender, epoch: 3n, index: 0 });
 */
export function loopInput({
  chainId,
  shopper,
  sender,
  epoch,
  index,
}: {
  chainId: number;
  shopper: Address;
  sender: Address;
  epoch: bigint;
  index: number;
}): Uint8Array {
  return Buffer.from(
    encodePacked(
      ["uint256", "address", "address", "uint64", "uint32"],
      [BigInt(chainId), shopper, sender, epoch, index],
    ).slice(2),
    "hex",
  );
}

/** Index chosen in each of the five layers, given their sizes. */
export function loopRouteIndices(beta: Uint8Array, layerSizes: readonly number[]): number[] {
  if (layerSizes.length !== LOOP_HOPS) throw new InvalidInputError("layerSizes", `must hold ${LOOP_HOPS} sizes`);
  return layerSizes.map((n, layer) => {
    if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`layerSizes[${layer}]`, "layer is empty");
    const v = BigInt(`0x${Buffer.from(loopBlock(beta, ROUTE_BLOCK + layer)).toString("hex")}`);
    return Number(v % BigInt(n));
  });
}

/** Per-hop delays (ms): Exp with mean `meanDelayMs` at the mix layers, 0 at the gateways; capped at MAX_HOP_DELAY_MS. */
export function loopDelaysMs(beta: Uint8Array, meanDelayMs: number): number[] {
  if (!(meanDelayMs >= 0)) throw new InvalidInputError("meanDelayMs", "must be ≥ 0");
  return Array.from({ length: LOOP_HOPS }, (_, h) => {
    if (h === 0 || h === LOOP_HOPS - 1) return 0;
    const block = Buffer.from(loopBlock(beta, DELAY_BLOCK + h));
    const u = Number(block.readBigUInt64BE(0) >> 11n) / 2 ** 53; // u ∈ [0, 1)
    return Math.min(MAX_HOP_DELAY_MS, Math.round(-Math.log(1 - u) * meanDelayMs));
  });
}

/** u ∈ [0, 1) from the top 53 bits of a stream block. */
function uniformOf(block: Uint8Array): number {
  return Number(Buffer.from(block).readBigUInt64BE(0) >> 11n) / 2 ** 53;
}

/**
 * When in its epoch a loop is sent, ms after the epoch starts: uniform over
 * [guardMs, epochMs − guardMs) from block(11). Nobody can predict it before
 * the reveal (β is the sender's VRF output), and afterwards anyone can check it.
 *
 * @example
 * const at = loopSendOffsetMs(beta, 60_000, 3_000);
 */
export function loopSendOffsetMs(beta: Uint8Array, epochMs: number, guardMs: number): number {
  if (!(epochMs > 2 * guardMs) || !(guardMs >= 0))
    throw new InvalidInputError("epochMs", "must exceed twice the guard");
  return guardMs + Math.floor(uniformOf(loopBlock(beta, SEND_TIME_BLOCK)) * (epochMs - 2 * guardMs));
}

/**
 * The auditor's pull key of its mailbox at `gateway` for `epoch`:
 * HMAC-SHA256(key = VRF secret key, PULL_KEY_LABEL ‖ u64be(epoch) ‖ gateway address). Only the sender can
 * derive it, so nobody else can empty the mailbox, and nobody but the sender and the exit (which sees the
 * mailbox id in its `deliver` hop) can address it. A fresh one each epoch: a reveal in e + 2 shows the exit
 * which mailbox was an auditor's only once that mailbox is no longer used.
 *
 * @example
 * const mailbox = mailboxId(loopPullKey(vrfSecretKey, 3n, exit.relay));
 */
export function loopPullKey(vrfSecretKey: Uint8Array, epoch: bigint, gateway: Address): Uint8Array {
  const e = Buffer.alloc(8);
  e.writeBigUInt64BE(epoch);
  return new Uint8Array(
    createHmac("sha256", vrfSecretKey)
      .update(PULL_KEY_LABEL)
      .update(e)
      .update(Buffer.from(gateway.slice(2), "hex"))
      .digest(),
  );
}

/**
 * The message a loop delivers: random-looking bytes from the loop stream, as
 * long as a sealed envelope with 0–255 content bytes (block(12) picks the
 * length, block(13 + i) the bytes). The exit sees it in the mailbox as it sees
 * a sealed user message; the sender recognises it when it pulls.
 *
 * @example
 * const message = loopMessage(beta);
 */
export function loopMessage(beta: Uint8Array): Uint8Array {
  const length = SEAL_OVERHEAD + ENVELOPE_HEADER_SIZE + loopBlock(beta, MESSAGE_LENGTH_BLOCK)[0]!;
  const out = new Uint8Array(length);
  for (let i = 0; 32 * i < length; i++)
    out.set(loopBlock(beta, MESSAGE_BLOCK + i).subarray(0, length - 32 * i), 32 * i);
  return out;
}

/**
 * The replay tags a loop leaves at each hop (what a dispute recomputes on chain).
 *
 * @example
 * const tags = loopTags(sessionKey, route.map((h) => h.mixKey));
 */
export function loopTags(sessionKey: Uint8Array, mixKeys: readonly Uint8Array[]): Uint8Array[] {
  const { secrets } = deriveHopSecrets({ group: x25519Group, sessionKey, publicKeys: mixKeys });
  return secrets.map((ss) => replayTag(ss));
}

/**
 * Merkle leaf value a relay stores for a packet: keccak256(tag ‖ keccak256(header it received)).
 * Binding the header lets a dispute show which header the sender gave the hop.
 *
 * @example
 * const value = leafValue(replayTag, keccak256(header));
 */
export function leafValue(tag: Uint8Array, headerHash: Uint8Array): Uint8Array {
  if (tag.length !== 32 || headerHash.length !== 32)
    throw new InvalidInputError("leaf", "tag and header hash must be 32 bytes");
  return keccak_256.create().update(tag).update(headerHash).digest();
}

/** keccak256 of the header part of a packet (what `leafValue` binds). */
export function headerHashOf(header: Uint8Array): Uint8Array {
  return keccak_256(header);
}

/**
 * The header each hop of a packet receives, in route order, found by peeling
 * with the hop secrets the sender derived (no relay key needed).
 */
export function hopHeaders(packet: Uint8Array, secrets: readonly Uint8Array[], params: SphinxParams): Uint8Array[] {
  const size = headerSize(x25519Group, params.routingInfoSize);
  const out: Uint8Array[] = [];
  let header: Uint8Array = packet.slice(0, size);
  for (const ss of secrets) {
    out.push(header);
    const { routingInfoSize } = params;
    const { nextHeader } = peelHeader({
      group: x25519Group,
      routingInfoSize,
      ss,
      header,
      associatedData: OBOL_ASSOCIATED_DATA,
    });
    if (nextHeader === null) break; // the final hop: nothing follows
    header = nextHeader;
  }
  return out;
}

/**
 * Derives and builds the loop seeded by `beta`.
 *
 * @param p.beta VRF output of (sender key, epoch, j)
 * @param p.layers the epoch's five hop layers, each in the contract's order (`loopLayers`)
 * @param p.params the network's Sphinx parameters (slot bytes are zero-filled)
 * @param p.meanDelayMs mean of the Exp per-hop delay (1/μ)
 * @param p.mailbox the mailbox id at the exit the loop is delivered to, given the exit's address
 * @returns route, delays, tags and the packet
 * @example
 * const loop = buildLoop({ beta, layers, params, meanDelayMs: 200, mailbox: (g) => mailboxId(loopPullKey(sk, e, g)) });
 */
export function buildLoop({
  beta,
  layers,
  params,
  meanDelayMs,
  mailbox,
}: {
  beta: Uint8Array;
  layers: LoopLayers;
  params: SphinxParams;
  meanDelayMs: number;
  mailbox: (exit: Address) => Uint8Array;
}): Loop {
  if (layers.length !== LOOP_HOPS) throw new InvalidInputError("layers", `must hold ${LOOP_HOPS} layers`);
  const indices = loopRouteIndices(
    beta,
    layers.map((l) => l.length),
  );
  const route = indices.map((i, layer) => layers[layer]![i]!);
  const delaysMs = loopDelaysMs(beta, meanDelayMs);
  const sessionKey = loopBlock(beta, SESSION_KEY_BLOCK);
  const keys = deriveHopSecrets({ group: x25519Group, sessionKey, publicKeys: route.map((h) => h.mixKey) });
  const slot = new Uint8Array(params.slotSize);
  const hops: HopInstruction[] = route.map((_, h) =>
    h < LOOP_HOPS - 1
      ? { action: "forward", next: route[h + 1]!.relay, delayMs: delaysMs[h]!, slot }
      : { action: "deliver", mailbox: mailbox(route[h]!.relay), delayMs: delaysMs[h]!, slot },
  );
  const packet = createPacket({ group: x25519Group, params, ...keys, hops, message: loopMessage(beta) });
  const headers = hopHeaders(packet, keys.secrets, params).map(headerHashOf);
  return { beta, sessionKey, route, delaysMs, tags: keys.secrets.map((ss) => replayTag(ss)), headers, packet };
}
