/**
 * Settlement of scheme B: redeem valid tokens in batches of up to
 * {@link REDEEM_BATCH} with one transaction each (docs/tickets.md,
 * "Redemption"). Crash safety: the batch is marked `submitted` (intent)
 * BEFORE the transaction is sent and its hash recorded right after; on the
 * next claim, submitted tokens are reconciled with the chain (`isSpent`), so
 * a relay killed at any instant loses no token and redeems none twice (the
 * contract's nullifiers make a second redemption revert anyway).
 */
import { bytesToHex, encodePacked, hexToBigInt, keccak256, parseEventLogs, type Address, type Hex } from "viem";
import type { TokenDomain } from "../../crypto/blind/encoding.js";
import type { ClaimResult, SchemeDeps, SettleScheme } from "../scheme.js";
import { forComponent, type Logger } from "../../log.js";
import { loadBlindBls } from "../../crypto/blind/bls.js";
import { g1ToEip2537, tokenMessage } from "../../crypto/blind/encoding.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import { resolveIssuer, ticketBank, type IssuerInfo } from "./bank.js";
import { RelayTokenStore, type StoredToken } from "./store.js";

/** Tokens per redemption transaction (≈ 4M gas; docs/tickets.md, "Gas"). */
export const REDEEM_BATCH = 100;

/** Lottery draw, identical to TicketBank._wins (the nullifier is keccak256 of the token message). */
export function wins(
  beacon: Hex,
  domain: TokenDomain,
  relay: Address,
  epoch: bigint,
  serial: Uint8Array,
  winBits: number,
): boolean {
  if (winBits === 0) return true;
  const nullifier = keccak256(tokenMessage(domain, relay, epoch, serial));
  return (
    hexToBigInt(keccak256(encodePacked(["bytes32", "bytes32"], [beacon, nullifier]))) >> BigInt(256 - winBits) === 0n
  );
}

/** Settlement of one relay's tokens. */
export class TicketsSettle implements SettleScheme {
  readonly #deps: SchemeDeps & { relay: Address };
  readonly #log: Logger;
  readonly #store: RelayTokenStore;

  constructor(deps: SchemeDeps & { relay: Address }) {
    this.#deps = deps;
    this.#log = forComponent(deps.log, "obol:tickets:settle");
    this.#store = new RelayTokenStore(deps.db);
  }

