/**
 * Why the relay drops an input: the keys of `stats.dropped` and the `reason`
 * field of the "dropped" log line (docs/relay.md §Drop reasons). Every input
 * the relay does not forward, deliver or count as a returned loop is dropped
 * under exactly one of these.
 */
import {
  SphinxBodyCorruptedError,
  SphinxError,
  SphinxHopPayloadError,
  SphinxMacError,
  SphinxPointError,
  SphinxSizeError,
  SphinxVersionError,
} from "../crypto/sphinx/errors.js";
import { FrameError } from "../net/errors.js";

export const DropReason = {
  /** Frame header names an unknown version. */
  frameVersion: "frame-version",
  /** Frame type unknown or not allowed on this protocol. */
  frameType: "frame-type",
  /** A frame or field of the wrong length. */
  frameSize: "frame-size",
  /** Stream ended in the middle of a frame. */
  frameTruncated: "frame-truncated",
  /** Sphinx packet of the wrong size (should not pass framing). */
  packetSize: "packet-size",
  /** Unknown Sphinx version byte. */
  sphinxVersion: "sphinx-version",
  /** Ephemeral key invalid or of low order. */
  badPoint: "bad-point",
  /** Header MAC does not verify (tampered, or not for our key). */
  badHmac: "bad-hmac",
  /** Hop payload malformed. */
  badHop: "bad-hop",
  /** Final-hop body failed its integrity check. */
  corruptBody: "corrupt-body",
  /** Any other Sphinx failure. */
  sphinx: "sphinx-other",
  /** Replay tag seen before. */
  replay: "replay",
  /** Sender-chosen delay above the relay's cap. */
  delayTooLarge: "delay-too-large",
  /** Next hop is not in the current directory. */
  unknownNextHop: "unknown-next-hop",
  /** The accounting scheme refused the packet. */
  schemeRejected: "scheme-rejected",
  /** The accounting scheme threw (a bug in the scheme; logged at error level). */
  schemeError: "scheme-error",
  /** The durable commit failed. */
  commitFailed: "commit-failed",
  /** The mixing queue is at capacity. */
  queueFull: "queue-full",
  /** The recipient's mailbox is full. */
  inboxFull: "inbox-full",
  /** Dialing or writing to the next hop failed. */
  forwardFailed: "forward-failed",
  /** Receipt for a packet we did not forward (or forwarded too long ago). */
  receiptUnknown: "receipt-unknown",
  /** Input arrived while the relay was stopping. */
  stopping: "stopping",
  /** Not forwarded on purpose by fault injection (`faults.dropForward`, experiments only). */
  faultInjected: "fault-injected",
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/**
 * Maps an error thrown while decoding or peeling to its drop reason.
 *
 * @param error what `peelPacket`, `sharedSecret` or the frame decoder threw
 * @returns the reason, or null when the error is not an input error (a bug)
 */
export function reasonOf(error: unknown): DropReason | null {
  if (error instanceof FrameError) return error.reason as DropReason;
  if (error instanceof SphinxMacError) return DropReason.badHmac;
  if (error instanceof SphinxPointError) return DropReason.badPoint;
  if (error instanceof SphinxHopPayloadError) return DropReason.badHop;
  if (error instanceof SphinxBodyCorruptedError) return DropReason.corruptBody;
  if (error instanceof SphinxVersionError) return DropReason.sphinxVersion;
  if (error instanceof SphinxSizeError) return DropReason.packetSize;
  if (error instanceof SphinxError) return DropReason.sphinx;
  return null;
}

/** Counters a relay exposes (`relay.stats`). */
export type RelayStats = {
  /** Packet frames received. */
  received: number;
  /** Packets accepted (replay-checked, peeled, paid, committed). */
  accepted: number;
  forwarded: number;
  /** Bodies stored in this gateway's inboxes. */
  delivered: number;
  /** `drop` hops that ended here (client cover traffic). */
  dropHops: number;
  /** Loops that ended here, ours or others'. */
  loopsEnded: number;
  /** Our own cover loops sent and returned. */
  loopsSent: number;
  loopsReturned: number;
  receiptsSent: number;
  receiptsReceived: number;
  /** Inbox pulls served. */
  inboxPulls: number;
  dropped: Partial<Record<DropReason, number>>;
};

export function emptyStats(): RelayStats {
  return {
    received: 0,
    accepted: 0,
    forwarded: 0,
    delivered: 0,
    dropHops: 0,
    loopsEnded: 0,
    loopsSent: 0,
    loopsReturned: 0,
    receiptsSent: 0,
    receiptsReceived: 0,
    inboxPulls: 0,
    dropped: {},
  };
}
