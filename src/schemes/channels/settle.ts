/**
 * Redemption of winning tickets (docs/channels.md §Redemption and crash
 * safety). Every ticket moves won → submitted → redeemed | void in the store;
 * the chain is the judge: before anything is (re)sent, tickets whose index
 * the channel already passed are resolved from `TicketRedeemed` events, so a
 * relay killed at any instant restarts without losing or double-redeeming.
 */
import type { Address, Hash, Hex } from "viem";
import { inTurn } from "../../chain/tx.js";
import type { ClaimResult, SchemeDeps, SettleScheme } from "../scheme.js";
import type { Logger } from "../../log.js";
import { forComponent } from "../../log.js";
import { paymentChannelsAbi } from "../../chain/abi/PaymentChannels.js";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { RELAY_DEFAULTS } from "./constants.js";
import { channelsAddress, readChannel, type ChannelState } from "./chain.js";
import { ChannelsStore, type WonTicket } from "./store.js";
import { decodeAttachment, roundOf, toRedeemable, type RedeemableTicket } from "./ticket.js";
import { ChannelsRounds } from "./rounds.js";

export type ChannelsSettleOptions = {
  maxBatch?: number;
  /** Fault injection for crash tests: runs right after a redemption was broadcast. */
  afterBroadcast?: (hash: Hash) => void | Promise<void>;
  receiptTimeoutMs?: number;
  /** The lottery rounds of the relay this settles for (shared with its `ChannelsRelay`). */
  rounds?: ChannelsRounds;
};

/** Turns stored winners into on-chain payouts, in batches with one token transfer each. */
/** What one claim has done so far; logged and returned in its `ClaimResult`. */
type ClaimTally = {
  paid: bigint;
  gasUsed: bigint;
  transactions: Hex[];
  redeemed: number;
  voided: number;
  recovered: number;
};

export class ChannelsSettle implements SettleScheme {
  readonly #deps: SchemeDeps & { relay: Address };
  readonly #store: ChannelsStore;
  readonly #log: Logger;
  readonly #opts: Required<Omit<ChannelsSettleOptions, "afterBroadcast" | "rounds">> &
    Pick<ChannelsSettleOptions, "afterBroadcast">;
  readonly #rounds: ChannelsRounds;
  #running: Promise<ClaimResult> | null = null;

