/**
 * Client side of the gateway inbox protocol `/obol/inbox/1` (docs/wire.md §4).
 *
 * A recipient keeps a secret 32-byte pull key; its public mailbox id (the one
 * in its address and in `deliver` hop payloads) is
 * `HMAC-SHA256(key = "obol-mailbox", msg = pullKey)`. Knowing an address
 * therefore lets you send to a mailbox but not empty it. A pull sends one
 * `inboxPull` frame and always receives exactly {@link INBOX_REPLY_FRAMES}
 * `inboxReply` frames, real messages first, then dummies, so the reply's size
 * does not reveal how many messages were waiting.
 */
import { primitives } from "#platform/crypto";
import type { Libp2p, PeerId } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import { InvalidInputError } from "../errors.js";
import { INBOX_PROTOCOL, INBOX_PULL_TIMEOUT_MS, INBOX_REPLY_FRAMES, MAILBOX_SIZE } from "./constants.js";
import { encodeFrame, FrameReader, type InboxReplyFrame, type WireLayout } from "./frame.js";
import { withDeadline } from "./deadline.js";
import { DialError, NetTimeoutError, StreamClosedError } from "./errors.js";

/** HMAC label deriving a mailbox id from its pull key. */
export const MAILBOX_LABEL = "obol-mailbox";

/**
 * Public mailbox id of a pull key.
 *
 * @param pullKey the recipient's secret 32-byte pull key
 * @returns the 32-byte mailbox id to publish in addresses
 * @example
 * const pullKey = randomBytes(32);
 * const mailbox = mailboxId(pullKey); // goes into the printable address
 */
export function mailboxId(pullKey: Uint8Array): Uint8Array {
  if (!(pullKey instanceof Uint8Array) || pullKey.length !== MAILBOX_SIZE)
    throw new InvalidInputError("pullKey", `must be ${MAILBOX_SIZE} bytes`);
  return primitives.hmacSha256(MAILBOX_LABEL, pullKey);
}

export type PullInboxParameters = {
  /** The gateway: a multiaddr (with `/p2p/…`) or a peer id already known to the node. */
  gateway: Multiaddr | PeerId;
  /** Secret pull key of the mailbox. */
  pullKey: Uint8Array;
  /** Sphinx body size of the network (the stored unit). */
  bodySize: number;
  signal?: AbortSignal;
  timeoutMs?: number;
};

export type PullInboxReturnType = {
  /** Stored Sphinx bodies as the gateway peeled them, oldest first (≤ 8 per pull). */
  bodies: Uint8Array[];
  /** Messages still waiting after this pull: pull again while > 0. */
  remaining: number;
};

/**
 * Pulls up to {@link INBOX_REPLY_FRAMES} messages from a gateway inbox.
 *
 * @param libp2p the client's node
 * @param parameters gateway, pullKey, bodySize, optional signal and timeout
 * @returns the bodies and how many remain
 * @throws DialError | NetTimeoutError | StreamClosedError | FrameError
 * @example
 * const { bodies, remaining } = await pullInbox(node, { gateway: multiaddr(ma), pullKey, bodySize: 2048 });
 */
export async function pullInbox(
  libp2p: Libp2p,
  { gateway, pullKey, bodySize, signal, timeoutMs = INBOX_PULL_TIMEOUT_MS }: PullInboxParameters,
): Promise<PullInboxReturnType> {
  if (!Number.isInteger(bodySize) || bodySize < 1)
    throw new InvalidInputError("bodySize", "must be a positive integer");
  const layout: WireLayout = { packetSize: 0, attachmentSize: 0, receiptSize: 0, bodySize };
  const request = encodeFrame({ type: "inboxPull", pullKey }, layout);
  const deadline = withDeadline(timeoutMs, signal);
  const budget = deadline.signal;
  let stream;
  try {
    stream = await libp2p.dialProtocol(gateway, INBOX_PROTOCOL, { signal: budget });
  } catch (cause) {
    deadline.dispose();
    if (budget.aborted) throw new NetTimeoutError("inbox dial", timeoutMs, cause);
    throw new DialError(String(gateway), cause);
  }
  const onAbort = () => stream.abort(new NetTimeoutError("inbox pull", timeoutMs));
  budget.addEventListener("abort", onAbort, { once: true });
  try {
    stream.send(request);
    await stream.close({ signal: budget });
    const reader = new FrameReader(layout, ["inboxReply"]);
    const replies: InboxReplyFrame[] = [];
    for await (const chunk of stream) {
      for (const frame of reader.push(chunk)) replies.push(frame as InboxReplyFrame);
      if (replies.length >= INBOX_REPLY_FRAMES) break;
    }
    if (budget.aborted) throw new NetTimeoutError("inbox pull", timeoutMs);
    if (replies.length !== INBOX_REPLY_FRAMES || reader.pending !== 0) throw new StreamClosedError("inbox pull");
    const real = replies.filter((r) => r.present);
    return { bodies: real.map((r) => r.body), remaining: replies.at(-1)!.remaining };
  } finally {
    budget.removeEventListener("abort", onAbort);
    deadline.dispose();
  }
}
