/**
 * The Obol relay service (DESIGN §4; docs/relay.md): accepts packet frames on
 * `/obol/mix/1`, runs them through the pipeline (`pipeline.ts`), holds them in
 * the Poisson mixing queue, forwards them to the next relay over reused
 * links, sends a receipt back to the previous hop, hands receipts from the
 * next hop to the scheme, stores `deliver` bodies in its inbox (gateways,
 * served on `/obol/inbox/1`) and sends its own cover loops.
 */
import { peerIdFromString } from "@libp2p/peer-id";
import { getAddress } from "viem";
import type { DirectoryEntry, DirectorySnapshot } from "../chain/types.js";
import { x25519Group } from "../crypto/sphinx/group.js";
import { headerMac, packetSize } from "../crypto/sphinx/params.js";
import { forComponent, type Logger } from "../log.js";
import {
  BAN_MS,
  MAX_MIX_STREAMS_PER_CONNECTION,
  REFUSED_FRAMES_BUDGET,
  REFUSED_FRAMES_WINDOW_MS,
} from "../net/budgets.js";
import { MIX_PROTOCOL } from "../net/constants.js";
import { LinkFullError } from "../net/errors.js";
import { guardOf } from "../net/node.js";
import { encodeFrame, type Frame, type WireLayout } from "../net/frame.js";
import { GroupCommitter } from "../store/commit.js";
import { InboxStore } from "../store/inbox.js";
import { ReplayStore } from "../store/replay.js";
import { buildLoopPacket, loopRoute, PoissonTimer } from "./cover.js";
import { FairShare, RefusalBudget } from "./admission.js";
import { DelayQueue } from "./delay-queue.js";
import { DropLog, DropReason, emptyStats, type RelayStats } from "./drops.js";
import { RelayConfigError } from "./errors.js";
import { handleInbox } from "./inbox-service.js";
import { LinkPool, type MixLink } from "../net/links.js";
import { RELAY_REFRESH_MS, type RelayComponents, type RelayInit } from "./config.js";
import type { ClientScheme, RelayScheme, SchemeDeps } from "../schemes/scheme.js";
import { processPacket, type PipelineOutcome, type PipelineParameters } from "./pipeline.js";
import { InFlight, RecentMap } from "./tracking.js";
import { sleep } from "../sleep.js";

export type { DirectorySource, EpochSource, RelayComponents, RelayInit } from "./config.js";

/** Receipts expected back are remembered this long (then a late receipt is "unknown"). */
const RECEIPT_WINDOW_MS = 120_000;
/** Expired inbox messages are deleted at least this often (and on every pull). */
const INBOX_PURGE_MS = 60_000;
/** Attempts to hand a packet to the next hop before it counts as `forward-failed`. */
const FORWARD_ATTEMPTS = 2;
/** Pause before the retry, so a peer that refused a burst of dials (rate limit) can accept again. */
const FORWARD_RETRY_DELAY_MS = 250;
/** Packets being peeled/committed at once before links stop reading (backpressure). */
const MAX_IN_FLIGHT = 2_048;
/** Default mixing queue capacity (packets over all senders). */
const QUEUE_CAPACITY = 50_000;
/** Slots of the mixing queue any one sender may always hold (see FairShare). */
const MIN_FAIR_SHARE = 64;

/** Drops that mean the peer sent something it should not have: they count against its refusal budget. */
const REFUSALS = new Set<DropReason>([
  DropReason.frameVersion,
  DropReason.frameType,
  DropReason.frameSize,
  DropReason.frameTruncated,
  DropReason.frameSlow,
  DropReason.streamLimit,
  DropReason.packetSize,
  DropReason.sphinxVersion,
  DropReason.badPoint,
  DropReason.badHmac,
  DropReason.badHop,
  DropReason.corruptBody,
  DropReason.sphinx,
  DropReason.replay,
  DropReason.delayTooLarge,
  DropReason.schemeRejected,
]);

/** A forward packet in the mixing queue, with the sender whose fair share it counts against. */
type Queued = Extract<PipelineOutcome, { kind: "forward" }> & { from: string };

/**
 * A relay bound to a libp2p node. Create with {@link createRelay}, then `start()`.
 *
 * @example
 * const relay = createRelay({ libp2p, db, log, chain, scheme: free, directory: () => snapshot, epoch: () => 1n },
 *   { address, role: "mix", mixSecretKey, params });
 * await relay.start();
 * // … relay.stats.forwarded …
 * await relay.stop();
 */
