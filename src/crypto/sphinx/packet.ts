/**
 * Obol Sphinx v1 packets (DESIGN §3): header (`header.ts`, BOLT #4) followed
 * by the LIONESS body (`body.ts`). Every packet of a network has exactly
 * `packetSize(group, params)` bytes:
 *
 *   version (1) ‖ E (elementSize) ‖ routing info (routingInfoSize) ‖ HMAC (32) ‖ body (bodySize)
 *
 * Every header MAC covers the routing info and the fixed associated data
 * "obol-sphinx-v1" (ASCII).
 */
import { frameMessage, peelBody, unframeMessage, wrapBody } from "./body.js";
import { LABELS, OBOL_ASSOCIATED_DATA } from "./constants.js";
import { SphinxBodyCorruptedError, SphinxHopPayloadError, SphinxInputError, SphinxSizeError } from "./errors.js";
import type { SphinxGroup } from "./group.js";
import { checkVersion, createHeader, peelHeader, sharedSecret } from "./header.js";
import { decodeHop, encodeHop, type HopInstruction } from "./hop.js";
import { checkSecret, generateKey } from "./keys.js";
import { checkParams, headerSize, packetSize, type SphinxParams } from "./params.js";

/**
 * Checks a route's hop instructions: 1..maxHops hops, every hop but the last
 * `forward`, the last one `deliver`, `drop` or `loop` (relays enforce the same).
 */
export function checkRoute(hops: readonly HopInstruction[], params: SphinxParams): void {
  if (!Array.isArray(hops) || hops.length < 1 || hops.length > params.maxHops)
    throw new SphinxInputError("hops", `must hold 1..${params.maxHops} hops (params.maxHops)`);
  hops.forEach((hop, i) => {
    const last = i === hops.length - 1;
    if ((hop?.action === "forward") === last)
      throw new SphinxInputError(
        `hops[${i}].action`,
        last ? "the last hop cannot forward" : "every hop but the last must forward",
      );
  });
}

/** Encodes every hop instruction, naming the hop in validation errors ("hops[2].slot"). */
export function encodeHops(hops: readonly HopInstruction[], params: SphinxParams): Uint8Array[] {
  return hops.map((hop, i) => {
    try {
      return encodeHop(hop, params);
    } catch (error) {
      if (error instanceof SphinxInputError)
        throw new SphinxInputError(`hops[${i}]${error.field.replace(/^hop/, "")}`, error.problem, { cause: error });
      throw error;
    }
  });
}

/**
 * Builds a packet carrying `message` along the route whose secrets were derived
 * with `deriveHopSecrets`.
 *
 * @param p.hops one instruction per hop (payment slots already filled in)
 * @param p.message at most `maxMessageSize(params)` bytes
 * @param p.padKey pad key from `deriveHopSecrets` (deterministic header); random padding when omitted
 * @returns the packet, `packetSize(group, params)` bytes
 * @throws SphinxMessageTooLargeError naming the maximum; SphinxInputError for malformed arguments
 * @example
 * const keys = deriveHopSecrets({ group: x25519Group, sessionKey, publicKeys });
 * const packet = createPacket({ group: x25519Group, params, ...keys, hops, message });
 */
export function createPacket({
  group,
  params,
  ephemeralKey,
  secrets,
  hops,
  message,
  padKey,
}: {
  group: SphinxGroup;
  params: SphinxParams;
  ephemeralKey: Uint8Array;
  secrets: readonly Uint8Array[];
  hops: readonly HopInstruction[];
  message: Uint8Array;
  padKey?: Uint8Array | undefined;
}): Uint8Array {
  checkParams(params);
  checkRoute(hops, params);
  const body = frameMessage(message, params.bodySize);
  const hopPayloads = encodeHops(hops, params);
  const { header } = createHeader({
    group,
    routingInfoSize: params.routingInfoSize,
    ephemeralKey,
    secrets,
    hopPayloads,
    associatedData: OBOL_ASSOCIATED_DATA,
    padKey,
  });
  const packet = new Uint8Array(packetSize(group, params));
  packet.set(header, 0);
  packet.set(wrapBody(body, secrets), header.length);
  return packet;
}

