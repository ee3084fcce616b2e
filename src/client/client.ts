/**
 * The Obol client (DESIGN §1, §4): keeps its state in a data directory,
 * picks stratified routes from the directory, seals messages end to end,
 * attaches a SURB so the recipient can answer, pays every hop through the
 * scheme, sends over `/obol/mix/1` to its entry gateway (receipts come back
 * on the same link), pulls its mailbox over `/obol/inbox/1`, and shapes its
 * traffic as Loopix payload / loop / drop Poisson streams.
 */
import { primitives } from "#platform/crypto";
import type { Libp2p } from "@libp2p/interface";
import { bytesToHex, isAddressEqual, type Address } from "viem";
import type { ChainClients, DirectoryEntry, DirectorySnapshot, DirectorySource, EpochSource } from "../chain/types.js";
import { headerMac } from "../crypto/sphinx/params.js";
import { forComponent, type Logger } from "../log.js";
import { encodeFrame, type Frame } from "../net/frame.js";
import { pullInbox } from "../net/inbox.js";
import { multiaddr } from "@multiformats/multiaddr";
import { LinkPool } from "../net/links.js";
import type { ClientScheme, PacketKind, RouteHop } from "../schemes/scheme.js";
import { formatAddress, parseAddress, type ObolAddress } from "./address.js";
import { encodeEnvelope, MESSAGE_ID_SIZE } from "./envelope.js";
import { checkRates, DEFAULT_RATES, poissonStream, type LoopixRates } from "./loopix.js";
import {
  buildPacket,
  buildReplyBlock,
  checkContentSize,
  checkReplyEpoch,
  encodeSurbSecret,
  hopDelays,
  replyPacket,
  type FinalAction,
  type Network,
} from "./packet.js";
import { absorbDelivered, type InboxMessage } from "./receive.js";
import { chooseGateway, findGateway, selectRoute } from "./route.js";
import { PendingReceipts } from "./receipts.js";
import { seal } from "./seal.js";
import { replyTarget, type ClientStore } from "./store.js";
import { openClientStore } from "#platform/client-store";
import { createDialNode } from "#platform/libp2p";
import { GatewayUnreachableError, NotAcknowledgedError } from "./errors.js";

export type CreateClientParameters = {
  /** Node: directory of `client.sqlite`; browser: name of the IndexedDB database (`obol:<dataDir>`). */
  dataDir: string;
  log: Logger;
  network: Network;
  /** Chain access handed to the scheme's client side. */
  chain: ChainClients;
  directory: DirectorySource;
  epoch: EpochSource;
  /** Gateway to use (entry for sending, mailbox for receiving); default: the stored one, else a random one. */
  gateway?: Address | undefined;
  rates?: LoopixRates | undefined;
  /** An existing libp2p node; by default a dial-only node is created and stopped with the client. */
  libp2p?: Libp2p | undefined;
};

export type { InboxMessage };

export type ClientStats = {
  sent: Record<PacketKind, number>;
  receipts: number;
  received: number;
  replies: number;
  unreadable: number;
  errors: number;
};

type Queued = {
  to: ObolAddress;
  content: Uint8Array;
  reply: boolean;
  done: { resolve: (id: Uint8Array) => void; reject: (error: unknown) => void };
};

/** How long a one-shot sender waits for its gateway's receipts (`acknowledged`): far above a loaded gateway's seconds. */
export const ACK_TIMEOUT_MS = 30_000;

/**
 * A client bound to a data directory.
 *
 * @example
 * const client = await ObolClient.create({ dataDir, log, network, chain, directory, epoch });
 * await client.send(address, "hello");
 * const messages = await client.pull();
 * await client.stop();
 */
export class ObolClient {
  readonly stats: ClientStats = {
    sent: { payload: 0, loop: 0, drop: 0, reply: 0 },
    receipts: 0,
    received: 0,
    replies: 0,
    unreadable: 0,
    errors: 0,
  };
  readonly state: ClientStore;
  readonly libp2p: Libp2p;
  readonly #p: CreateClientParameters;
  readonly #log: Logger;
  readonly #payer: ClientScheme;
  readonly #pool: LinkPool;
  readonly #ownsNode: boolean;
  readonly #rates: LoopixRates;
  readonly #queue: Queued[] = [];
  readonly #awaitingReceipt = new PendingReceipts();
  /** Called after each receipt (`acknowledged()` waits on them). */
  readonly #receiptWaiters = new Set<() => void>();
  #gateway: Address;