  constructor(deps: SchemeDeps & { relay: Address }, options: ChannelsSettleOptions = {}) {
    this.#deps = deps;
    this.#store = new ChannelsStore(deps.db);
    this.#log = forComponent(deps.log, "obol:channels:settle");
    this.#rounds = options.rounds ?? new ChannelsRounds(deps.chain, this.#store);
    this.#opts = {
      maxBatch: options.maxBatch ?? RELAY_DEFAULTS.maxBatch,
      receiptTimeoutMs: options.receiptTimeoutMs ?? 60_000,
      afterBroadcast: options.afterBroadcast,
    };
  }

  /**
   * Redeems every stored winner that is still valid on chain. A winner's
   * round secret goes public with it, so only rounds two behind the latest are
   * redeemed; with `roll` (the default, for `obol claim`) new rounds are
   * committed first so that every waiting winner qualifies.
   *
   * @param parameters.roll commit new lottery rounds so all winners can be redeemed now (default true)
   * @returns tokens paid, gas, transactions; details: tickets redeemed, voided, recovered, waiting
   * @example
   * const { paid, gasUsed } = await scheme.settle(deps).claim();
   */
  claim({ roll = true }: { roll?: boolean; signal?: AbortSignal } = {}): Promise<ClaimResult> {
    // One claim at a time per process; concurrent callers share it.
    this.#running ??= this.#claim(roll).finally(() => (this.#running = null));
    return this.#running;
  }

  async #claim(roll: boolean): Promise<ClaimResult> {
    const chain = this.#deps.chain;
    const address = channelsAddress(chain);
    const result: ClaimTally = { paid: 0n, gasUsed: 0n, transactions: [], redeemed: 0, voided: 0, recovered: 0 };
    await this.#rounds.sync();
    await this.#reconcile(result);
    if (roll) await this.#rollToNewestRound();
    const valid = await this.#redeemableTickets(result);
    for (let i = 0; i < valid.length; i += this.#opts.maxBatch)
      await this.#redeemBatch(valid.slice(i, i + this.#opts.maxBatch), address, result);
    const balanceAfter = await chain.publicClient.readContract({
      address: chain.deployment.contracts.ObolToken,
      abi: obolTokenAbi,
      functionName: "balanceOf",
      args: [this.#deps.relay],
    });
    this.#log.info({ ...result, balanceAfter }, "claim finished");
    return {
      scheme: "channels",
      relay: this.#deps.relay,
      paid: result.paid,
      gasUsed: result.gasUsed,
      transactions: result.transactions,
      details: {
        redeemed: result.redeemed,
        voided: result.voided,
        recovered: result.recovered,
        waiting: this.#store.counts().won,
        balanceAfter,
      },
    };
  }

  /** Commits rounds until the newest round with won tickets (and a known secret) is redeemable. */
  async #rollToNewestRound(): Promise<void> {
    let newest = 0n;
    for (const t of this.#store.won("won")) {
      const round = roundOf(t.index);
      if (round > newest && this.#rounds.secret(round) !== null) newest = round; // unknown secrets are voided below
    }
    while (newest > 0n && !this.#rounds.redeemable(newest)) await this.#rounds.commitNext();
  }

  /**
   * The won tickets a redemption can pay now, within each channel's balance; voids those it never can
   * (unknown round secret, closed or re-epoched channel, index already redeemed, above the balance).
   */
  async #redeemableTickets(result: ClaimTally): Promise<WonTicket[]> {
    const states = new Map<Hex, ChannelState>();
    const valid: WonTicket[] = [];
    const remaining = new Map<Hex, bigint>();
    for (const t of this.#store.won("won")) {
      const round = roundOf(t.index);
      if (this.#rounds.secret(round) === null) {
        this.#store.setState([t], "void", null, "round secret unknown");
        result.voided++;
        continue;
      }
      if (!this.#rounds.redeemable(round)) continue; // its round is still open: wait
      let ch = states.get(t.channel);
      if (!ch) {
        ch = await readChannel(this.#deps.chain, t.source, this.#deps.relay);
        states.set(t.channel, ch);
      }
      if (ch.status === "closed" || ch.epoch !== t.epoch) {
        this.#store.setState([t], "void", null, ch.status === "closed" ? "channel closed" : "stale epoch");
        result.voided++;
        continue;
      }
      if (t.index <= ch.ticketIndex) {
        result.voided += (await this.#resolveFromEvents(t, result)) ? 0 : 1;
        continue;
      }
      const left = remaining.get(t.channel) ?? ch.balance;
      if (t.amount > left) {
        this.#store.setState([t], "void", null, "above channel balance");
        result.voided++;
        continue;
      }
      remaining.set(t.channel, left - t.amount);
      valid.push(t);
    }
    return valid;
  }

  /** Redeems one batch in one transaction: rounds revealed and intent recorded first, then sent and awaited. */
  async #redeemBatch(batch: WonTicket[], address: Address, result: ClaimTally): Promise<void> {
    const chain = this.#deps.chain;
    // Durable first: once a round is marked revealed no ticket of it is accepted any more.
    for (const t of batch) this.#rounds.reveal(roundOf(t.index));
    const args: RedeemableTicket[] = batch.map((t) =>
      toRedeemable(decodeAttachment(t.ticket), t.source, t.response, this.#rounds.secret(roundOf(t.index))!),
    );
    // Durable intent first: after a crash these are reconciled, never blindly resent.
    this.#store.setState(batch, "submitted");
    let hash: Hash;
    try {
      hash = await inTurn(chain, () =>
        chain.walletClient.writeContract({
          address,
          abi: paymentChannelsAbi,
          functionName: "redeemTickets",
          args: [args],
          account: chain.walletClient.account,
          chain: chain.walletClient.chain,
        }),
      );
    } catch (error) {
      this.#log.warn({ err: error, tickets: batch.length }, "redemption not sent; tickets stay redeemable");
      this.#store.setState(batch, "won");
      return;
    }
    this.#store.setState(batch, "submitted", hash);
    await this.#opts.afterBroadcast?.(hash);
    const receipt = await chain.publicClient.waitForTransactionReceipt({
      hash,
      timeout: this.#opts.receiptTimeoutMs,
    });
    result.transactions.push(hash);
    result.gasUsed += receipt.gasUsed;
    if (receipt.status === "success") {
      this.#store.setState(batch, "redeemed", hash);
      result.redeemed += batch.length;
      for (const t of batch) result.paid += t.amount;
    } else {
      this.#store.setState(batch, "won", null, "batch reverted");
    }
  }

  /** Resolves tickets left `submitted` by an interrupted claim. */
  async #reconcile(result: ClaimTally): Promise<void> {
    const submitted = this.#store.won("submitted");
    const byHash = new Map<string, WonTicket[]>();
    for (const t of submitted) byHash.set(t.txHash ?? "", [...(byHash.get(t.txHash ?? "") ?? []), t]);
    for (const [hash, tickets] of byHash) {
      if (hash !== "") {
        const receipt = await this.#deps.chain.publicClient
          .waitForTransactionReceipt({ hash: hash as Hash, timeout: this.#opts.receiptTimeoutMs })
          .catch(() => null);
        if (receipt?.status === "success") {
          this.#store.setState(tickets, "redeemed", hash as Hash);
          result.recovered += tickets.length;
          result.transactions.push(hash as Hash);
          for (const t of tickets) result.paid += t.amount;
          continue;
        }
      }
      // No transaction, a reverted one, or one that never landed: ask the chain per ticket.
      for (const t of tickets) {
        const ch = await readChannel(this.#deps.chain, t.source, this.#deps.relay);
        if (ch.epoch === t.epoch && t.index <= ch.ticketIndex) {
          if (!(await this.#resolveFromEvents(t, result))) result.voided++;
        } else this.#store.setState([t], "won");
      }
    }
  }

  /** Marks `t` redeemed if a `TicketRedeemed` event shows it paid, else void (superseded). */
  async #resolveFromEvents(t: WonTicket, result: { paid: bigint; recovered: number }): Promise<boolean> {
    const chain = this.#deps.chain;
    const logs = await chain.publicClient.getContractEvents({
      address: channelsAddress(chain),
      abi: paymentChannelsAbi,
      eventName: "TicketRedeemed",
      args: { channelId: t.channel },
      fromBlock: chain.deployment.startBlock,
    });
    const hit = logs.find((l) => BigInt(l.args.index!) === t.index && l.args.amount === t.amount);
    if (hit) {
      this.#store.setState([t], "redeemed", hit.transactionHash);
      result.recovered++;
      result.paid += t.amount;
      return true;
    }
    this.#store.setState([t], "void", null, "index superseded on chain");
    return false;
  }
}