export class Relay {
  readonly stats: RelayStats = emptyStats();
  readonly layout: WireLayout;
  readonly #p: RelayInit;
  readonly #c: RelayComponents;
  /** `scheme.relay(…)` of the components' scheme. */
  readonly #scheme: RelayScheme;
  /** Pays for this relay's cover loops (`scheme.client(…)`); null when cover is off. */
  readonly #payer: ClientScheme | null;
  readonly #log: Logger;
  readonly #committer: GroupCommitter;
  readonly #replay: ReplayStore;
  readonly #inbox: InboxStore | null;
  readonly #queue: DelayQueue<Queued>;
  /** Slots per sender: held from frame read until the packet leaves the queue (or is done). */
  readonly #share: FairShare;
  /** Forwards being written: not counted against MAX_IN_FLIGHT, so a slow next hop never stops reading. */
  readonly #sending = new InFlight(Infinity);
  readonly #dropLog: DropLog;
  readonly #refusals = new RefusalBudget({ budget: REFUSED_FRAMES_BUDGET, windowMs: REFUSED_FRAMES_WINDOW_MS });
  readonly #pool: LinkPool;
  readonly #pipeline: PipelineParameters;
  readonly #inFlight = new InFlight(MAX_IN_FLIGHT);
  /**
   * Outgoing header MAC → the peer we sent it to and the packet's incoming
   * header MAC (the `packetRef` the scheme saw in `onPacket`), until its receipt comes back.
   */
  readonly #awaitingReceipt = new RecentMap<{ peer: string; ref: Uint8Array }>({
    ttlMs: RECEIPT_WINDOW_MS,
    maxSize: 1_000_000,
  });
  /** Replay tags our own cover loops will have when they return. */
  readonly #ownLoops = new RecentMap<true>({ ttlMs: RECEIPT_WINDOW_MS, maxSize: 10_000 });
  #byAddress = new Map<string, DirectoryEntry>();
  #snapshot: DirectorySnapshot = { epoch: 0n, entries: [] };
  #epoch = 0n;
  #epochKnown = false;
  /** The epoch the scheme was last told of (`onEpoch`, once the directory of that epoch was read). */
  #schemeEpoch: bigint | null = null;
  #running = false;
  /** Set once links are closed: late receipts can no longer be matched or stored. */
  #closed = false;
  #refreshTimer: NodeJS.Timeout | null = null;
  #cover: PoissonTimer | null = null;
  #unhandleInbox: (() => Promise<void>) | null = null;
  #inboxPurgedAt = 0;

  constructor(c: RelayComponents, p: RelayInit) {
    const group = p.group ?? x25519Group;
    const { scheme } = c;
    if (!(p.mixSecretKey instanceof Uint8Array) || p.mixSecretKey.length !== group.scalarSize)
      throw new RelayConfigError("mixSecretKey", `must be ${group.scalarSize} bytes`);
    if (p.params.slotSize !== scheme.slotSize)
      throw new RelayConfigError(
        "params.slotSize",
        `is ${p.params.slotSize}, scheme ${scheme.name} needs ${scheme.slotSize}`,
      );
    this.#p = p;
    this.#c = c;
    const deps: SchemeDeps = { chain: c.chain, db: c.db, log: c.log, libp2p: c.libp2p };
    this.#scheme = scheme.relay({ ...deps, relay: p.address });
    this.#payer = p.cover && p.cover.ratePerSecond > 0 ? scheme.client(deps) : null;
    this.#log = forComponent(c.log, "obol:relay");
    this.layout = {
      packetSize: packetSize(group, p.params),
      attachmentSize: scheme.attachmentSize,
      receiptSize: scheme.receiptSize,
      bodySize: p.params.bodySize,
    };
    this.#committer = new GroupCommitter({ db: c.db });
    this.#replay = new ReplayStore(c.db);
    this.#inbox =
      p.role === "gateway" ? new InboxStore(c.db, p.inbox ?? { ttlMs: 24 * 3_600_000, maxPerMailbox: 256 }) : null;
    const capacity = p.queueCapacity ?? QUEUE_CAPACITY;
    this.#share = new FairShare({ capacity, minShare: MIN_FAIR_SHARE });
    this.#queue = new DelayQueue({ capacity, onDue: (item) => this.#leave(item) });
    this.#dropLog = new DropLog(this.#log);
    this.#pool = new LinkPool({
      libp2p: c.libp2p,
      layout: this.layout,
      log: this.#log,
      onFrame: (frame, link) => this.#onFrame(frame, link),
      onBadInput: (reason, peer, error) => this.#drop(reason, peer, (error as Error)?.message),
    });
    this.#pipeline = {
      group,
      params: p.params,
      secretKey: p.mixSecretKey,
      ...(p.mixKeys ? { mixKeys: p.mixKeys } : {}),
      scheme: this.#scheme,
      replay: this.#replay,
      committer: this.#committer,
      inbox: this.#inbox,
      maxDelayMs: p.maxDelayMs ?? 60_000,
      knowsRelay: (address) => this.#byAddress.has(address.toLowerCase()),
      log: this.#log,
    };
  }

  /** The replay store (`launch.ts` hands it to the mix-key rotator, which prunes retired epochs). */
  get replay(): ReplayStore {
    return this.#replay;
  }

  /** Packets waiting in the mixing queue. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Registers the protocol handlers and starts the scheme, refresh and cover timers. */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.#scheme.start();
    this.#running = true;
    this.#closed = false;
    try {
      await this.#refresh();
      await this.#c.libp2p.handle(MIX_PROTOCOL, (stream, connection) => this.#pool.accept(stream, connection), {
        maxInboundStreams: MAX_MIX_STREAMS_PER_CONNECTION,
      });
      if (this.#inbox)
        this.#unhandleInbox = await handleInbox(this.#c.libp2p, {
          inbox: this.#inbox,
          committer: this.#committer,
          layout: this.layout,
          log: this.#log,
          onDrop: (reason, peer, detail) => this.#drop(reason, peer, detail),
          onServed: () => this.stats.inboxPulls++,
        });
      this.#refreshTimer = setInterval(
        () => void this.#refresh().catch((err) => this.#log.warn({ err }, "refresh failed")),
        this.#p.refreshMs ?? RELAY_REFRESH_MS,
      );
      const cover = this.#p.cover;
      const payer = this.#payer;
      if (cover && payer) {
        this.#cover = new PoissonTimer(cover.ratePerSecond, () =>
          this.#inFlight.track(
            this.#sendLoop(cover, payer).catch((err) => this.#log.warn({ err }, "cover loop not sent")),
          ),
        );
        this.#cover.start();
      }
    } catch (error) {
      await this.stop(); // undo whatever was started: no timers or handlers left behind
      throw error;
    }
    this.#log.info({ address: this.#p.address, role: this.#p.role, layout: this.layout }, "relay started");
  }

  /**
   * Stops taking input, finishes packets being processed, sends every packet
   * still in the mixing queue at once (drain), closes links and stops the scheme.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#refreshTimer) clearInterval(this.#refreshTimer);
    this.#cover?.stop();
    await this.#c.libp2p.unhandle(MIX_PROTOCOL).catch(() => {});
    await this.#unhandleInbox?.().catch(() => {});
    await this.#inFlight.settled();
    await this.#committer.idle();
    for (const item of this.#queue.takeAll()) this.#leave(item);
    await this.#inFlight.settled();
    await this.#sending.settled();
    await this.#pool.close();
    // Receipts for the drained packets were accepted until here; after this the scheme and store close.
    this.#closed = true;
    await this.#inFlight.settled();
    this.#dropLog.flush();
    await this.#scheme.stop();
    this.#log.info({ stats: this.stats }, "relay stopped");
  }

  #drop(reason: DropReason, peer: string, detail?: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
    this.#dropLog.dropped(reason, peer, detail);
    if (REFUSALS.has(reason) && this.#refusals.refuse(peer)) this.#cutOff(peer);
  }

  /** A peer past its refusal budget: banned for a while (unless a directory relay) and disconnected. */
  #cutOff(peer: string): void {
    const guard = guardOf(this.#c.libp2p);
    if (guard?.isAllowed(peer)) return;
    guard?.ban(peer, BAN_MS);
    this.#drop(
      DropReason.peerBanned,
      peer,
      `over ${REFUSED_FRAMES_BUDGET} refused frames in ${REFUSED_FRAMES_WINDOW_MS} ms`,
    );
    let id;
    try {
      id = peerIdFromString(peer);
    } catch {
      return; // not a peer id (cannot happen for inbound input)
    }
    void this.#c.libp2p.hangUp(id).catch((err) => this.#log.debug({ err, peer }, "hang up failed"));
  }

  async #refresh(): Promise<void> {
    // The epoch is taken as soon as it is read, not after the directory: packets are filed under this relay's
    // epoch (a scheme's replay tags), and on a new epoch the directory read opens it in the registry (a
    // transaction and its receipt) and reads the directory, seconds on a loaded chain. Waiting for that put the
    // relay past `relayEpochLagMs`, so loops sent after the auditors' guard were filed under the previous epoch.
    const directory = Promise.resolve(this.#c.directory());
    directory.catch(() => {}); // awaited below unless the epoch read fails first
    const epoch = await this.#c.epoch();
    if (!this.#epochKnown || epoch !== this.#epoch) {
      this.#epoch = epoch;
      this.#epochKnown = true;
    }
    const snapshot = await directory;
    if (snapshot !== this.#snapshot) {
      this.#snapshot = snapshot;
      this.#byAddress = new Map(snapshot.entries.map((e) => [e.relay.toLowerCase(), e]));
      // Relays of the directory are admitted past every connection budget.
      guardOf(this.#c.libp2p)?.allow(snapshot.entries.flatMap((e) => peerOf(e.multiaddr) ?? []));
    }
    // Each epoch read is announced once, in order (a refresh that read an older epoch than one announced is late).
    if (this.#schemeEpoch === null || epoch > this.#schemeEpoch) {
      this.#schemeEpoch = epoch;
      // Not inside the group commit: a scheme may send transactions here and must not stall packets.
      await this.#scheme.onEpoch(epoch);
    }
    this.#awaitingReceipt.prune();
    this.#refusals.prune();
    this.#ownLoops.prune();
    if (this.#inbox && performance.now() - this.#inboxPurgedAt > INBOX_PURGE_MS) {
      this.#inboxPurgedAt = performance.now();
      const inbox = this.#inbox;
      await this.#committer.run(() => inbox.expire());
    }
  }

  #onFrame(frame: Frame, link: MixLink): Promise<void> | undefined {
    if (frame.type === "packet") {
      this.stats.received++;
      if (!this.#running) return void this.#drop(DropReason.stopping, link.peer);
      const slot = this.#share.reserve(link.peer);
      if (slot !== "ok")
        return void this.#drop(slot === "full" ? DropReason.queueFull : DropReason.overShare, link.peer);
      this.#inFlight.track(this.#onPacket(frame.packet, frame.attachment, link));
    } else if (frame.type === "receipt") {
      if (this.#closed) return void this.#drop(DropReason.stopping, link.peer);
      this.#inFlight.track(this.#onReceipt(frame.packetRef, frame.receipt, link.peer));
    }
    return this.#inFlight.admit();
  }

  async #onPacket(packet: Uint8Array, attachment: Uint8Array, link: MixLink): Promise<void> {
    let outcome: PipelineOutcome;
    const started = performance.now();
    try {
      outcome = await processPacket(this.#pipeline, { packet, attachment, fromPeer: link.peer, epoch: this.#epoch });
      this.#p.onProcessed?.(performance.now() - started);
    } catch (error) {
      this.#share.release(link.peer);
      this.#log.error({ err: error, peer: link.peer }, "pipeline bug; packet dropped");
      return this.#drop(DropReason.sphinx, link.peer, (error as Error).message);
    }
    // The slot stays held only by a packet that waits in the queue.
    if (outcome.kind !== "forward") this.#share.release(link.peer);
    if (outcome.kind === "drop") return this.#drop(outcome.reason, link.peer, outcome.detail);
    if (outcome.kind === "forward" && !this.#queue.push({ ...outcome, from: link.peer }, outcome.delayMs)) {
      this.#share.release(link.peer); // cannot happen while the share's capacity is the queue's
      return this.#drop(DropReason.queueFull, link.peer);
    }
    // Only now, with the packet queued (or final), is it acknowledged.
    this.stats.accepted++;
    link
      .send(encodeFrame({ type: "receipt", ...outcome.receipt }, this.layout))
      .then(() => this.stats.receiptsSent++)
      .catch((err) => this.#log.debug({ err, peer: link.peer }, "receipt not sent"));
    switch (outcome.kind) {
      case "forward":
        // A mix's own loop passes through it at its layer (cover.ts): that is its return.
        if (this.#ownLoops.take(outcome.replayTag)) this.stats.loopsReturned++;
        return;
      case "deliver":
        this.stats.delivered++;
        return;
      case "drop-hop":
        this.stats.dropHops++;
        return;
      case "loop": {
        this.stats.loopsEnded++;
        if (this.#ownLoops.take(outcome.replayTag)) this.stats.loopsReturned++;
        return;
      }
    }
  }

  /** A packet leaves the mixing queue: its sender's slot is free again, and it is forwarded. */
  #leave(item: Queued): void {
    this.#share.release(item.from);
    this.#sending.track(this.#forward(item));
  }

  async #forward(item: Extract<PipelineOutcome, { kind: "forward" }>): Promise<void> {
    const faults = this.#p.faults;
    if (faults && faults.random() < faults.dropForward) return this.#drop(DropReason.faultInjected, item.next);
    const entry = this.#byAddress.get(item.next.toLowerCase());
    if (!entry) return this.#drop(DropReason.unknownNextHop, item.next);
    let attachment = item.attachment;
    if (item.onward) {
      // The scheme's onward payment is made now, in output order (PacketVerdict.onward).
      const onward = item.onward;
      try {
        attachment = await this.#committer.run(() => onward());
      } catch (error) {
        return this.#drop(DropReason.schemeRejected, item.next, (error as Error).message);
      }
    }
    const frame = encodeFrame({ type: "packet", packet: item.packet, attachment }, this.layout);
    // One retry: a reused link can die between two packets (peer restart, idle reset);
    // a failed send never reached the stream, so a second attempt cannot duplicate it.
    for (let attempt = 1; ; attempt++) {
      try {
        const link = await this.#pool.linkTo(entry.multiaddr);
        this.#awaitingReceipt.set(item.nextRef, { peer: link.peer, ref: item.receipt.packetRef });
        await link.send(frame); // resolves once the frame was handed to the connection
        this.stats.forwarded++;
        return;
      } catch (error) {
        if (error instanceof LinkFullError) return this.#drop(DropReason.linkFull, entry.multiaddr);
        if (attempt < FORWARD_ATTEMPTS) {
          await sleep(FORWARD_RETRY_DELAY_MS);
          continue;
        }
        return this.#drop(DropReason.forwardFailed, entry.multiaddr, (error as Error).message);
      }
    }
  }

  async #onReceipt(packetRef: Uint8Array, receipt: Uint8Array, peer: string): Promise<void> {
    const expected = this.#awaitingReceipt.take(packetRef);
    if (expected?.peer !== peer) return this.#drop(DropReason.receiptUnknown, peer);
    this.stats.receiptsReceived++;
    try {
      // The scheme gets the packet's ref as it saw it in onPacket, so it can match its own records.
      const ref = expected.ref;
      await this.#committer.run(() => this.#scheme.onReceipt({ packetRef: ref, receipt, fromPeer: peer }));
    } catch (error) {
      this.#log.error({ err: error, peer }, "scheme.onReceipt failed");
    }
  }

  async #sendLoop(cover: NonNullable<RelayInit["cover"]>, payer: ClientScheme): Promise<void> {
    const route = loopRoute(this.#snapshot, getAddress(this.#p.address));
    if (!route) return void this.#log.debug("no loop route in the current directory");
    const loop = await buildLoopPacket({
      group: this.#pipeline.group,
      params: this.#p.params,
      route,
      payer,
      epoch: this.#epoch,
      meanDelayMs: cover.meanDelayMs,
      self: getAddress(this.#p.address),
    });
    this.#ownLoops.set(loop.returnTag, true);
    const link = await this.#pool.linkTo(loop.firstHop.multiaddr);
    const mac = headerMac(loop.packet, this.#pipeline.group, this.#pipeline.params.routingInfoSize);
    this.#awaitingReceipt.set(mac, { peer: link.peer, ref: mac }); // our own packet: no incoming ref
    await link.send(encodeFrame({ type: "packet", packet: loop.packet, attachment: loop.attachment }, this.layout));
    this.stats.loopsSent++;
  }
}

/** The peer id in a multiaddr's `/p2p/` part, if any. */
function peerOf(address: string): string | null {
  const at = address.lastIndexOf("/p2p/");
  return at < 0 ? null : address.slice(at + 5).split("/")[0]!;
}

/**
 * Creates a relay (not started).
 *
 * @param components node, store, logger, chain, directory and epoch sources, scheme
 * @param init identity, keys, packet format and tuning
 * @returns the relay; call `start()` then `stop()`
 * @example
 * const relay = createRelay({ libp2p, db, log, chain, scheme, directory, epoch },
 *   { address, role: "gateway", mixSecretKey, params });
 * await relay.start();
 */
export function createRelay(components: RelayComponents, init: RelayInit): Relay {
  return new Relay(components, init);
}
