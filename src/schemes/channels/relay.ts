/**
 * Relay side of scheme A (docs/channels.md §Relay): checks the ticket that
 * pays for each packet, issues the onward ticket from its own channel to the
 * next hop, turns receipts into responses, keeps winners, redeems them, and
 * keeps its outgoing channels funded.
 */
import { bytesToHex, type Address, type Hex } from "viem";
import type { IncomingPacket, PacketVerdict, RelayScheme, SchemeDeps } from "../scheme.js";
import type { Logger } from "../../log.js";
import { forComponent } from "../../log.js";
import { transaction } from "../../store/db.js";
import { DEFAULT_PARAMS, RELAY_DEFAULTS, type ChannelsParams } from "./constants.js";
import { RelaySignerError, TicketRejectedError } from "./errors.js";
import { channelsAddress, closeChannel, fundChannel, listChannels, readRound, type ChannelState } from "./chain.js";
import { ChannelsRounds } from "./rounds.js";
import {
  ackKey,
  challengeOpens,
  CURVE_ORDER,
  exitAckKey,
  hintOf,
  ownKeyBytes,
  pointAddress,
  response as respond,
  toScalar,
} from "./por.js";
import { decodeReceipt, decodeSlot, encodeReceipt } from "./slot.js";
import { ChannelsSettle, type ChannelsSettleOptions } from "./settle.js";
import { ChannelsStore } from "./store.js";
import { localSigner } from "./signer.js";
import {
  attachmentDigest,
  decodeAttachment,
  domainSeparator,
  isWinning,
  publicKeyToAddress,
  recoverPublicKey,
  ROUND_SHIFT,
  roundOf,
  signAttachment,
  signedBy,
  type TicketSigner,
  withRecoveryBit,
} from "./ticket.js";

export type ChannelsRelayOptions = {
  params?: ChannelsParams;
  /**
   * Signs onward tickets; defaults to the chain account when it signs in this process (a raw key
   * or a local viem account). One that signs only through RPC is refused (RelaySignerError).
   */
  signer?: TicketSigner;
  /** Redeem as soon as this many winners wait (else at the next epoch). */
  redeemThreshold?: number;
  /** Pending tickets whose receipt has not come after this long are given up. */
  pendingTtlMs?: number;
  /** Top up outgoing channels below `topUpBelowUnits` unit wins back to `topUpToUnits`; 0n disables. */
  topUpBelowUnits?: bigint;
  topUpToUnits?: bigint;
  settle?: ChannelsSettleOptions;
  /**
   * "sampled" (default): a ticket's signature is verified until its link (channel, delivering
   * peer) has delivered one good ticket; after that, a random `spotCheckRate` share of the
   * link's tickets and every winner. A forged ticket caught on a trusted link cuts off the
   * channel and the peer. "every-packet" verifies every ticket (docs/channels.md §5d weighs the two).
   */
  verifySignature?: "every-packet" | "sampled";
  /** Share of a trusted link's tickets verified anyway ("sampled"); bounds a cheater's gain (§5d). */
  spotCheckRate?: number;
  /** Uniform in [0, 1), unpredictable to the sender; draws the spot checks (tests seed it). */
  random?: () => number;
  now?: () => number;
};

/** Per-relay figures (also mirrored in the store's `ch_stats`). */
export type ChannelsRelayStats = {
  accepted: number;
  rejected: Record<string, number>;
  receipts: number;
  wins: number;
  losses: number;
  badReceipts: number;
  /**
   * Per incoming channel: receipts the next hop returned for a packet we forwarded that
   * opened nothing, i.e. the hint in that packet's slot was not ack·G (docs/channels.md
   * §8, unverifiable hints): what this relay lost to junk hints, attributed.
   */
  junkHints: Record<string, number>;
};

/**
 * Junk hints from one incoming channel after which it is banned, once at least two next hops
 * reported them (one next hop alone may be the liar: docs/channels.md §8, unverifiable hints).
 */
