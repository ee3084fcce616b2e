/**
 * Client side of scheme A (docs/channels.md §Client): pays each packet with a
 * ticket on its channel to the entry gateway worth one unit per hop, and puts
 * in every hop's slot the hint for its own challenge and the challenge of the
 * ticket it must issue onward.
 *
 * This module holds no storage: the outgoing ticket index lives behind
 * `OutIndices`, backed by SQLite in Node (`client.ts`) and by IndexedDB in the
 * browser (`src/web/app/wallet-store.ts`), so the page runs this same code.
 */
import { zeroAddress, type Address, type Hex } from "viem";
import type { ClientPayment, ClientPaymentParameters, ClientScheme, ReplyPaymentParameters } from "../scheme.js";
import type { ChainClients } from "../../chain/types.js";
import { DEFAULT_PARAMS, MAX_REPLY_HOPS, type ChannelsParams } from "./constants.js";
import { ChannelMissingError, ChannelsInputError, NoLotteryRoundError } from "./errors.js";
import { channelsAddress, readChannel, readRound, type ChannelState } from "./chain.js";
import { routeChallenges } from "./por.js";
import { encodeSlot } from "./slot.js";
import { chainSigner } from "./signer.js";
import {
  decodeReplyTemplate,
  domainSeparator,
  encodeAttachment,
  encodeReplyTemplate,
  ROUND_SHIFT,
  roundOf,
  signTicket,
  type TicketSigner,
} from "./ticket.js";

/** How long a client trusts its view of an entry's lottery round. */
const ROUND_CACHE_MS = 5_000;

/**
 * Durable source of outgoing ticket indices (docs/channels.md §Durable state):
 * `next` returns an index above every one it returned before for
 * `channel/epoch`, above `chainIndex` (the chain's redeemed index) and above
 * `floor` (the lottery round's base), and stores it before returning.
 */
export interface OutIndices {
  next(channel: Hex, epoch: bigint, chainIndex: bigint, floor: bigint): bigint;
}

export type ChannelsPayerOptions = ChannelsClientOptions & { indices: OutIndices };

export type ChannelsClientOptions = {
  params?: ChannelsParams;
  signer?: TicketSigner;
  /** Re-read the channel from the chain after this long (balance, epoch). */
  cacheMs?: number;
};

export class ChannelsPayer implements ClientScheme {
  readonly #chain: ChainClients;
  readonly #indices: OutIndices;
  readonly #params: ChannelsParams;
  readonly #signer: TicketSigner;
  readonly #cacheMs: number;
  #domain: Uint8Array | null = null;
  readonly #channels = new Map<string, { state: ChannelState; at: number }>();
  readonly #rounds = new Map<string, { round: bigint; at: number }>();

  constructor(deps: { chain: ChainClients }, options: ChannelsPayerOptions) {
    this.#chain = deps.chain;
    this.#indices = options.indices;
    this.#params = options.params ?? DEFAULT_PARAMS;
    this.#signer = options.signer ?? chainSigner(deps.chain);
    this.#cacheMs = options.cacheMs ?? 30_000;
  }