  private constructor(
    p: CreateClientParameters,
    state: ClientStore,
    libp2p: Libp2p,
    ownsNode: boolean,
    gateway: Address,
  ) {
    this.#p = p;
    this.#log = forComponent(p.log, "obol:client");
    this.state = state;
    this.libp2p = libp2p;
    this.#ownsNode = ownsNode;
    this.#gateway = gateway;
    this.#rates = checkRates(p.rates ?? DEFAULT_RATES);
    this.#payer = p.network.scheme.client({ chain: p.chain, db: state.db, log: p.log, libp2p });
    this.#pool = new LinkPool({
      libp2p,
      layout: p.network.layout,
      log: this.#log,
      onFrame: (frame) => this.#onFrame(frame),
      onBadInput: (reason, peer) => this.#log.warn({ reason, peer }, "gateway sent a malformed frame"),
    });
  }

  /**
   * Opens the client state (creating keys and mailbox on first use), chooses
   * the gateway and starts a dial-only libp2p node.
   *
   * @throws EmptyLayerError when the directory has no gateway; UnknownGatewayError for a bad `gateway`.
   */
  static async create(p: CreateClientParameters): Promise<ObolClient> {
    const state = await openClientStore(p.dataDir);
    try {
      const directory = await p.directory();
      const stored = state.identity().gateway;
      const gateway = chooseGateway(directory, p.gateway ?? stored ?? undefined);
      if (!stored || !isAddressEqual(stored, gateway)) state.setGateway(gateway);
      const libp2p = p.libp2p ?? (await createDialNode());
      return new ObolClient(p, state, libp2p, p.libp2p === undefined, gateway);
    } catch (error) {
      state.close();
      throw error;
    }
  }

  /** This client's printable address (`obol1…`): gateway, mailbox, sealing key. */
  get address(): string {
    const { mailbox, sealPublicKey } = this.state.identity();
    return formatAddress({ gateway: this.#gateway, mailbox, publicKey: sealPublicKey });
  }

  get gateway(): Address {
    return this.#gateway;
  }

  /**
   * Opens the link to the entry gateway ahead of the first packet (it is
   * otherwise opened on demand).
   *
   * @throws GatewayUnreachableError
   */
  async connect({ signal }: { signal?: AbortSignal } = {}): Promise<void> {
    const entry = findGateway(await this.#p.directory(), this.#gateway);
    try {
      await this.#pool.linkTo(entry.multiaddr, signal);
    } catch (cause) {
      throw new GatewayUnreachableError(entry.relay, { cause, details: (cause as Error).message });
    }
  }

  /** Sent packets whose receipt has not come back yet (bounded: see receipts.ts). */
  get awaitingReceipts(): number {
    return this.#awaitingReceipt.size;
  }

  /** Messages waiting for the payload stream. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Seals and sends a message now (outside the Poisson schedule; `enqueue` is
   * the Loopix way). The SURB secret is stored before the packet leaves.
   *
   * @param to recipient address (`obol1…` or parsed).
   * @param content bytes or UTF-8 text.
   * @param options.reply embed a SURB so the recipient can answer (default true).
   * @returns the 16-byte message id.
   * @throws InvalidAddressError, MessageTooLargeError, EmptyLayerError, GatewayUnreachableError.
   * @example
   * const id = await client.send("obol1…", "hello");
   */
  async send(
    to: string | ObolAddress,
    content: Uint8Array | string,
    { reply = true, signal }: { reply?: boolean; signal?: AbortSignal } = {},
  ): Promise<Uint8Array> {
    const recipient = typeof to === "string" ? parseAddress(to) : to;
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    checkContentSize(this.#p.network, bytes, reply);
    return this.#sendMessage(recipient, bytes, reply, signal);
  }

  /**
   * Queues a message for the payload stream (`run`): it replaces the next drop
   * cover packet, so an observer sees the same Poisson stream either way.
   *
   * @returns the message id once the packet has left.
   */
  enqueue(
    to: string | ObolAddress,
    content: Uint8Array | string,
    { reply = true }: { reply?: boolean } = {},
  ): Promise<Uint8Array> {
    const recipient = typeof to === "string" ? parseAddress(to) : to;
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    checkContentSize(this.#p.network, bytes, reply);
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#queue.push({ to: recipient, content: bytes, reply, done: { resolve, reject } });
    });
  }

  /**
   * Answers a received message through its SURB (single use).
   *
   * @param idPrefix hex prefix of the received message's id.
   * @throws ClientStateError when no such message or its SURB was used; ReplyError for a bad SURB;
   *   ReplyExpiredError when the block's payment has expired (the block is kept: nothing is sent);
   *   what the epoch source throws when it cannot read the chain (chain sources: ChainUnreachableError).
   * @example
   * await client.reply("3fa2", "got it");
   */
  async reply(
    idPrefix: string,
    content: Uint8Array | string,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    // Before the single-use block is taken: a reply its hops would drop is refused, not sent.
    // The chain's epoch now, not a shared read: one from just before a boundary would pass an expired block.
    const epoch = await this.#p.epoch({ fresh: true });
    checkReplyEpoch({
      network: this.#p.network,
      block: replyTarget(this.state.received(), idPrefix).surb,
      epoch,
      message: `message ${idPrefix}`,
    });
    const { id, surb } = this.state.takeReceivedSurb(idPrefix);
    const message = encodeEnvelope({ type: "reply", id, content: bytes });
    const { firstHop, packet, attachment: template } = replyPacket({ network: this.#p.network, block: surb, message });
    const entry = findGateway(await this.#p.directory(), firstHop);
    // The replier pays for its reply where the scheme asks it to (the block's builder stays unnamed).
    const attachment = this.#payer.payReply
      ? await this.#payer.payReply({ firstHop, attachment: template, epoch, signal })
      : template;
    await this.#transmit(entry, packet, attachment, signal);
    this.stats.sent.reply++;
  }

  /**
   * Pulls the mailbox until empty, decodes and stores what arrived.
   *
   * @returns the new messages and replies, oldest first.
   * @throws GatewayUnreachableError when the gateway does not answer.
   */
  async pull({ signal }: { signal?: AbortSignal } = {}): Promise<InboxMessage[]> {
    const entry = findGateway(await this.#p.directory(), this.#gateway);
    const { pullKey, sealSecretKey } = this.state.identity();
    const out: InboxMessage[] = [];
    for (let round = 0; round < 64; round++) {
      let result;
      try {
        result = await pullInbox(this.libp2p, {
          gateway: multiaddr(entry.multiaddr),
          pullKey,
          bodySize: this.#p.network.params.bodySize,
          signal,
        });
      } catch (cause) {
        throw new GatewayUnreachableError(entry.relay, { cause, details: (cause as Error).message });
      }
      const { messages, unreadable } = absorbDelivered({
        network: this.#p.network,
        state: this.state,
        bodies: result.bodies,
        secretKey: sealSecretKey,
      });
      this.stats.unreadable += unreadable;
      for (const m of messages) m.kind === "message" ? this.stats.received++ : this.stats.replies++;
      out.push(...messages);
      if (result.remaining === 0) break;
    }
    return out;
  }

  /**
   * Runs the Loopix streams (payload λP with queued messages replacing drops,
   * loops λL, drops λD) until `signal` aborts.
   */
  async run({ signal }: { signal: AbortSignal }): Promise<void> {
    const onError = (error: unknown) => {
      this.stats.errors++;
      this.#log.warn({ err: error }, "cover/payload packet not sent");
    };
    await Promise.all([
      poissonStream({ ratePerS: this.#rates.payloadPerS, signal, onError, tick: () => this.#payloadTick(signal) }),
      poissonStream({ ratePerS: this.#rates.loopPerS, signal, onError, tick: () => this.#cover("loop", signal) }),
      poissonStream({ ratePerS: this.#rates.dropPerS, signal, onError, tick: () => this.#cover("drop", signal) }),
    ]);
    for (const q of this.#queue.splice(0)) q.done.reject(signal.reason ?? new Error("client stopped"));
  }

  /**
   * Resolves once the gateway acknowledged every packet sent so far (its receipt frame: the packet is queued or
   * delivered there). A one-shot sender (`obol send`, `obol inbox --reply`) waits for it before `stop()`: closing the
   * link right after the write could, on a loaded machine, reset the stream before the gateway read the packet, and
   * the message was lost with success printed (the tickets operator walk, issue 10).
   *
   * @throws NotAcknowledgedError after `timeoutMs` with receipts still missing
   */
  async acknowledged({ timeoutMs = ACK_TIMEOUT_MS }: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#awaitingReceipt.size === 0) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.#awaitingReceipt.size === 0) finish();
      };
      const timer = setTimeout(
        () => finish(new NotAcknowledgedError(this.#gateway, this.#awaitingReceipt.size, timeoutMs)),
        timeoutMs,
      );
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.#receiptWaiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      this.#receiptWaiters.add(check);
    });
  }

  /** Closes links, the libp2p node (when the client created it) and the state. */
  async stop(): Promise<void> {
    await this.#pool.close();
    if (this.#ownsNode) await this.libp2p.stop();
    this.state.close();
  }

  async #payloadTick(signal: AbortSignal): Promise<void> {
    const next = this.#queue.shift();
    if (!next) return this.#cover("drop", signal);
    try {
      next.done.resolve(await this.#sendMessage(next.to, next.content, next.reply, signal));
    } catch (error) {
      next.done.reject(error);
    }
  }

  async #cover(kind: "loop" | "drop", signal: AbortSignal): Promise<void> {
    const directory = await this.#p.directory();
    // Loops come back to our own gateway; drops end at a uniformly chosen gateway.
    const route = selectRoute({ directory, entry: this.#gateway, exit: kind === "loop" ? this.#gateway : undefined });
    const final: FinalAction = { action: kind };
    await this.#sendPacket(directory, route, kind, final, primitives.randomBytes(16), signal);
  }

  async #sendMessage(to: ObolAddress, content: Uint8Array, reply: boolean, signal?: AbortSignal): Promise<Uint8Array> {
    const network = this.#p.network;
    const directory = await this.#p.directory();
    const id = primitives.randomBytes(MESSAGE_ID_SIZE);
    let block: Uint8Array | null = null;
    if (reply) {
      const back = selectRoute({ directory, entry: to.gateway, exit: this.#gateway });
      const { mailbox } = this.state.identity();
      const built = await buildReplyBlock({
        network,
        payer: this.#payer,
        route: back,
        epoch: await this.#p.epoch(),
        kind: "reply",
        delays: hopDelays(back, this.#rates.meanDelayMs),
        mailbox,
        signal,
      });
      block = built.block;
      this.state.saveSurbSecret({ id, secret: encodeSurbSecret(built.secret) }); // durable before the message leaves
    }
    const sealed = seal({
      message: encodeEnvelope({ type: "message", id, surb: block, content }),
      recipientPublicKey: to.publicKey,
    });
    const route = selectRoute({ directory, entry: this.#gateway, exit: to.gateway });
    await this.#sendPacket(directory, route, "payload", { action: "deliver", mailbox: to.mailbox }, sealed, signal);
    this.state.recordSent({ id, recipient: formatAddress(to) });
    return id;
  }

  async #sendPacket(
    directory: DirectorySnapshot,
    route: RouteHop[],
    kind: PacketKind,
    final: FinalAction,
    message: Uint8Array,
    signal?: AbortSignal,
  ): Promise<void> {
    const { packet, attachment } = await buildPacket({
      network: this.#p.network,
      payer: this.#payer,
      route,
      epoch: await this.#p.epoch(),
      kind,
      delays: hopDelays(route, this.#rates.meanDelayMs),
      final,
      message,
      signal,
    });
    await this.#transmit(findGateway(directory, route[0]!.relay), packet, attachment, signal);
    this.stats.sent[kind]++;
  }

  async #transmit(
    entry: DirectoryEntry,
    packet: Uint8Array,
    attachment: Uint8Array,
    signal?: AbortSignal,
  ): Promise<void> {
    const { group, params, layout } = this.#p.network;
    this.#awaitingReceipt.add(bytesToHex(headerMac(packet, group, params.routingInfoSize)));
    try {
      const link = await this.#pool.linkTo(entry.multiaddr, signal);
      await link.send(encodeFrame({ type: "packet", packet, attachment }, layout));
    } catch (cause) {
      throw new GatewayUnreachableError(entry.relay, { cause, details: (cause as Error).message });
    }
  }

  #onFrame(frame: Frame): void {
    if (frame.type !== "receipt") return void this.#log.warn({ type: frame.type }, "unexpected frame from gateway");
    if (this.#awaitingReceipt.settle(bytesToHex(frame.packetRef))) this.stats.receipts++;
    else this.#log.debug("receipt for an unknown packet");
    for (const wake of this.#receiptWaiters) wake();
  }
}