  async claim(): Promise<ClaimResult> {
    const { chain, relay } = this.#deps;
    const bank = ticketBank(chain);
    const issuer = await resolveIssuer(chain, this.#deps.db);
    const result: ClaimResult = {
      scheme: "tickets",
      relay,
      paid: 0n,
      gasUsed: 0n,
      transactions: [],
      details: { redeemed: 0, lost: 0, invalid: 0, reconciled: 0 },
    };
    await this.#reconcile(issuer, result);
    const now = (await chain.publicClient.getBlock()).timestamp;
    const byEpoch = new Map<bigint, StoredToken[]>();
    for (const t of this.#store.byState("valid")) byEpoch.set(t.epoch, [...(byEpoch.get(t.epoch) ?? []), t]);
    for (const [epoch, tokens] of byEpoch) {
      if (now >= (await bank.read.redeemDeadline([epoch]))) {
        this.#store.setState(tokens, "lost");
        (result.details.lost as number) += tokens.length;
        continue;
      }
      let eligible = tokens;
      if (issuer.winBits > 0) {
        const beacon = await this.#beacon(epoch, result);
        if (!beacon) continue; // not drawn yet: claim again later
        eligible = tokens.filter((t) => wins(beacon, issuer.domain, relay, epoch, t.serial, issuer.winBits));
        const losers = tokens.filter((t) => !eligible.includes(t));
        this.#store.setState(losers, "lost");
        (result.details.lost as number) += losers.length;
      }
      for (let i = 0; i < eligible.length; i += REDEEM_BATCH)
        await this.#redeem(issuer, epoch, eligible.slice(i, i + REDEEM_BATCH), result);
    }
    return result;
  }

  async #beacon(epoch: bigint, result: ClaimResult): Promise<Hex | null> {
    const { chain } = this.#deps;
    const bank = ticketBank(chain);
    let beacon = await bank.read.beacon([epoch]);
    if (hexToBigInt(beacon) !== 0n) return beacon;
    try {
      const hash = await bank.write.setBeacon([epoch]);
      const r = await chain.publicClient.waitForTransactionReceipt({ hash });
      result.gasUsed += r.gasUsed;
      result.transactions.push(hash);
    } catch (error) {
      this.#log.debug({ epoch, err: (error as Error).message }, "beacon not ready");
      return null;
    }
    beacon = await bank.read.beacon([epoch]);
    return hexToBigInt(beacon) === 0n ? null : beacon;
  }

  /** One batch: drop tokens the bank rejects off chain first (bisecting), then intent → send → receipt. */
  async #redeem(issuer: IssuerInfo, epoch: bigint, tokens: StoredToken[], result: ClaimResult): Promise<void> {
    const { chain, relay } = this.#deps;
    const bank = ticketBank(chain);
    const bls = await loadBlindBls();
    const args = (ts: StoredToken[]) => {
      const serials = new Uint8Array(16 * ts.length);
      ts.forEach((t, i) => {
        serials.set(t.serial, 16 * i);
      });
      return [bytesToHex(serials), bytesToHex(g1ToEip2537(bls.aggregate(ts.map((t) => t.signature))))] as const;
    };
    if (!(await bank.read.verifyBatch([issuer.address, relay, epoch, ...args(tokens)]))) {
      // A set that passed off chain only as a whole (e.g. a cancelling pair split by the lottery).
      const bad = tokens.filter(
        (t) => !bls.verify(tokenMessage(issuer.domain, relay, epoch, t.serial), t.signature, issuer.publicKey),
      );
      this.#store.setState(bad, "invalid");
      (result.details.invalid as number) += bad.length;
      tokens = tokens.filter((t) => !bad.includes(t));
      if (tokens.length === 0) return;
    }
    this.#store.setState(tokens, "submitted"); // intent, durably, before sending
    const hash = await bank.write.redeem([issuer.address, epoch, ...args(tokens)]);
    this.#store.setTxHash(tokens, hash);
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    result.transactions.push(hash);
    result.gasUsed += receipt.gasUsed;
    if (receipt.status !== "success") {
      await this.#reconcileTokens(issuer, tokens, result);
      return;
    }
    const [event] = parseEventLogs({ abi: ticketBankAbi, logs: receipt.logs, eventName: "Redeemed" });
    result.paid += event?.args.paid ?? 0n;
    this.#store.setState(tokens, "redeemed", hash);
    (result.details.redeemed as number) += tokens.length;
    this.#log.info({ epoch, tokens: tokens.length, gas: receipt.gasUsed }, "redeemed batch");
  }

  /** Submitted tokens from an earlier (possibly killed) claim: ask the chain what happened. */
  async #reconcile(issuer: IssuerInfo, result: ClaimResult): Promise<void> {
    const submitted = this.#store.byState("submitted");
    if (submitted.length > 0) await this.#reconcileTokens(issuer, submitted, result);
  }

  async #reconcileTokens(issuer: IssuerInfo, tokens: StoredToken[], result: ClaimResult): Promise<void> {
    const bank = ticketBank(this.#deps.chain);
    const spent: StoredToken[] = [];
    const unspent: StoredToken[] = [];
    for (const t of tokens) {
      ((await bank.read.isSpent([issuer.address, this.#deps.relay, t.epoch, bytesToHex(t.serial)]))
        ? spent
        : unspent
      ).push(t);
    }
    this.#store.setState(spent, "redeemed");
    this.#store.setState(unspent, "valid");
    (result.details.reconciled as number) += tokens.length;
    this.#log.info({ spent: spent.length, unspent: unspent.length }, "reconciled submitted tokens with the chain");
  }
}