function checkPacket(group: SphinxGroup, params: SphinxParams, packet: Uint8Array): void {
  if (!(packet instanceof Uint8Array)) throw new SphinxInputError("packet", "must be a Uint8Array");
  const expected = packetSize(group, params);
  if (packet.length !== expected) throw new SphinxSizeError("packet", expected, packet.length);
  checkVersion(packet);
}

/**
 * The replay tag of a packet at one hop: HMAC-SHA256(key = "obol-replay", msg = ss).
 *
 * @param ss the hop's shared secret
 * @returns 32 bytes; the key of the relay's replay database
 * @example
 * const tag = replayTag(sharedSecret({ group, secretKey, packet }));
 */
export function replayTag(ss: Uint8Array): Uint8Array {
  checkSecret("ss", ss);
  return generateKey(LABELS.replay, ss);
}

export type PeeledPacket = {
  ss: Uint8Array;
  replayTag: Uint8Array;
  /** The incoming header MAC; names this packet between the previous hop and us (packetRef). */
  mac: Uint8Array;
  hop: HopInstruction;
  /** The packet to forward when `hop.action === "forward"`, else null. */
  next: Uint8Array | null;
  /** At the final hop: the message when the body passes its integrity check, else null. */
  message: Uint8Array | null;
  /**
   * The body with this hop's layer removed (a SURB reply's opaque body at the
   * final hop). Before the final hop it is a view into `next`, not a copy.
   */
  body: Uint8Array;
};

/**
 * Processes one packet at a relay: size and version checks, ss (unless given),
 * header MAC, hop payload, blinded next header, body layer, replay tag.
 * At the final hop a body that fails its integrity check is an error unless
 * the action is `deliver` (it may then be a SURB reply, opened by the mailbox
 * owner with `openReply`), in which case `message` is null.
 *
 * @param p.secretKey the relay's mix secret key
 * @param p.packet exactly `packetSize(group, params)` bytes
 * @param p.ss optional precomputed `sharedSecret(…)` (skips one scalar multiplication)
 * @returns the peeled packet
 * @throws SphinxSizeError, SphinxVersionError, SphinxPointError, SphinxMacError,
 *   SphinxHopPayloadError, SphinxBodyCorruptedError
 * @example
 * const peeled = peelPacket({ group: x25519Group, params, secretKey, packet });
 * if (peeled.next) forward(peeled.hop, peeled.next);
 */
export function peelPacket({
  group,
  params,
  secretKey,
  packet,
  ss,
}: {
  group: SphinxGroup;
  params: SphinxParams;
  secretKey: Uint8Array;
  packet: Uint8Array;
  ss?: Uint8Array | undefined;
}): PeeledPacket {
  checkParams(params);
  checkPacket(group, params, packet);
  const hSize = headerSize(group, params.routingInfoSize);
  let secret: Uint8Array;
  if (ss === undefined) secret = sharedSecret({ group, secretKey, packet });
  else {
    checkSecret("ss", ss);
    secret = ss;
  }
  const out = new Uint8Array(packet.length);
  const header = packet.subarray(0, hSize);
  const { routingInfoSize } = params;
  const peeled = peelHeader({ group, routingInfoSize, ss: secret, header, associatedData: OBOL_ASSOCIATED_DATA, out });
  const hop = decodeHop(peeled.hopPayload, params);
  if ((hop.action === "forward") === peeled.final)
    throw new SphinxHopPayloadError(
      peeled.final ? "forward instruction at the final hop" : `${hop.action} instruction before the final hop`,
    );
  const body = peelBody(packet.subarray(hSize), secret, out.subarray(hSize));
  let message: Uint8Array | null = null;
  if (peeled.final) {
    const framed = unframeMessage(body);
    if (typeof framed !== "string") message = framed;
    else if (hop.action !== "deliver") throw new SphinxBodyCorruptedError(framed);
  }
  return {
    ss: secret,
    replayTag: generateKey(LABELS.replay, secret),
    mac: peeled.mac,
    hop,
    next: peeled.final ? null : out,
    message,
    body,
  };
}
