/**
 * Mix links: long-lived `/obol/mix/1` streams between two nodes. Packet
 * frames travel in the direction the stream was opened; receipt frames come
 * back on the same stream, so a receipt always reaches the hop that sent the
 * packet without a dial. Outbound links are reused per peer (one stream per
 * next hop, over libp2p's one connection per peer).
 */
import type { Connection, Libp2p, Stream } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { Logger } from "../log.js";
import { DIAL_TIMEOUT_MS, MIX_PROTOCOL, MIX_STREAM_IDLE_MS } from "../net/constants.js";
import { DialError, NetTimeoutError, StreamClosedError } from "../net/errors.js";
import { FrameReader, type Frame, type WireLayout } from "../net/frame.js";
import { reasonOf, type DropReason } from "./drops.js";

/** One end of a mix stream. */
export class MixLink {
  readonly stream: Stream;
  /** libp2p peer id string of the other end. */
  readonly peer: string;
  #writing: Promise<void> = Promise.resolve();

  constructor(stream: Stream, peer: string) {
    this.stream = stream;
    this.peer = peer;
  }

  get open(): boolean {
    return this.stream.status === "open" && this.stream.writeStatus === "writable";
  }

  /**
   * Writes one encoded frame, waiting for the stream to drain when its buffer
   * is full (frames of one link stay in order).
   *
   * @throws StreamClosedError | NetTimeoutError
   */
  send(frame: Uint8Array, timeoutMs = DIAL_TIMEOUT_MS): Promise<void> {
    const write = this.#writing.then(async () => {
      if (!this.open) throw new StreamClosedError("mix send");
      if (this.stream.writableNeedsDrain) {
        try {
          await this.stream.onDrain({ signal: AbortSignal.timeout(timeoutMs) });
        } catch (cause) {
          throw new NetTimeoutError("mix stream drain", timeoutMs, cause);
        }
      }
      this.stream.send(frame);
    });
    this.#writing = write.catch(() => {});
    return write;
  }

  /** Resolves once every frame queued so far has been handed to the stream. */
  flushed(): Promise<void> {
    return this.#writing;
  }
}

export type LinkPoolParameters = {
  libp2p: Libp2p;
  layout: WireLayout;
  /**
   * Every well-formed frame read from any link. When it returns a promise the
   * link stops reading until it resolves (backpressure on a fast sender).
   */
  onFrame: (frame: Frame, link: MixLink) => void | Promise<void>;
  /** A link sent garbage and was reset. */
  onBadInput: (reason: DropReason, peer: string, error: unknown) => void;
  log: Logger;
};

/**
 * The set of mix links of one node: inbound ones accepted by the protocol
 * handler and outbound ones opened on demand and reused.
 *
 * @example
 * const pool = new LinkPool({ libp2p, layout, onFrame, onBadInput, log });
 * await libp2p.handle(MIX_PROTOCOL, (stream, connection) => pool.accept(stream, connection));
 * const link = await pool.linkTo("/ip4/127.0.0.1/tcp/4001/p2p/12D3…");
 */
export class LinkPool {
  readonly #p: LinkPoolParameters;
  readonly #outbound = new Map<string, Promise<MixLink>>();
  readonly #all = new Set<MixLink>();

  constructor(parameters: LinkPoolParameters) {
    this.#p = parameters;
  }

  /** Adopts an inbound stream (call from the `/obol/mix/1` handler). */
  accept(stream: Stream, connection: Connection): void {
    this.#adopt(stream, connection.remotePeer.toString());
  }

  /**
   * The outbound link to the node at `address` (a multiaddr with `/p2p/`), opened if needed.
   *
   * @throws DialError | NetTimeoutError
   */
  linkTo(address: string, signal?: AbortSignal): Promise<MixLink> {
    const ma = multiaddr(address);
    const key = ma.getComponents().find((c) => c.name === "p2p")?.value ?? address;
    const existing = this.#outbound.get(key);
    if (existing) return existing.then((link) => (link.open ? link : this.#reopen(key, address, signal)));
    return this.#reopen(key, address, signal);
  }

  #reopen(key: string, address: string, signal?: AbortSignal): Promise<MixLink> {
    const opening = (async () => {
      const budget = AbortSignal.any([AbortSignal.timeout(DIAL_TIMEOUT_MS), ...(signal ? [signal] : [])]);
      let stream: Stream;
      try {
        stream = await this.#p.libp2p.dialProtocol(multiaddr(address), MIX_PROTOCOL, { signal: budget });
      } catch (cause) {
        if (budget.aborted) throw new NetTimeoutError(`dial ${address}`, DIAL_TIMEOUT_MS, cause);
        throw new DialError(address, cause);
      }
      const peer = key;
      return this.#adopt(stream, peer, () => {
        if (this.#outbound.get(key) === opening) this.#outbound.delete(key);
      });
    })();
    this.#outbound.set(key, opening);
    opening.catch(() => {
      if (this.#outbound.get(key) === opening) this.#outbound.delete(key);
    });
    return opening;
  }

  /** Reads frames from a stream until it ends or sends garbage. */
  #adopt(stream: Stream, peer: string, onClose?: () => void): MixLink {
    const link = new MixLink(stream, peer);
    this.#all.add(link);
    stream.inactivityTimeout = MIX_STREAM_IDLE_MS;
    const reader = new FrameReader(this.#p.layout, ["packet", "receipt"]);
    void (async () => {
      try {
        for await (const chunk of stream) {
          for (const frame of reader.push(chunk)) {
            const wait = this.#p.onFrame(frame, link);
            if (wait) await wait;
          }
        }
        if (reader.pending !== 0) this.#p.onBadInput("frame-truncated", peer, new StreamClosedError("mix frame"));
      } catch (error) {
        const reason = reasonOf(error);
        if (reason) {
          this.#p.onBadInput(reason, peer, error);
          stream.abort(error as Error); // frame boundaries are lost: reset the stream
        } else if (stream.status === "open") {
          this.#p.log.debug({ peer, err: error }, "mix stream ended with an error");
        }
      } finally {
        this.#all.delete(link);
        onClose?.();
        if (stream.writeStatus === "writable") await stream.close().catch(() => {});
      }
    })();
    return link;
  }

  /** Closes every link (writes in flight are flushed first). */
  async close(): Promise<void> {
    const links = [...this.#all];
    this.#outbound.clear();
    await Promise.all(
      links.map(async (link) => {
        try {
          await link.flushed();
          await link.stream.close({ signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
        } catch {
          link.stream.abort(new StreamClosedError("relay stop"));
        }
      }),
    );
  }
}
