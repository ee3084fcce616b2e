/**
 * Packet building on the client (DESIGN §3, §4): route → hop secrets
 * (`deriveHopSecrets`) → payment slots (`scheme.pay`) → hop instructions with
 * sender-chosen delays → `createPacket`; and SURBs for anonymous replies,
 * built and paid the same way. Layouts in docs/client.md §Packets.
 */
import { getAddress, type Address } from "viem";
import { deriveHopSecrets } from "../crypto/sphinx/header.js";
import { createPacket } from "../crypto/sphinx/packet.js";
import { maxMessageSize, packetSize, type SphinxParams, obolParams } from "../crypto/sphinx/params.js";
import {
  createSurb,
  decodeSurb,
  encodeSurb,
  packetFromSurb,
  surbSize,
  type SurbSecret,
} from "../crypto/sphinx/surb.js";
import { x25519Group, type SphinxGroup } from "../crypto/sphinx/group.js";
import type { HopInstruction } from "../crypto/sphinx/hop.js";
import type { AccountingScheme, ClientScheme, PacketKind, RouteHop } from "../schemes/scheme.js";
import { InvalidInputError } from "../errors.js";
import type { WireLayout } from "../net/frame.js";
import { sampleExponential, secureRandom, type RandomFloat } from "./loopix.js";
import { ENVELOPE_HEADER_SIZE } from "./envelope.js";
import { SEAL_OVERHEAD } from "./seal.js";
import { MessageTooLargeError, ReplyError, ReplyExpiredError } from "./errors.js";

/** What every participant of one network agrees on: group, Sphinx sizes, scheme sizes. */
export type Network = {
  group: SphinxGroup;
  params: SphinxParams;
  scheme: AccountingScheme;
  layout: WireLayout;
};

/**
 * The network parameters for a scheme: X25519, 5 hops, 2048-byte bodies, the scheme's slot.
 *
 * @example
 * const network = obolNetwork(await loadScheme("free"));
 */
export function obolNetwork(scheme: AccountingScheme, { group = x25519Group }: { group?: SphinxGroup } = {}): Network {
  const params = obolParams({ slotSize: scheme.slotSize });
  return {
    group,
    params,
    scheme,
    layout: {
      packetSize: packetSize(group, params),
      attachmentSize: scheme.attachmentSize,
      receiptSize: scheme.receiptSize,
      bodySize: params.bodySize,
    },
  };
}

/** The last hop's instruction, without delay and slot (they are filled in here). */
export type FinalAction = { action: "deliver"; mailbox: Uint8Array } | { action: "drop" } | { action: "loop" };

/**
 * Per-hop delays: Exp(μ) with mean `meanDelayMs` at the three mix layers,
 * none at gateways (docs/client.md §Loopix).
 *
 * @example
 * const delays = hopDelays(route, 200);
 */
export function hopDelays(
  route: readonly RouteHop[],
  meanDelayMs: number,
  random: RandomFloat = secureRandom,
): number[] {
  return route.map((hop) => (hop.layer >= 1 && hop.layer <= 3 ? sampleExponential(meanDelayMs, random) : 0));
}

type BuildCommon = {
  network: Network;
  payer: ClientScheme;
  route: readonly RouteHop[];
  epoch: bigint;
  kind: PacketKind;
  /** Delay per hop in ms (see `hopDelays`). */
  delays: readonly number[];
  signal?: AbortSignal | undefined;
};

/** Derives secrets, asks the scheme for slots, and assembles the hop instructions. */
async function paidHops({ network, payer, route, epoch, kind, delays, signal }: BuildCommon, final: FinalAction) {
  if (route.length < 1 || route.length > network.params.maxHops)
    throw new InvalidInputError("route", `must have 1..${network.params.maxHops} hops, got ${route.length}`);
  if (delays.length !== route.length)
    throw new InvalidInputError("delays", `must have one delay per hop (${route.length})`);
  const sessionKey = network.group.randomSecretKey();
  const keys = deriveHopSecrets({ group: network.group, sessionKey, publicKeys: route.map((h) => h.mixKey) });
  const payment = await payer.pay({ route, secrets: keys.secrets, epoch, kind, signal });
  if (payment.slots.length !== route.length)
    throw new InvalidInputError("scheme.pay slots", `one slot per hop expected, got ${payment.slots.length}`);
  if (payment.attachment.length !== network.scheme.attachmentSize)
    throw new InvalidInputError("scheme.pay attachment", `must be ${network.scheme.attachmentSize} bytes`);
  const hops: HopInstruction[] = route.map((_hop, i) => {
    const delayMs = delays[i]!;
    const slot = payment.slots[i]!;
    if (i < route.length - 1) return { action: "forward", next: route[i + 1]!.relay, delayMs, slot };
    return { ...final, delayMs, slot } as HopInstruction;
  });
  return { keys, hops, attachment: payment.attachment };
}