  async #channel(entry: Address): Promise<ChannelState> {
    const key = entry.toLowerCase();
    const hit = this.#channels.get(key);
    if (hit && Date.now() - hit.at < this.#cacheMs) return hit.state;
    const state = await readChannel(this.#chain, this.#signer.address, entry);
    if (state.status !== "open") throw new ChannelMissingError(this.#signer.address, entry);
    this.#channels.set(key, { state, at: Date.now() });
    return state;
  }

  /**
   * The entry's latest lottery round, re-read every few seconds: the entry
   * accepts its latest round and the one before (docs/channels.md §Win rule).
   */
  async #round(entry: Address): Promise<bigint> {
    const key = entry.toLowerCase();
    const hit = this.#rounds.get(key);
    if (hit && Date.now() - hit.at < ROUND_CACHE_MS) return hit.round;
    const round = await readRound(this.#chain, entry);
    if (round === 0n) throw new NoLotteryRoundError(entry);
    this.#rounds.set(key, { round, at: Date.now() });
    return round;
  }

  /**
   * Payment bytes for one packet: one slot per hop and the ticket for hop 1.
   * For a reply block (`kind: "reply"`) the attachment is a blank template
   * instead (docs/channels.md §Replies): the replier signs it on its own channel.
   *
   * @param parameters route (entry gateway first) and each hop's Sphinx shared secret
   * @returns slots (55 bytes each) and the 144-byte attachment
   * @throws ChannelMissingError when no open channel to the entry gateway exists
   * @example
   * const { slots, attachment } = await scheme.client(deps).pay({ route, secrets, epoch, kind: "payload" });
   */
  async pay({ route, secrets, kind }: ClientPaymentParameters): Promise<ClientPayment> {
    if (!Array.isArray(route) || route.length === 0)
      throw new ChannelsInputError("route", "must list at least one hop");
    if (route.length > 255) throw new ChannelsInputError("route", "at most 255 hops");
    if (secrets.length !== route.length)
      throw new ChannelsInputError("secrets", `must have one secret per hop (${route.length}), got ${secrets.length}`);
    const n = route.length;
    const hops = routeChallenges(secrets);
    const slots = hops.map((h, i) =>
      encodeSlot({
        exit: i === n - 1,
        remaining: n - 1 - i,
        hint: h.hint,
        onwardChallenge: hops[i + 1]?.challenge ?? zeroAddress,
      }),
    );
    const amount = this.#params.unitAmount * BigInt(n);
    const challenge = hops[0]!.challenge;
    if (kind === "reply")
      return { slots, attachment: encodeReplyTemplate({ amount, winProb: this.#params.winProb, challenge }) };
    return { slots, attachment: await this.#sign(route[0]!.relay, amount, challenge) };
  }

  /**
   * Signs the ticket of a reply block's first hop on this client's own
   * channel to it: the replier pays for its reply, so nothing in the block
   * names its builder.
   *
   * @param parameters.firstHop the block's first hop (our gateway)
   * @param parameters.attachment the block's blank template
   * @returns the 144-byte attachment to send with the reply
   * @throws ChannelsInputError when the template is not blank or asks more than a
   *   reply of at most `MAX_REPLY_HOPS` hops at the network's price; ChannelMissingError
   * @example
   * const attachment = await client.payReply({ firstHop, attachment: template, epoch });
   */
  async payReply({ firstHop, attachment }: ReplyPaymentParameters): Promise<Uint8Array> {
    const t = decodeReplyTemplate(attachment);
    const unit = this.#params.unitAmount;
    if (t.winProb !== this.#params.winProb)
      throw new ChannelsInputError("reply.winProb", `must be the network's ${this.#params.winProb}`);
    if (t.amount === 0n || t.amount % unit !== 0n || t.amount > unit * BigInt(MAX_REPLY_HOPS))
      throw new ChannelsInputError("reply.amount", `must be 1..${MAX_REPLY_HOPS} units of ${unit}, got ${t.amount}`, {
        hint: "the reply block was built for another network or asks the replier to overpay",
      });
    return this.#sign(firstHop, t.amount, t.challenge);
  }

  /** One ticket on our channel to `entry`, encoded as an attachment. */
  async #sign(entry: Address, amount: bigint, challenge: Address): Promise<Uint8Array> {
    const [ch, round] = await Promise.all([this.#channel(entry), this.#round(entry)]);
    if (ch.balance < amount)
      throw new ChannelsInputError("channel", `balance ${ch.balance} below one packet's ticket ${amount}`, {
        hint: "top it up with `obol channels fund`",
      });
    this.#domain ??= domainSeparator(await this.#chain.publicClient.getChainId(), channelsAddress(this.#chain));
    const index = this.#indices.next(ch.id, ch.epoch, ch.ticketIndex, round << ROUND_SHIFT);
    if (roundOf(index) !== round)
      throw new ChannelsInputError("index", `round ${round} of ${entry} has no ticket index left`, {
        hint: "wait for its next round",
      });
    const ticket = await signTicket(
      { channel: ch.id, amount, index, epoch: ch.epoch, winProb: this.#params.winProb, challenge },
      this.#domain,
      this.#signer,
    );
    return encodeAttachment(ticket);
  }
}
