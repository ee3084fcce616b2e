/**
 * Mix links: long-lived `/obol/mix/1` streams between two nodes. Packet
 * frames travel in the direction the stream was opened; receipt frames come
 * back on the same stream, so a receipt always reaches the hop that sent the
 * packet without a dial. Outbound links are reused per peer (one stream per
 * next hop, over libp2p's one connection per peer).
 *
 * Every link has its own bounded queue of frames to write (docs/relay.md
 * §Limits): a next hop that stops reading fills only its own queue, and a
 * frame's promise resolves only once the frame was handed to the connection.
 */
import type { Connection, Libp2p, Stream } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { Logger } from "../log.js";
import { FRAME_DEADLINE_MS, LINK_STALL_MS, MAX_MIX_STREAMS_PER_PEER, MAX_MIX_STREAMS_TOTAL } from "./budgets.js";
import { DIAL_TIMEOUT_MS, MAX_LINK_BACKLOG, MIX_PROTOCOL, MIX_STREAM_IDLE_MS } from "./constants.js";
import { withDeadline } from "./deadline.js";
import { DialError, FrameError, LinkFullError, NetTimeoutError, StreamClosedError } from "./errors.js";
import { FrameReader, type Frame, type WireLayout } from "./frame.js";
import { reasonOf, type DropReason } from "../relay/drops.js";

type Pending = { frame: Uint8Array; resolve: () => void; reject: (error: Error) => void };

/** One end of a mix stream. */
export class MixLink {
  readonly stream: Stream;
  /** libp2p peer id string of the other end. */
  readonly peer: string;
  readonly #queue: Pending[] = [];
  readonly #backlog: number;
  readonly #stallMs: number;
  #pumping: Promise<void> = Promise.resolve();
  #busy = false;

  constructor(stream: Stream, peer: string, { backlog = MAX_LINK_BACKLOG, stallMs = LINK_STALL_MS } = {}) {
    this.stream = stream;
    this.peer = peer;
    this.#backlog = backlog;
    this.#stallMs = stallMs;
  }

  get open(): boolean {
    return this.stream.status === "open" && this.stream.writeStatus === "writable";
  }

  /** Frames waiting to be written. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Queues one encoded frame (frames of one link stay in order).
   *
   * @returns a promise that resolves once the frame was handed to the connection
   * @throws LinkFullError at once when the link's queue is full;
   *   StreamClosedError | NetTimeoutError when the link closed or stalled first
   */
  send(frame: Uint8Array): Promise<void> {
    if (!this.open) return Promise.reject(new StreamClosedError("mix send"));
    if (this.#queue.length >= this.#backlog) return Promise.reject(new LinkFullError(this.peer, this.#backlog));
    const promise = new Promise<void>((resolve, reject) => this.#queue.push({ frame, resolve, reject }));
    if (!this.#busy) {
      this.#busy = true;
      this.#pumping = this.#pump().finally(() => (this.#busy = false));
    }
    return promise;
  }

  /** Resolves once every frame queued so far was written or failed. */
  flushed(): Promise<void> {
    return this.#pumping;
  }

  async #pump(): Promise<void> {
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      try {
        await this.#writable();
        this.stream.send(next.frame);
        await this.#writable(); // the frame is out of libp2p's stream buffer
      } catch (error) {
        // The link is closed or stalled: nothing queued can be written on it.
        if (error instanceof NetTimeoutError) this.stream.abort(error);
        for (const p of this.#queue.splice(0)) p.reject(error as Error);
        return;
      }
      this.#queue.shift();
      next.resolve();
    }
  }

  /**
   * Resolves when the stream holds no unsent bytes and needs no drain. Waits
   * on the stream's own events rather than `onDrain`, whose promise in
   * `@libp2p/utils` 7.4.1 resolves once and then stays resolved.
   */
  #writable(): Promise<void> {
    const stream = this.stream;
    const ready = () => !stream.writableNeedsDrain && stream.writeBufferLength === 0;
    if (!this.open) return Promise.reject(new StreamClosedError("mix send"));
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.open) finish(new StreamClosedError("mix send"));
        else if (ready()) finish();
      };
      // 'drain' lets libp2p send the buffer in a microtask; 'idle' says it is empty.
      const onDrain = () => queueMicrotask(check);
      const timer = setTimeout(() => finish(new NetTimeoutError("mix link write", this.#stallMs)), this.#stallMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        stream.removeEventListener("drain", onDrain);
        stream.removeEventListener("idle", check);
        stream.removeEventListener("close", check);
        if (error) reject(error);
        else resolve();
      };
      stream.addEventListener("drain", onDrain);
      stream.addEventListener("idle", check);
      stream.addEventListener("close", check);
    });
  }
}

export type LinkPoolParameters = {
  libp2p: Libp2p;
  layout: WireLayout;
  /**
   * Every well-formed frame read from any link. When it returns a promise the
   * link pauses (no yamux window updates) until it resolves, so a fast sender
   * is slowed by flow control instead of filling memory.
   */
  onFrame: (frame: Frame, link: MixLink) => void | Promise<void>;
  /** A link sent garbage, dripped a frame too slowly or exceeded a stream cap, and was reset. */
  onBadInput: (reason: DropReason, peer: string, error: unknown) => void;
  log: Logger;
  /** Tunables (tests); defaults from `src/net/budgets.ts`. */
  limits?: Partial<LinkLimits>;
};