/**
 * Builds one paid packet.
 *
 * @param parameters.route stratified route (see `selectRoute`).
 * @param parameters.final what the last hop does: deliver to a mailbox, drop, or loop.
 * @param parameters.message body plaintext, at most `maxMessageSize(params)` bytes.
 * @returns the packet for the first hop, the scheme's attachment, and the hop secrets.
 * @example
 * const { packet, attachment } = await buildPacket({ network, payer, route, epoch, kind: "payload", delays, final, message });
 */
export async function buildPacket(
  parameters: BuildCommon & { final: FinalAction; message: Uint8Array },
): Promise<{ packet: Uint8Array; attachment: Uint8Array; secrets: Uint8Array[] }> {
  const { keys, hops, attachment } = await paidHops(parameters, parameters.final);
  const packet = createPacket({
    group: parameters.network.group,
    params: parameters.network.params,
    ...keys,
    hops,
    message: parameters.message,
  });
  return { packet, attachment, secrets: keys.secrets };
}

/** Bytes of the epoch at the start of a reply block (u64 big-endian). */
export const REPLY_EPOCH_SIZE = 8;

/**
 * A reply block: the epoch it was built (and paid) in, an encoded SURB, and
 * the scheme's reply attachment for its first hop (`pay({ kind: "reply" })`),
 * which names nobody; the replier's scheme completes it
 * (`ClientScheme.payReply`, e.g. channels: the replier signs the ticket on its
 * own channel) or sends it as it is. The epoch lets the replier refuse a
 * block whose payment has expired (`checkReplyEpoch`).
 *
 *   replyBlock = epoch u64 BE (8) ‖ encodeSurb(surb) ‖ attachment (attachmentSize)
 *
 * @param parameters.route reply route: the replier's gateway first, our gateway last.
 * @param parameters.mailbox our mailbox id (the last hop delivers there).
 * @returns the block to embed in a message and the secret to keep for `openReply`.
 * @example
 * const { block, secret } = await buildReplyBlock({ network, payer, route, epoch, kind: "reply", delays, mailbox });
 */
export async function buildReplyBlock(
  parameters: BuildCommon & { mailbox: Uint8Array },
): Promise<{ block: Uint8Array; secret: SurbSecret }> {
  // Always "reply": the scheme must make an attachment that does not name us (ClientScheme.pay).
  const { keys, hops, attachment } = await paidHops(
    { ...parameters, kind: "reply" },
    { action: "deliver", mailbox: parameters.mailbox },
  );
  const { surb, secret } = createSurb({
    group: parameters.network.group,
    params: parameters.network.params,
    ...keys,
    hops,
    firstHop: parameters.route[0]!.relay,
  });
  const encoded = encodeSurb(surb);
  const block = new Uint8Array(REPLY_EPOCH_SIZE + encoded.length + attachment.length);
  new DataView(block.buffer).setBigUint64(0, parameters.epoch);
  block.set(encoded, REPLY_EPOCH_SIZE);
  block.set(attachment, REPLY_EPOCH_SIZE + encoded.length);
  return { block, secret };
}

/** Bytes of a reply block in this network. */
export function replyBlockSize(network: Network): number {
  return REPLY_EPOCH_SIZE + surbSize(network.group, network.params) + network.scheme.attachmentSize;
}

/**
 * The epoch a reply block was built in (its first 8 bytes).
 *
 * @throws ReplyError when the block is too short to hold one
 */
export function replyBlockEpoch(block: Uint8Array): bigint {
  if (block.length < REPLY_EPOCH_SIZE) throw new ReplyError(`reply block is ${block.length} bytes, too short`);
  return new DataView(block.buffer, block.byteOffset, REPLY_EPOCH_SIZE).getBigUint64(0);
}

