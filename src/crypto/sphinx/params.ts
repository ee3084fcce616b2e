/**
 * Network parameters of Obol Sphinx v1. Every packet of a network has the
 * same size, fixed by the group and these parameters (docs/sphinx.md §Sizes).
 */
import { bigsizeLength } from "./bigsize.js";
import { BODY_FRAMING_SIZE, DEFAULT_BODY_SIZE, DEFAULT_MAX_HOPS, HASH_SIZE, HOP_FIXED_SIZE } from "./constants.js";
import { SphinxInputError } from "./errors.js";
import type { SphinxGroup } from "./group.js";

export type SphinxParams = {
  /** Bytes of the BOLT #4 routing info (`hop_payloads`); 1300 in Lightning. */
  routingInfoSize: number;
  /** Bytes of the LIONESS-encrypted body. */
  bodySize: number;
  /** Most hops a route may have. */
  maxHops: number;
  /** Bytes of the accounting scheme's payment slot in every hop payload. */
  slotSize: number;
};

/** Largest slot: keeps a hop payload's bigsize prefix at 3 bytes. */
export const MAX_SLOT_SIZE = 0xffff - HOP_FIXED_SIZE;
/** Most hops a route may have (BOLT #4 allows 20 as well). */
export const MAX_HOPS_LIMIT = 20;
/** Smallest body: framing plus LIONESS' 32-byte left half and one byte. */
export const MIN_BODY_SIZE = 64;
/** Largest body: the u16 length field bounds the message. */
export const MAX_BODY_SIZE = 0xffff + BODY_FRAMING_SIZE;

function checkInteger(field: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new SphinxInputError(field, `must be an integer in [${min}, ${max}], got ${String(value)}`);
}

/**
 * Parameters of an Obol network: the routing info is sized so that exactly
 * `maxHops` Obol hop payloads (flags, next, delay, slot; bigsize-framed; each
 * followed by its 32-byte HMAC) fit.
 *
 * @param options.slotSize payment slot bytes of the network's scheme (0 for none)
 * @param options.maxHops most hops per route, default 5
 * @param options.bodySize body bytes, default 2048
 * @returns the parameters every sender and relay of the network must share
 * @example
 * const params = obolParams({ slotSize: 0 }); // routingInfoSize 350, bodySize 2048
 */
export function obolParams({
  slotSize,
  maxHops = DEFAULT_MAX_HOPS,
  bodySize = DEFAULT_BODY_SIZE,
}: {
  slotSize: number;
  maxHops?: number;
  bodySize?: number;
}): SphinxParams {
  checkInteger("slotSize", slotSize, 0, MAX_SLOT_SIZE);
  checkInteger("maxHops", maxHops, 1, MAX_HOPS_LIMIT);
  checkInteger("bodySize", bodySize, MIN_BODY_SIZE, MAX_BODY_SIZE);
  const routingInfoSize = maxHops * (hopPayloadSize(slotSize) + HASH_SIZE);
  if (routingInfoSize > 0xffff)
    throw new SphinxInputError(
      "slotSize",
      `maxHops × hop payload gives ${routingInfoSize} bytes of routing info, above 65535`,
    );
  return { routingInfoSize, bodySize, maxHops, slotSize };
}

/** Validates a `SphinxParams` object (e.g. one read from a config file). */
export function checkParams(params: SphinxParams): void {
  if (typeof params !== "object" || params === null) throw new SphinxInputError("params", "must be an object");
  checkInteger("params.slotSize", params.slotSize, 0, MAX_SLOT_SIZE);
  checkInteger("params.maxHops", params.maxHops, 1, MAX_HOPS_LIMIT);
  checkInteger("params.bodySize", params.bodySize, MIN_BODY_SIZE, MAX_BODY_SIZE);
  const needed = params.maxHops * (hopPayloadSize(params.slotSize) + HASH_SIZE);
  checkInteger("params.routingInfoSize", params.routingInfoSize, needed, 0xffff);
}

/** Bytes of one framed Obol hop payload (bigsize prefix + flags + next + delay + slot). */
export function hopPayloadSize(slotSize: number): number {
  const data = HOP_FIXED_SIZE + slotSize;
  return bigsizeLength(data) + data;
}

/** Largest message a packet (or SURB reply) of these parameters can carry. */
export function maxMessageSize(params: SphinxParams): number {
  return params.bodySize - BODY_FRAMING_SIZE;
}

/** Bytes of a header: version ‖ E ‖ routing info ‖ HMAC. */
export function headerSize(group: SphinxGroup, routingInfoSize: number): number {
  return 1 + group.elementSize + routingInfoSize + HASH_SIZE;
}

/**
 * The header HMAC of a packet (its last 32 header bytes, a view, not a copy):
 * how receipts name the packet they answer (docs/relay.md).
 */
export function headerMac(packet: Uint8Array, group: SphinxGroup, routingInfoSize: number): Uint8Array {
  const end = headerSize(group, routingInfoSize);
  return packet.subarray(end - HASH_SIZE, end);
}

/**
 * Bytes of every packet of a network: 1 + E + routingInfoSize + 32 + bodySize.
 *
 * @param group the network's group (x25519 in production)
 * @param params the network's parameters
 * @returns the fixed packet size
 * @example
 * packetSize(x25519Group, obolParams({ slotSize: 0 })); // 1 + 32 + 350 + 32 + 2048 = 2463
 */
export function packetSize(group: SphinxGroup, params: SphinxParams): number {
  return headerSize(group, params.routingInfoSize) + params.bodySize;
}
