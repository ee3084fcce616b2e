/**
 * Reading what a gateway inbox returns (docs/client.md §Receiving). A stored
 * body is either a forward message (its framing checks out: the sealed
 * envelope) or a SURB reply (opaque until the SURB's secret opens it).
 */
import { unframeMessage } from "../crypto/sphinx/body.js";
import { openReply, type SurbSecret } from "../crypto/sphinx/surb.js";
import { decodeEnvelope, type Envelope } from "./envelope.js";
import { openSealed } from "./seal.js";
import { decodeSurbSecret, type Network } from "./packet.js";
import type { ClientStore } from "./store.js";

export type Received =
  | { kind: "message"; envelope: Extract<Envelope, { type: "message" }> }
  | { kind: "reply"; envelope: Extract<Envelope, { type: "reply" }>; surbId: Uint8Array }
  /** Nothing we can read: tampered, sealed to someone else, or a reply to a SURB we no longer hold. */
  | { kind: "unreadable"; reason: string };

/**
 * Decodes one delivered body.
 *
 * @param parameters.body the stored Sphinx body (`params.bodySize` bytes).
 * @param parameters.secretKey our sealing secret key.
 * @param parameters.surbs open SURB secrets, keyed by the message id they were sent with.
 * @returns a message, a reply (with the id of the SURB that opened it), or why it is unreadable.
 * @example
 * for (const body of bodies) handle(decodeDelivered({ network, body, secretKey, surbs }));
 */
export function decodeDelivered({
  network,
  body,
  secretKey,
  surbs,
}: {
  network: Network;
  body: Uint8Array;
  secretKey: Uint8Array;
  surbs: readonly { id: Uint8Array; secret: SurbSecret }[];
}): Received {
  const framed = unframeMessage(body);
  if (framed instanceof Uint8Array) {
    try {
      const envelope = decodeEnvelope(openSealed({ sealed: framed, secretKey }));
      if (envelope.type !== "message") return { kind: "unreadable", reason: "a sealed envelope must be a message" };
      return { kind: "message", envelope };
    } catch (error) {
      return { kind: "unreadable", reason: (error as Error).message.split("\n")[0]! };
    }
  }
  // Not a forward message: try each SURB we handed out (single use, few open at a time).
  for (const { id, secret } of surbs) {
    let plain: Uint8Array;
    try {
      plain = openReply({ params: network.params, secret, body });
    } catch {
      continue;
    }
    try {
      const envelope = decodeEnvelope(plain);
      if (envelope.type !== "reply") return { kind: "unreadable", reason: "a SURB reply must be a reply envelope" };
      return { kind: "reply", envelope, surbId: id };
    } catch (error) {
      return { kind: "unreadable", reason: (error as Error).message.split("\n")[0]! };
    }
  }
  return { kind: "unreadable", reason: "no open SURB opens this body" };
}

/** A message or reply read from the mailbox. */
export type InboxMessage =
  | { kind: "message"; id: Uint8Array; content: Uint8Array; canReply: boolean; receivedAt: number }
  /** `id` is the id of our message this answers. */
  | { kind: "reply"; id: Uint8Array; content: Uint8Array; receivedAt: number };

/**
 * Decodes pulled bodies and stores what is new: messages (with their reply
 * blocks) and replies (closing the SURB that opened them).
 *
 * @returns the new messages and replies, and how many bodies were unreadable.
 * @example
 * const { messages } = absorbDelivered({ network, state, bodies, secretKey });
 */
export function absorbDelivered({
  network,
  state,
  bodies,
  secretKey,
}: {
  network: Network;
  state: ClientStore;
  bodies: readonly Uint8Array[];
  secretKey: Uint8Array;
}): { messages: InboxMessage[]; unreadable: number } {
  const messages: InboxMessage[] = [];
  let unreadable = 0;
  if (bodies.length === 0) return { messages, unreadable };
  const surbs = state.openSurbs().map((s) => ({ id: s.id, secret: decodeSurbSecret(s.secret) }));
  for (const body of bodies) {
    const got = decodeDelivered({ network, body, secretKey, surbs });
    const receivedAt = Date.now();
    if (got.kind === "unreadable") unreadable++;
    else if (got.kind === "message") {
      const { id, content, surb } = got.envelope;
      if (state.saveReceived({ id, kind: "message", content, surb, receivedAt }))
        messages.push({ kind: "message", id, content, canReply: surb !== null, receivedAt });
    } else {
      const { id, content } = got.envelope;
      state.markSurbUsed(got.surbId);
      if (state.saveReceived({ id, kind: "reply", content, surb: null, receivedAt }))
        messages.push({ kind: "reply", id, content, receivedAt });
    }
  }
  return { messages, unreadable };
}