/**
 * Refuses a reply whose block's payment the hops no longer accept: under a
 * scheme with a `replyWindow` (tickets: 1), a block built in epoch b is
 * usable while the network is in epoch b + replyWindow at the latest.
 * Checked before the block is taken (single use) and before anything is sent.
 *
 * @param parameters.message how to name the message being answered in the error
 * @throws ReplyExpiredError naming the block's epoch and the current one
 * @example
 * checkReplyEpoch({ network, block, epoch: await epochSource(), message: "message 3fa2" });
 */
export function checkReplyEpoch({
  network,
  block,
  epoch,
  message,
}: {
  network: Network;
  block: Uint8Array;
  epoch: bigint;
  message: string;
}): void {
  const window = network.scheme.replyWindow;
  if (window === undefined) return;
  const blockEpoch = replyBlockEpoch(block);
  if (epoch > blockEpoch + window)
    throw new ReplyExpiredError(message, { blockEpoch, epoch, lastEpoch: blockEpoch + window });
}

/**
 * Turns a received reply block and a reply message into a packet.
 *
 * @returns the relay to send it to (the SURB's first hop), the packet, its attachment and the block's epoch.
 * @throws ReplyError when the block is malformed.
 * @example
 * const { firstHop, packet, attachment } = replyPacket({ network, block, message });
 */
export function replyPacket({
  network,
  block,
  message,
}: {
  network: Network;
  block: Uint8Array;
  message: Uint8Array;
}): {
  firstHop: Address;
  packet: Uint8Array;
  attachment: Uint8Array;
  epoch: bigint;
} {
  if (block.length !== replyBlockSize(network))
    throw new ReplyError(`reply block is ${block.length} bytes, expected ${replyBlockSize(network)}`, {
      hint: "the message was sent from a network with other parameters (scheme) than this one",
    });
  const split = block.length - network.scheme.attachmentSize;
  let surb;
  try {
    surb = decodeSurb({ group: network.group, params: network.params, bytes: block.subarray(REPLY_EPOCH_SIZE, split) });
  } catch (cause) {
    throw new ReplyError("malformed SURB", { cause });
  }
  const packet = packetFromSurb({ params: network.params, surb, message });
  return { firstHop: getAddress(surb.firstHop), packet, attachment: block.slice(split), epoch: replyBlockEpoch(block) };
}

/**
 * Largest content of a sealed message with (or without) a reply block.
 *
 * @example
 * maxContentSize(network, { withReply: true }); // 1487 with the free scheme
 */
export function maxContentSize(network: Network, { withReply }: { withReply: boolean }): number {
  return (
    maxMessageSize(network.params) - SEAL_OVERHEAD - ENVELOPE_HEADER_SIZE - (withReply ? replyBlockSize(network) : 0)
  );
}

/** Throws MessageTooLargeError when `content` does not fit. */
export function checkContentSize(network: Network, content: Uint8Array, withReply: boolean): void {
  const max = maxContentSize(network, { withReply });
  if (content.length > max) throw new MessageTooLargeError(content.length, max);
}

/**
 * Serialises a SURB secret for the client store:
 * key (32) ‖ replyRef (32) ‖ n (u8) ‖ ss_0 … ss_{n−1} (32 each).
 */
export function encodeSurbSecret(secret: SurbSecret): Uint8Array {
  const n = secret.secrets.length;
  const out = new Uint8Array(65 + 32 * n);
  out.set(secret.key, 0);
  out.set(secret.replyRef, 32);
  out[64] = n;
  secret.secrets.forEach((ss, i) => {
    out.set(ss, 65 + 32 * i);
  });
  return out;
}

/** Inverse of `encodeSurbSecret`; throws ReplyError on a malformed record. */
export function decodeSurbSecret(bytes: Uint8Array): SurbSecret {
  const n = bytes[64] ?? -1;
  if (bytes.length < 65 || n < 1 || bytes.length !== 65 + 32 * n)
    throw new ReplyError("stored SURB secret is malformed");
  return {
    key: bytes.slice(0, 32),
    replyRef: bytes.slice(32, 64),
    secrets: Array.from({ length: n }, (_, i) => bytes.slice(65 + 32 * i, 97 + 32 * i)),
  };
}