const JUNK_BAN_AFTER = 3;

/** How many forwarded packets we remember by reference, to attribute unmatched receipts. */
const REF_MEMORY = 10_000;

/** How long a relay trusts its view of a next hop's lottery round (sources use the same, ROUND_CACHE_MS). */
const NEXT_ROUND_TTL_MS = 5_000;

/** Uniform draws in [0, 1) from the platform's CSPRNG, 256 at a time (one draw per spot-check decision). */
function pooledRandom(): () => number {
  const pool = new Uint32Array(256);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      globalThis.crypto.getRandomValues(pool);
      next = 0;
    }
    return pool[next++]! / 2 ** 32;
  };
}

export class ChannelsRelay implements RelayScheme {
  readonly #deps: SchemeDeps & { relay: Address };
  readonly #store: ChannelsStore;
  readonly #log: Logger;
  readonly #params: ChannelsParams;
  readonly #opts: Required<Omit<ChannelsRelayOptions, "signer" | "settle" | "params">>;
  /** Peers caught delivering a forged ticket on a trusted link ("sampled"); refused until restart. */
  readonly #banned = new Set<string>();
  /**
   * Links (`channel|peer`) that delivered a ticket whose signature verified: only the channel's
   * source (or whoever holds its key) can make one, so only it is spared the per-packet check.
   */
  readonly #trustedLinks = new Set<string>();
  readonly #signer: TicketSigner;
  readonly settle: ChannelsSettle;
  #domain: Uint8Array | null = null;
  #incoming = new Map<Hex, ChannelState>();
  #outgoing = new Map<string, ChannelState>();
  /** Latest lottery round of each next hop we pay (0n: none yet). */
  #nextRounds = new Map<string, { round: bigint; at: number }>();
  readonly #roundAsked = new Map<string, Promise<bigint>>();
  /** When the last read of each next hop's round started (a next hop with none is asked at most once a second). */
  readonly #roundAskedAt = new Map<string, number>();
  readonly #rounds: ChannelsRounds;
  #lastRefresh = 0;
  #refreshing: Promise<void> | null = null;
  #redeeming: Promise<unknown> | null = null;
  readonly stats: ChannelsRelayStats = {
    accepted: 0,
    rejected: {},
    receipts: 0,
    wins: 0,
    losses: 0,
    badReceipts: 0,
    junkHints: {},
  };
  /** Per incoming channel: the next-hop peers that returned receipts opening nothing (junk hints). */
  readonly #junkFrom = new Map<Hex, Set<string>>();
  /** Incoming channels banned for junk hints or a forged ticket on a trusted link (until restart), with why. */
  readonly #bannedChannels = new Map<Hex, string>();
  /** Public key of each incoming channel's source, once a ticket of it recovered to its address. */
  readonly #sourceKeys = new Map<string, Uint8Array>();
  /** packetRef (hex) → incoming channel of packets forwarded with an onward ticket, oldest first. */
  readonly #forwardedFrom = new Map<string, Hex>();