export type LinkLimits = {
  frameDeadlineMs: number;
  streamsPerPeer: number;
  streamsTotal: number;
  backlog: number;
  stallMs: number;
};

/** The frame deadline or a stream cap was exceeded. */
class LinkLimitError extends FrameError {
  override name = "LinkLimitError";
}

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
  readonly #limits: LinkLimits;
  readonly #outbound = new Map<string, Promise<MixLink>>();
  readonly #all = new Set<MixLink>();
  /** Open inbound links per peer. */
  readonly #inbound = new Map<string, number>();
  #inboundTotal = 0;

  constructor(parameters: LinkPoolParameters) {
    this.#p = parameters;
    this.#limits = {
      frameDeadlineMs: FRAME_DEADLINE_MS,
      streamsPerPeer: MAX_MIX_STREAMS_PER_PEER,
      streamsTotal: MAX_MIX_STREAMS_TOTAL,
      backlog: MAX_LINK_BACKLOG,
      stallMs: LINK_STALL_MS,
      ...parameters.limits,
    };
  }

  /** Adopts an inbound stream (call from the `/obol/mix/1` handler); refuses it past a stream cap. */
  accept(stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString();
    const held = this.#inbound.get(peer) ?? 0;
    if (held >= this.#limits.streamsPerPeer || this.#inboundTotal >= this.#limits.streamsTotal) {
      const which =
        held >= this.#limits.streamsPerPeer
          ? `${this.#limits.streamsPerPeer} per peer`
          : `${this.#limits.streamsTotal} in total`;
      const error = new LinkLimitError("stream-limit", "Too many mix streams", { details: `at most ${which}` });
      this.#p.onBadInput("stream-limit", peer, error);
      stream.abort(error);
      return;
    }
    this.#inbound.set(peer, held + 1);
    this.#inboundTotal++;
    this.#adopt(stream, peer, () => {
      this.#inboundTotal--;
      const left = (this.#inbound.get(peer) ?? 1) - 1;
      if (left === 0) this.#inbound.delete(peer);
      else this.#inbound.set(peer, left);
    });
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
      const deadline = withDeadline(DIAL_TIMEOUT_MS, signal); // not AbortSignal.any: see deadline.ts
      const budget = deadline.signal;
      let stream: Stream;
      try {
        stream = await this.#p.libp2p.dialProtocol(multiaddr(address), MIX_PROTOCOL, { signal: budget });
      } catch (cause) {
        if (budget.aborted) throw new NetTimeoutError(`dial ${address}`, DIAL_TIMEOUT_MS, cause);
        throw new DialError(address, cause);
      } finally {
        deadline.dispose();
      }
      return this.#adopt(stream, key, () => {
        if (this.#outbound.get(key) === opening) this.#outbound.delete(key);
      });
    })();
    this.#outbound.set(key, opening);
    opening.catch(() => {
      if (this.#outbound.get(key) === opening) this.#outbound.delete(key);
    });
    return opening;
  }

  /** Reads frames from a stream until it ends, sends garbage or breaks a limit. */
  #adopt(stream: Stream, peer: string, onClose?: () => void): MixLink {
    const link = new MixLink(stream, peer, { backlog: this.#limits.backlog, stallMs: this.#limits.stallMs });
    this.#all.add(link);
    stream.inactivityTimeout = MIX_STREAM_IDLE_MS;
    const reader = new FrameReader(this.#p.layout, ["packet", "receipt"]);
    const deadlineMs = this.#limits.frameDeadlineMs;
    let deadline: NodeJS.Timeout | null = null;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      const reason = reasonOf(error);
      if (reason) this.#p.onBadInput(reason, peer, error);
      stream.abort(error); // frame boundaries are lost or a limit was broken: reset the stream
    };
    void (async () => {
      try {
        for await (const chunk of stream) {
          for (const frame of reader.push(chunk)) {
            const wait = this.#p.onFrame(frame, link);
            if (wait) {
              // Stop granting yamux window while busy: the sender blocks instead of us buffering.
              if (stream.readStatus === "readable") stream.pause();
              await wait;
              if (stream.readStatus === "paused") stream.resume();
            }
          }
          // A frame begun must complete in time, however slowly its bytes drip in.
          if (reader.pending === 0 && deadline) {
            clearTimeout(deadline);
            deadline = null;
          } else if (reader.pending > 0 && !deadline) {
            const expire = () => {
              // Our own backpressure (a paused stream) is not the peer's fault: wait again.
              if (stream.readStatus === "paused") deadline = setTimeout(expire, deadlineMs);
              else
                fail(
                  new LinkLimitError("frame-slow", "Frame not completed in time", {
                    details: `budget ${deadlineMs} ms`,
                  }),
                );
            };
            deadline = setTimeout(expire, deadlineMs);
          }
        }
        if (reader.pending !== 0) this.#p.onBadInput("frame-truncated", peer, new StreamClosedError("mix frame"));
      } catch (error) {
        if (reasonOf(error)) fail(error as Error);
        else if (stream.status === "open") this.#p.log.debug({ peer, err: error }, "mix stream ended with an error");
      } finally {
        if (deadline) clearTimeout(deadline);
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
