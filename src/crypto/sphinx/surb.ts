/**
 * Single-use reply blocks (Sphinx paper, Danezis & Goldberg 2009, §3.4): the
 * creator builds a header for a route that ends at its own mailbox and hands
 * out (first hop, header, key k̃). A replier frames its message, encrypts it
 * with LIONESS under a key derived from k̃ and sends header ‖ body to the first
 * hop. Each hop strips its body layer as for any packet (so replies and
 * forward packets look alike to relays); the creator re-applies the hops'
 * layers and removes k̃'s to read the reply. The creator pays the hops itself:
 * the hop instructions (with their slots) are fixed when the SURB is made.
 *
 * SURB encoding: firstHop (20) ‖ k̃ (32) ‖ header (headerSize).
 */
import { primitives } from "#platform/crypto";
import { bytesToHex, hexToBytes } from "viem";
import { lionessDecrypt, lionessEncrypt } from "../lioness.js";
import { bodyKey, frameMessage, unframeMessage } from "./body.js";
import { ADDRESS_SIZE, HASH_SIZE, LABELS, OBOL_ASSOCIATED_DATA, SURB_KEY_SIZE } from "./constants.js";
import { SphinxBodyCorruptedError, SphinxInputError, SphinxSizeError } from "./errors.js";
import type { SphinxGroup } from "./group.js";
import { checkVersion, createHeader } from "./header.js";
import type { HopInstruction } from "./hop.js";
import { checkSecret, generateKey } from "./keys.js";
import { checkRoute, encodeHops } from "./packet.js";
import { checkParams, headerSize, type SphinxParams } from "./params.js";

export type Surb = {
  /** Relay the reply packet is sent to first. */
  firstHop: `0x${string}`;
  /** Sphinx header for the reply route (its last hop delivers to the creator's mailbox). */
  header: Uint8Array;
  /** k̃: the replier encrypts the framed reply under HMAC("obol-surb-body", k̃). */
  key: Uint8Array;
};

/** What the SURB creator keeps to open the reply. Single use: forget it after `openReply`. */
export type SurbSecret = {
  key: Uint8Array;
  /** ss_i of the reply route, in route order. */
  secrets: Uint8Array[];
  /** Header MAC the final hop receives (its `peelPacket(…).mac`): lets a mailbox match replies to SURBs. */
  replyRef: Uint8Array;
};

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/**
 * Creates a SURB for a reply route whose secrets come from `deriveHopSecrets`.
 *
 * @param p.hops instructions of the reply route: forwards, then `deliver` to the creator's mailbox
 * @param p.firstHop address of the route's first relay
 * @param p.padKey optional pad key from `deriveHopSecrets`
 * @returns the SURB to hand out and the secret to keep
 * @example
 * const { surb, secret } = createSurb({ group, params, ...deriveHopSecrets(…), hops, firstHop });
 */
export function createSurb({
  group,
  params,
  ephemeralKey,
  secrets,
  hops,
  firstHop,
  padKey,
}: {
  group: SphinxGroup;
  params: SphinxParams;
  ephemeralKey: Uint8Array;
  secrets: readonly Uint8Array[];
  hops: readonly HopInstruction[];
  firstHop: `0x${string}`;
  padKey?: Uint8Array | undefined;
}): { surb: Surb; secret: SurbSecret } {
  checkParams(params);
  checkRoute(hops, params);
  if (hops[hops.length - 1]!.action !== "deliver")
    throw new SphinxInputError("hops", "the last hop of a SURB route must deliver to the creator's mailbox");
  if (typeof firstHop !== "string" || !ADDRESS_RE.test(firstHop))
    throw new SphinxInputError("firstHop", "must be a 20-byte 0x-prefixed hex address");
  const { header, macs } = createHeader({
    group,
    routingInfoSize: params.routingInfoSize,
    ephemeralKey,
    secrets,
    hopPayloads: encodeHops(hops, params),
    associatedData: OBOL_ASSOCIATED_DATA,
    padKey,
  });
  const key = primitives.randomBytes(SURB_KEY_SIZE);
  return {
    surb: { firstHop, header, key },
    secret: { key: key.slice(), secrets: secrets.map((s) => Uint8Array.from(s)), replyRef: macs[macs.length - 1]! },
  };
}

/** Bytes of an encoded SURB: 20 + 32 + headerSize. */
export function surbSize(group: SphinxGroup, params: SphinxParams): number {
  return ADDRESS_SIZE + SURB_KEY_SIZE + headerSize(group, params.routingInfoSize);
}

/**
 * Serialises a SURB: firstHop (20) ‖ key (32) ‖ header.
 *
 * @param surb the SURB from `createSurb`
 * @returns the encoding, `surbSize(group, params)` bytes
 * @example
 * const bytes = encodeSurb(surb); // put it inside a message
 */
