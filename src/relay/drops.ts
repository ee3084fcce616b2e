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
import type { Logger } from "../log.js";
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
  /** A frame was not completed within the frame deadline (a drip); the stream was reset. */
  frameSlow: "frame-slow",
  /** A peer opened more mix streams than allowed (per peer or in total); the stream was reset. */
  streamLimit: "stream-limit",
  /** The sender already holds its fair share of the mixing queue (and of the packets being processed). */
  overShare: "over-share",
  /** The outbound link's queue to the next hop is full (it reads too slowly). */
  linkFull: "link-full",
  /** The peer exceeded its budget of refused frames; its connection was closed. */
  peerBanned: "peer-banned",
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

/** Drops logged one line each per window; the rest are counted into one summary line. */
export const DROP_LOG_LINES_PER_WINDOW = 20;
/** Length of a drop-logging window. */
export const DROP_LOG_WINDOW_MS = 10_000;

/**
 * Rate-limited drop logging (issue 18 finding 7): the first
 * {@link DROP_LOG_LINES_PER_WINDOW} drops of each {@link DROP_LOG_WINDOW_MS}
 * window are logged one warn line each ("dropped"); later ones only bump
 * counters, flushed as one "drops suppressed" line per window with counts per
 * reason and the peers that caused most. Log volume is thus bounded whatever
 * a peer sends; exact counts stay in `relay.stats.dropped`.
 *
 * @example
 * const drops = new DropLog(log);
 * drops.dropped("bad-hmac", peer, "MAC mismatch");
 */
export class DropLog {
  readonly #log: Logger;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #lines = 0;
  #suppressed = new Map<string, number>();
  #byPeer = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;

  constructor(log: Logger, now: () => number = () => performance.now()) {
    this.#log = log;
    this.#now = now;
  }

  dropped(reason: DropReason, peer: string, detail?: string): void {
    const now = this.#now();
    if (now - this.#windowStart >= DROP_LOG_WINDOW_MS) {
      this.flush();
      this.#windowStart = now;
      this.#lines = 0;
    }
    if (this.#lines < DROP_LOG_LINES_PER_WINDOW) {
      this.#lines++;
      this.#log.warn({ reason, peer, detail }, "dropped");
      return;
    }
    this.#suppressed.set(reason, (this.#suppressed.get(reason) ?? 0) + 1);
    if (this.#byPeer.size < 1_000 || this.#byPeer.has(peer)) this.#byPeer.set(peer, (this.#byPeer.get(peer) ?? 0) + 1);
    // The summary is written at the end of the window even if no drop follows.
    this.#timer ??= setTimeout(() => this.flush(), Math.max(0, this.#windowStart + DROP_LOG_WINDOW_MS - now)).unref();
  }

  /** Writes the summary of drops not logged one by one, if any. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#suppressed.size === 0) return;
    const top = [...this.#byPeer].sort((a, b) => b[1] - a[1]).slice(0, 5);
    this.#log.warn(
      {
        suppressed: Object.fromEntries(this.#suppressed),
        topPeers: Object.fromEntries(top),
        windowMs: DROP_LOG_WINDOW_MS,
      },
      "drops suppressed",
    );
    this.#suppressed = new Map();
    this.#byPeer = new Map();
  }
}