  constructor(deps: SchemeDeps & { relay: Address }, options: ChannelsRelayOptions = {}) {
    this.#deps = deps;
    this.#store = new ChannelsStore(deps.db);
    this.#log = forComponent(deps.log, "obol:channels:relay");
    this.#params = options.params ?? DEFAULT_PARAMS;
    // The onward ticket is signed inside the group commit: never through an RPC (RelaySignerError).
    const signer = options.signer ?? localSigner(deps.chain);
    if (!signer) throw new RelaySignerError(deps.chain.walletClient.account.address);
    this.#signer = signer;
    this.#opts = {
      redeemThreshold: options.redeemThreshold ?? RELAY_DEFAULTS.redeemThreshold,
      pendingTtlMs: options.pendingTtlMs ?? 10 * 60_000,
      topUpBelowUnits: options.topUpBelowUnits ?? RELAY_DEFAULTS.topUpBelowUnits,
      topUpToUnits: options.topUpToUnits ?? RELAY_DEFAULTS.topUpToUnits,
      verifySignature: options.verifySignature ?? "sampled",
      spotCheckRate: options.spotCheckRate ?? RELAY_DEFAULTS.spotCheckRate,
      random: options.random ?? pooledRandom(),
      now: options.now ?? Date.now,
    };
    this.#rounds = new ChannelsRounds(deps.chain, this.#store);
    this.settle = new ChannelsSettle(deps, { ...options.settle, rounds: this.#rounds });
  }

  async start(): Promise<void> {
    const chain = this.#deps.chain;
    this.#domain = domainSeparator(await chain.publicClient.getChainId(), channelsAddress(chain));
    await this.#rounds.ensure();
    await this.refreshChannels();
  }

  /** Waits for a redemption in flight; channels stay open (the relay may restart). */
  async stop(): Promise<void> {
    await this.#redeeming;
  }

  /**
   * Leaving the network: redeems every winner, then closes incoming channels
   * as destination (refunding their sources at once) and starts the notice
   * period on outgoing ones (`obol channels close` finalizes them later).
   * Tickets still waiting for a receipt are given up.
   *
   * @returns what was claimed and how many channels were closed / put in notice
   */
  async retire(): Promise<{ claimed: bigint; closed: number; closing: number }> {
    await this.#redeeming;
    const { paid } = await this.settle.claim();
    await this.refreshChannels();
    let closed = 0;
    let closing = 0;
    for (const ch of this.#incoming.values()) {
      if (ch.status === "closed") continue;
      await closeChannel(this.#deps.chain, ch.source);
      closed++;
    }
    for (const ch of this.#outgoing.values()) {
      if (ch.status !== "open") continue;
      await closeChannel(this.#deps.chain, ch.destination);
      closing++;
    }
    await this.refreshChannels();
    return { claimed: paid, closed, closing };
  }

  /** Reloads incoming and outgoing channel states from the chain. */
  async refreshChannels(): Promise<void> {
    const all = await listChannels(this.#deps.chain, this.#deps.relay, "both");
    const me = this.#deps.relay.toLowerCase();
    this.#incoming = new Map(all.filter((c) => c.destination.toLowerCase() === me).map((c) => [c.id, c]));
    for (const c of this.#incoming.values()) this.#store.pruneSeen(c.id, c.epoch, c.ticketIndex);
    this.#outgoing = new Map(
      all.filter((c) => c.source.toLowerCase() === me).map((c) => [c.destination.toLowerCase(), c]),
    );
    const open = [...this.#outgoing.values()].filter((c) => c.status === "open");
    const rounds = await Promise.all(open.map((c) => readRound(this.#deps.chain, c.destination)));
    const at = this.#opts.now();
    this.#nextRounds = new Map(open.map((c, i) => [c.destination.toLowerCase(), { round: rounds[i]!, at }]));
    this.#lastRefresh = this.#opts.now();
  }

  /**
   * Before the packet's group commit (RelayScheme.prepare): when it names an incoming channel
   * or a next hop we have no open channel for (opened since our last read), waits for one
   * re-read of the chain, shared by every packet that asks and at most once a second. Only
   * this packet waits on a slow RPC; the commits of others go on.
   */
  async prepare(packet: Pick<IncomingPacket, "attachment" | "nextHop">): Promise<void> {
    let channel: Hex;
    try {
      channel = decodeAttachment(packet.attachment).channel;
    } catch {
      return; // malformed: onPacket names it
    }
    const next = packet.nextHop?.toLowerCase();
    if (!this.#incoming.has(channel) || (next !== undefined && this.#outgoing.get(next)?.status !== "open"))
      await this.#refreshSoon();
    // The onward ticket names the next hop's lottery round and is made inside a commit, which
    // never reads the chain: a next hop whose round we have not seen yet is read now. A stale
    // view is refreshed in the background instead (onPacket), the known round still accepted.
    if (packet.nextHop && (this.#nextRounds.get(packet.nextHop.toLowerCase())?.round ?? 0n) === 0n)
      await this.#roundSoon(packet.nextHop);
  }

  /** A read of `nextHop`'s round: the one in flight, or a new one if none started this past second. */
  async #roundSoon(nextHop: Address): Promise<void> {
    const key = nextHop.toLowerCase();
    if (!this.#roundAsked.has(key) && this.#opts.now() - (this.#roundAskedAt.get(key) ?? -Infinity) <= 1_000) return;
    await this.#askRound(nextHop).catch((err: unknown) =>
      this.#log.warn({ err, nextHop }, "could not read the next hop's lottery round"),
    );
  }

  /** One re-read of the channels at a time, started at most once a second; never awaited inside a commit. */
  #refreshSoon(): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    if (this.#opts.now() - this.#lastRefresh <= 1_000) return Promise.resolve();
    this.#lastRefresh = this.#opts.now(); // a failing RPC is retried a second later, not per packet
    this.#refreshing = this.refreshChannels()
      .catch((err: unknown) => this.#log.warn({ err }, "could not re-read channels"))
      .finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  async onPacket(packet: IncomingPacket): Promise<PacketVerdict> {
    try {
      const verdict = await this.#check(packet);
      this.stats.accepted++;
      return { accept: true, attachment: new Uint8Array(0), ...verdict };
    } catch (error) {
      if (!(error instanceof TicketRejectedError)) throw error;
      this.stats.rejected[error.reason] = (this.stats.rejected[error.reason] ?? 0) + 1;
      this.#log.debug({ reason: error.reason, details: error.details, from: packet.fromPeer }, "ticket rejected");
      return { accept: false, reason: `${error.reason}: ${error.details}` };
    }
  }

  /** Every per-packet check of docs/channels.md, cheapest first; returns the onward hook (none at the exit). */
  async #check(packet: IncomingPacket): Promise<{ onward?: () => Promise<Uint8Array> }> {
    const domain = this.#domain;
    if (!domain)
      throw new TicketRejectedError("channel-not-open", "relay scheme not started", { hint: "call start() first" });
    const slot = decodeSlot(packet.slot);
    const ticket = decodeAttachment(packet.attachment);
    // Never a chain read here: this runs inside the packet's group commit (`prepare` reads outside it).
    const ch = this.#incoming.get(ticket.channel);
    if (!ch) {
      this.#refreshSoon();
      throw new TicketRejectedError(
        "wrong-channel",
        `no channel ${ticket.channel} to this relay as of its last chain read (re-reading in the background)`,
      );
    }
    const banned = this.#bannedChannels.get(ch.id);
    if (banned !== undefined) throw new TicketRejectedError("banned-channel", `channel ${ch.id} ${banned}`);
    if (this.#banned.has(packet.fromPeer))
      throw new TicketRejectedError("forged-signature", `peer ${packet.fromPeer} delivered a forged ticket before`);
    if (ch.status !== "open") throw new TicketRejectedError("channel-not-open", `channel ${ch.id} is ${ch.status}`);
    if (ticket.epoch !== ch.epoch)
      throw new TicketRejectedError("stale-epoch", `ticket epoch ${ticket.epoch}, channel epoch ${ch.epoch}`);
    if (!this.#rounds.accepts(roundOf(ticket.index)))
      throw new TicketRejectedError(
        "stale-round",
        `round ${roundOf(ticket.index)} is not open (latest ${this.#rounds.latest})`,
        { hint: "re-read the relay's round (`currentRound`)" },
      );
    if (ticket.index <= ch.ticketIndex)
      throw new TicketRejectedError("reused-index", `index ${ticket.index} ≤ last redeemed ${ch.ticketIndex}`);
    if (this.#store.seen(ch.id, ch.epoch, ticket.index))
      throw new TicketRejectedError("reused-index", `index ${ticket.index} already accepted`);
    const required = this.#params.unitAmount * BigInt(slot.remaining + 1);
    if (ticket.amount < required || ticket.winProb < this.#params.winProb)
      throw new TicketRejectedError(
        "underpaid",
        `amount ${ticket.amount} (need ${required}), winProb ${ticket.winProb} (need ${this.#params.winProb})`,
      );
    const available = ch.balance - this.#store.openWinnings(ch.id);
    if (ticket.amount > available)
      throw new TicketRejectedError("above-balance", `amount ${ticket.amount} > unclaimed balance ${available}`);
    const own = ownKeyBytes(packet.ss);
    if (!challengeOpens(own, slot.hint, packet.attachment.subarray(60, 80)))
      throw new TicketRejectedError("unanswerable-challenge", "challenge ≠ address(own·G + hint)");
    // The digest only when a signature is verified here or the exit decides at once: a mid hop's
    // sampled link skips both hashes for the 7 in 8 tickets it does not check (the receipt redoes it).
    this.#checkSignature(() => attachmentDigest(packet.attachment, domain), ticket.signature, ch, packet.fromPeer);

    if (slot.exit) {
      // Exit hop: no next hop to acknowledge; it derives the ack half itself (docs/channels.md §Exit).
      const response = respond(toScalar(own), exitAckKey(packet.ss));
      const digest = attachmentDigest(packet.attachment, domain);
      transaction(this.#deps.db, () => {
        if (!this.#store.markSeen(ch.id, ch.epoch, ticket.index))
          throw new TicketRejectedError("reused-index", `index ${ticket.index} already accepted`);
        this.#settleResponse(ticket, ch.source, packet.attachment, digest, response, packet.fromPeer);
      });
      return {};
    }
    if (packet.nextHop === null)
      throw new TicketRejectedError("malformed", "slot asks to pay onward but this is the last hop");
    const out = this.#outgoing.get(packet.nextHop.toLowerCase());
    if (out?.status !== "open") {
      this.#refreshSoon(); // the operator may have opened it since the last read (`obol channels open`)
      throw new TicketRejectedError("no-onward-channel", `no open channel to ${packet.nextHop}`, {
        hint: "open channels to the next layer (`obol channels open`)",
      });
    }
    const onwardAmount = this.#params.unitAmount * BigInt(slot.remaining);
    if (out.balance < onwardAmount)
      throw new TicketRejectedError("onward-channel-underfunded", `channel to ${packet.nextHop} holds ${out.balance}`, {
        hint: "top it up (`obol channels fund`)",
      });
    this.#forwardedFrom.set(bytesToHex(packet.packetRef), ch.id);
    if (this.#forwardedFrom.size > REF_MEMORY) this.#forwardedFrom.delete(this.#forwardedFrom.keys().next().value!);
    // Two writes and no savepoint of their own: the pipeline runs this inside the packet's "scheme"
    // savepoint, undone if the packet is refused; and the index is spent first, so a failure between
    // the two leaves an index that can never pay, never a payable one twice (the safe side).
    if (!this.#store.markSeen(ch.id, ch.epoch, ticket.index))
      throw new TicketRejectedError("reused-index", `index ${ticket.index} already accepted`);
    this.#store.putPending({
      source: ch.source,
      ticket: packet.attachment,
      own,
      hint: slot.hint,
      fromPeer: packet.fromPeer,
      createdMs: this.#opts.now(),
    });
    // The onward ticket is numbered and signed when the packet leaves the delay queue (finding 3
    // of issue 9): an index taken now would tell the next hop our arrival order.
    const nextHop = packet.nextHop;
    const challenge = slot.onwardChallenge;
    // Re-read a stale view of the next hop's round now, while the packet waits out its delay,
    // so the onward ticket does not name a round a claim has since revealed.
    this.#refreshRoundIfStale(nextHop);
    return { onward: () => this.#issueOnward(nextHop, onwardAmount, challenge) };
  }

  /**
   * Signs the onward ticket as the packet leaves the mix (PacketVerdict.onward), inside the
   * relay's group commit: the next hop's channel and round are taken from what we know now
   * (never a chain read here: `prepare` read an unknown round, `onPacket` started a re-read
   * of a stale one), the index reserved now.
   */
  async #issueOnward(nextHop: Address, amount: bigint, challenge: Address): Promise<Uint8Array> {
    const domain = this.#domain!;
    const out = this.#outgoing.get(nextHop.toLowerCase());
    if (out?.status !== "open") throw new TicketRejectedError("no-onward-channel", `no open channel to ${nextHop}`);
    const nextRound = this.#nextRounds.get(nextHop.toLowerCase())?.round ?? 0n;
    if (nextRound === 0n) {
      this.#roundSoon(nextHop); // for the packets after this one
      throw new TicketRejectedError("no-onward-channel", `${nextHop} has no lottery round known yet (reading it)`);
    }
    // One write (the next index): atomic without a savepoint of its own.
    const index = this.#store.nextOutIndex(out.id, out.epoch, out.ticketIndex, nextRound << ROUND_SHIFT);
    return signAttachment(
      { channel: out.id, amount, index, epoch: out.epoch, winProb: this.#params.winProb, challenge },
      domain,
      this.#signer,
    );
  }

  /** One chain read in flight per next hop; packets waiting for it share the answer. */
  #askRound(nextHop: Address): Promise<bigint> {
    const key = nextHop.toLowerCase();
    let asking = this.#roundAsked.get(key);
    if (!asking) {
      this.#roundAskedAt.set(key, this.#opts.now());
      asking = readRound(this.#deps.chain, nextHop)
        .then((round) => {
          if (round !== 0n) this.#nextRounds.set(key, { round, at: this.#opts.now() });
          return round;
        })
        .finally(() => this.#roundAsked.delete(key));
      this.#roundAsked.set(key, asking);
    }
    return asking;
  }

  /**
   * Starts a background read when our view of `nextHop`'s round is older than
   * NEXT_ROUND_TTL_MS (a claim commits rounds and reveals old ones at any time),
   * or when we know none.
   */
  #refreshRoundIfStale(nextHop: Address): void {
    const known = this.#nextRounds.get(nextHop.toLowerCase());
    if (known && known.round !== 0n && this.#opts.now() - known.at <= NEXT_ROUND_TTL_MS) return;
    if ((known?.round ?? 0n) === 0n) {
      this.#roundSoon(nextHop); // none known (prepare was skipped or failed): at most one read a second
      return;
    }
    this.#askRound(nextHop).catch((err: unknown) =>
      this.#log.warn({ err, nextHop }, "could not read the next hop's lottery round"),
    );
  }

  /**
   * The per-packet signature check (docs/channels.md §5d). "every-packet" verifies each ticket.
   * "sampled" verifies a link's tickets until one verifies, then a `spotCheckRate` share drawn
   * by `random` (winners are verified at receipt, `#settleResponse`); a forged ticket on a
   * trusted link is the source cheating: its channel and the peer are refused from then on.
   */
  #checkSignature(digest: () => Uint8Array, signature: Uint8Array, ch: ChannelState, fromPeer: string): void {
    const link = `${ch.id}|${fromPeer}`;
    const trusted = this.#opts.verifySignature === "sampled" && this.#trustedLinks.has(link);
    if (trusted && this.#opts.random() >= this.#opts.spotCheckRate) return;
    if (this.#signedBySource(digest(), signature, ch.source)) {
      if (this.#opts.verifySignature === "sampled") this.#trustedLinks.add(link);
      return;
    }
    if (trusted) this.#cutOff(ch.id, fromPeer, "forged_spot_checks", "a spot check");
    throw new TicketRejectedError("forged-signature", `not signed by the channel source ${ch.source}`);
  }

  /** A trusted link delivered a forged ticket: refuse its channel and its peer until restart. */
  #cutOff(channel: Hex, fromPeer: string, stat: string, caughtBy: string): void {
    this.#banned.add(fromPeer);
    this.#bannedChannels.set(channel, `delivered a forged ticket on a trusted link (caught by ${caughtBy})`);
    this.#trustedLinks.delete(`${channel}|${fromPeer}`);
    this.#store.addStat(stat);
    this.#store.addStat("banned_channels");
    this.#log.warn({ channel, fromPeer, caughtBy }, "forged ticket on a trusted link; channel and peer cut off");
  }

  /**
   * Whether the channel source signed `digest`. Once a ticket of the source recovered to its
   * address, its key is kept and later tickets are checked against it (`signedBy`: r and s,
   * cheaper than a recovery); the yParity bit is then set right for winners only
   * (`#redeemableSignature`).
   */
  #signedBySource(digest: Uint8Array, signature: Uint8Array, source: Address): boolean {
    const src = source.toLowerCase();
    const known = this.#sourceKeys.get(src);
    if (known) return signedBy(digest, signature, known);
    const key = recoverPublicKey(digest, signature);
    if (key === null || publicKeyToAddress(key) !== src) return false;
    this.#sourceKeys.set(src, key);
    return true;
  }

  /**
   * A winner's signature as `PaymentChannels` must see it (ecrecover yields the source), or
   * null when the source did not sign the ticket. Either yParity bit is tried: the per-packet
   * check ignored it, so a source sending the wrong one still pays.
   */
  #redeemableSignature(digest: Uint8Array, signature: Uint8Array, source: Address): Uint8Array | null {
    const src = source.toLowerCase();
    const known = this.#sourceKeys.get(src);
    if (known) return withRecoveryBit(digest, signature, known);
    for (const bit of [0, 0x80]) {
      const sig = signature.slice();
      sig[32] = (sig[32]! & 0x7f) | bit;
      const key = recoverPublicKey(digest, sig);
      if (key === null || publicKeyToAddress(key) !== src) continue;
      this.#sourceKeys.set(src, key);
      return sig;
    }
    return null;
  }

  /** Stores a winner or counts a loser once the response is known. */
  #settleResponse(
    ticket: ReturnType<typeof decodeAttachment>,
    source: Address,
    bytes: Uint8Array,
    digest: Uint8Array,
    response: bigint,
    fromPeer: string,
  ): void {
    const secret = this.#rounds.secret(roundOf(ticket.index));
    if (secret !== null && isWinning(digest, response, secret, ticket.winProb)) {
      // Every winner's signature is checked here, by recovery ("sampled": maybe for the first time).
      const signature = this.#redeemableSignature(digest, ticket.signature, source);
      if (signature === null) {
        this.#cutOff(ticket.channel, fromPeer, "forged_winners", "a winner");
        return;
      }
      const kept = bytes.slice();
      kept.set(signature, 80);
      this.#store.putWon({ ...ticket, signature }, source, kept, response);
      this.#store.addStat("wins");
      this.stats.wins++;
    } else {
      this.#store.addStat("losses");
      this.stats.losses++;
    }
  }

  receipt({ ss }: { ss: Uint8Array; packetRef: Uint8Array }): Uint8Array {
    return encodeReceipt(ackKey(ss));
  }

  /**
   * A receipt reveals the next hop's ack key; the pending ticket is the one
   * whose hint is ack·G (so a receipt for a packet we never forwarded, or a
   * wrong ack, simply matches nothing).
   */
  async onReceipt({
    packetRef,
    receipt,
    fromPeer,
  }: {
    packetRef: Uint8Array;
    receipt: Uint8Array;
    fromPeer: string;
  }): Promise<void> {
    const from = this.#forwardedFrom.get(bytesToHex(packetRef));
    this.#forwardedFrom.delete(bytesToHex(packetRef));
    const ack = decodeReceipt(receipt);
    const domain = this.#domain;
    if (ack === null || ack <= 0n || ack >= CURVE_ORDER || !domain) return this.#badReceipt("malformed receipt");
    const hint = hintOf(ack);
    const pending = this.#store.getPending(hint);
    if (!pending) {
      if (from !== undefined) {
        // The next hop acknowledged a packet we forwarded, but its ack opens no ticket: the
        // hint we were given was junk (or the next hop lies; it gains nothing by it).
        this.stats.junkHints[from] = (this.stats.junkHints[from] ?? 0) + 1;
        this.#store.addStat("junk_hints");
        const peers = this.#junkFrom.get(from) ?? new Set<string>();
        this.#junkFrom.set(from, peers.add(fromPeer));
        if (this.stats.junkHints[from]! >= JUNK_BAN_AFTER && peers.size >= 2 && !this.#bannedChannels.has(from)) {
          this.#bannedChannels.set(from, `sent junk hints that ${peers.size} next hops reported`);
          this.#store.addStat("banned_channels");
          this.#log.warn(
            { channel: from, junk: this.stats.junkHints[from], nextHops: peers.size },
            "incoming channel banned for junk hints",
          );
        }
      }
      return this.#badReceipt("receipt matches no pending ticket");
    }
    const ticket = decodeAttachment(pending.ticket);
    const response = respond(pending.own, ack);
    if (pointAddress(response) !== ticket.challenge.toLowerCase())
      return this.#badReceipt("response does not open the challenge");
    this.stats.receipts++;
    transaction(this.#deps.db, () => {
      this.#settleResponse(
        ticket,
        pending.source,
        pending.ticket,
        attachmentDigest(pending.ticket, domain),
        response,
        pending.fromPeer,
      );
      this.#store.deletePending(hint);
    });
    if (this.#store.counts().won >= this.#opts.redeemThreshold) this.#redeemSoon();
  }

  #badReceipt(why: string): void {
    this.stats.badReceipts++;
    this.#log.debug({ why }, "receipt ignored");
  }

  async onEpoch(_epoch: bigint): Promise<void> {
    // A new lottery round each epoch: rounds two behind become redeemable (docs/channels.md §Win rule).
    try {
      await this.#rounds.commitNext();
    } catch (err) {
      this.#log.warn({ err }, "could not start a new lottery round; keeping the current one");
    }
    const expired = this.#store.expirePending(this.#opts.now() - this.#opts.pendingTtlMs);
    if (expired > 0) this.#store.addStat("expired", expired);
    if (this.#store.counts().won > 0) {
      this.#redeemSoon();
      await this.#redeeming;
    }
    await this.refreshChannels();
    await this.#topUp();
  }

  /** Redeems in the background (never inside a packet's commit); one run at a time. */
  #redeemSoon(): void {
    if (this.#redeeming) return;
    this.#redeeming = new Promise((r) => setImmediate(r))
      .then(() => this.settle.claim({ roll: false }))
      .then(() => this.refreshChannels())
      .catch((err: unknown) => this.#log.error({ err }, "redemption failed; will retry next epoch"))
      .finally(() => (this.#redeeming = null));
  }

  /** Keeps every open outgoing channel above its floor (per-hop liquidity, docs/channels.md). */
  async #topUp(): Promise<void> {
    if (this.#opts.topUpBelowUnits === 0n) return;
    const floor = this.#params.unitAmount * this.#opts.topUpBelowUnits;
    const target = this.#params.unitAmount * this.#opts.topUpToUnits;
    for (const out of this.#outgoing.values()) {
      if (out.status !== "open" || out.balance >= floor) continue;
      try {
        await fundChannel(this.#deps.chain, out.destination, target - out.balance);
        this.#store.addStat("topups");
        this.#log.info({ to: out.destination, amount: (target - out.balance).toString() }, "topped up channel");
      } catch (err) {
        this.#log.warn({ err, to: out.destination }, "top-up failed");
      }
    }
    await this.refreshChannels();
  }
}