export function encodeSurb(surb: Surb): Uint8Array {
  if (typeof surb?.firstHop !== "string" || !ADDRESS_RE.test(surb.firstHop))
    throw new SphinxInputError("surb.firstHop", "must be a 20-byte 0x-prefixed hex address");
  checkSecret("surb.key", surb.key);
  if (!(surb.header instanceof Uint8Array)) throw new SphinxInputError("surb.header", "must be a Uint8Array");
  const out = new Uint8Array(ADDRESS_SIZE + SURB_KEY_SIZE + surb.header.length);
  out.set(hexToBytes(surb.firstHop), 0);
  out.set(surb.key, ADDRESS_SIZE);
  out.set(surb.header, ADDRESS_SIZE + SURB_KEY_SIZE);
  return out;
}

/**
 * Parses an encoded SURB, checking its size, version and ephemeral key.
 *
 * @param p.bytes output of `encodeSurb`
 * @returns the SURB (fresh copies)
 * @throws SphinxSizeError, SphinxVersionError, SphinxPointError
 * @example
 * const surb = decodeSurb({ group, params, bytes });
 */
export function decodeSurb({
  group,
  params,
  bytes,
}: {
  group: SphinxGroup;
  params: SphinxParams;
  bytes: Uint8Array;
}): Surb {
  checkParams(params);
  if (!(bytes instanceof Uint8Array)) throw new SphinxInputError("bytes", "must be a Uint8Array");
  const expected = surbSize(group, params);
  if (bytes.length !== expected) throw new SphinxSizeError("SURB", expected, bytes.length);
  const header = bytes.slice(ADDRESS_SIZE + SURB_KEY_SIZE);
  checkVersion(header);
  group.checkElement(header.subarray(1, 1 + group.elementSize));
  return {
    firstHop: bytesToHex(bytes.subarray(0, ADDRESS_SIZE)),
    key: bytes.slice(ADDRESS_SIZE, ADDRESS_SIZE + SURB_KEY_SIZE),
    header,
  };
}

function surbBodyKey(key: Uint8Array): Uint8Array {
  return generateKey(LABELS.surbBody, key);
}

/**
 * Builds the reply packet a replier sends to `surb.firstHop`.
 *
 * @param p.message at most `maxMessageSize(params)` bytes
 * @returns header ‖ LIONESS(k̃, framed message): a packet of the network's packet size
 * @throws SphinxMessageTooLargeError naming the maximum
 * @example
 * send(surb.firstHop, packetFromSurb({ params, surb, message }));
 */
export function packetFromSurb({
  params,
  surb,
  message,
}: {
  params: SphinxParams;
  surb: Surb;
  message: Uint8Array;
}): Uint8Array {
  checkParams(params);
  checkSecret("surb.key", surb?.key);
  const header = surb.header;
  // header = version ‖ E ‖ routing ‖ MAC; E is 32 (X25519) or 33 (secp256k1) bytes.
  const elementSize = header instanceof Uint8Array ? header.length - 1 - params.routingInfoSize - HASH_SIZE : -1;
  if (elementSize !== 32 && elementSize !== 33)
    throw new SphinxInputError("surb.header", `does not match routingInfoSize ${params.routingInfoSize}`);
  checkVersion(header);
  const body = lionessEncrypt(surbBodyKey(surb.key), frameMessage(message, params.bodySize));
  const packet = new Uint8Array(header.length + params.bodySize);
  packet.set(header, 0);
  packet.set(body, header.length);
  return packet;
}

/**
 * Opens a reply delivered to the creator's mailbox: re-applies each hop's
 * LIONESS layer (last hop first), removes the SURB key's layer and checks the framing.
 *
 * @param p.secret what `createSurb` returned to the creator
 * @param p.body the final hop's peeled body (`peelPacket(…).body`), `params.bodySize` bytes
 * @returns the reply message
 * @throws SphinxBodyCorruptedError when the body was tampered with or belongs to another SURB
 * @example
 * const reply = openReply({ params, secret, body: delivered.body });
 */
export function openReply({
  params,
  secret,
  body,
}: {
  params: SphinxParams;
  secret: SurbSecret;
  body: Uint8Array;
}): Uint8Array {
  checkParams(params);
  if (!(body instanceof Uint8Array) || body.length !== params.bodySize)
    throw new SphinxSizeError("reply body", params.bodySize, body instanceof Uint8Array ? body.length : 0);
  checkSecret("secret.key", secret?.key);
  if (!Array.isArray(secret.secrets) || secret.secrets.length < 1)
    throw new SphinxInputError("secret.secrets", "must hold the reply route's secrets");
  secret.secrets.forEach((ss, i) => {
    checkSecret(`secret.secrets[${i}]`, ss);
  });
  let x = body;
  for (let i = secret.secrets.length - 1; i >= 0; i--) x = lionessEncrypt(bodyKey(secret.secrets[i]!), x);
  x = lionessDecrypt(surbBodyKey(secret.key), x);
  const framed = unframeMessage(x);
  if (typeof framed === "string") throw new SphinxBodyCorruptedError(framed);
  return framed;
}
