/**
 * The buyer's refund path (docs/tickets.md §4, "Expiry"): once an epoch's
 * redemption window has closed, the tokens still unspent in the wallet are
 * presented to the bank with `reclaim`, in batches per (relay, epoch), and
 * paid like a redemption. There is no per-deposit refund: with blind tokens
 * the bank cannot tell which deposit's tokens were spent (issue 10, finding 1).
 *
 * Crash safety: tokens are marked spent only after the receipt; a token the
 * bank already shows spent (an earlier reclaim whose receipt was lost, or the
 * relay redeemed it) is marked spent without a transaction.
 */
import type { DatabaseSync } from "node:sqlite";
import { bytesToHex, hexToBigInt, parseEventLogs, type Hex } from "viem";
import type { ChainClients } from "../../chain/types.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import type { BlindBls } from "../../crypto/blind/bls.js";
import { g1ToEip2537 } from "../../crypto/blind/encoding.js";
import { ticketBank, type IssuerInfo } from "./bank.js";
import { TicketsUnavailableError } from "./errors.js";
import { REDEEM_BATCH, wins } from "./settle.js";
import { TokenWallet, type WalletToken } from "./wallet.js";

export type ReclaimResult = { reclaimed: number; paid: bigint; losers: number; transactions: Hex[] };

/**
 * Reclaims every unspent wallet token whose epoch's redemption window has closed.
 *
 * @param chain the holder's chain clients (its account is paid)
 * @param db the holder's database (wallet)
 * @param bls the blind-BLS backend (aggregation)
 * @param issuer the issuer the tokens were bought from
 * @returns tokens reclaimed, amount paid, lottery losers dropped, transactions
 * @example
 * const r = await reclaimUnspent(chain, db, bls, await resolveIssuer(chain, db));
 */
export async function reclaimUnspent(chain: ChainClients, db: DatabaseSync, bls: BlindBls, issuer: IssuerInfo): Promise<ReclaimResult> {
  const bank = ticketBank(chain);
  const wallet = new TokenWallet(db);
  const result: ReclaimResult = { reclaimed: 0, paid: 0n, losers: 0, transactions: [] };
  const now = (await chain.publicClient.getBlock({ blockTag: "latest" })).timestamp;
  const groups = new Map<string, WalletToken[]>();
  for (const t of wallet.unspentUpTo(await bank.read.currentEpoch())) {
    const key = `${t.epoch}:${t.relay}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  for (const tokens of groups.values()) {
    const { relay, epoch } = tokens[0]!;
    if (now < (await bank.read.redeemDeadline([epoch]))) continue;
    const spent: WalletToken[] = [];
    let live: WalletToken[] = [];
    for (const t of tokens) ((await bank.read.isSpent([issuer.address, relay, epoch, bytesToHex(t.serial)])) ? spent : live).push(t);
    wallet.markSpent(spent);
    if (issuer.winBits > 0) {
      const beacon = await bank.read.beacon([epoch]);
      if (hexToBigInt(beacon) === 0n) continue; // nobody drew it yet: the relay side sets it (settle.ts)
      const losers = live.filter((t) => !wins(beacon, issuer.domain, relay, epoch, t.serial, issuer.winBits));
      wallet.markSpent(losers);
      result.losers += losers.length;
      live = live.filter((t) => !losers.includes(t));
    }
    for (let i = 0; i < live.length; i += REDEEM_BATCH) {
      const batch = live.slice(i, i + REDEEM_BATCH);
      const serials = new Uint8Array(16 * batch.length);
      batch.forEach((t, j) => { serials.set(t.serial, 16 * j); });
      const signature = bytesToHex(g1ToEip2537(bls.aggregate(batch.map((t) => t.signature))));
      const hash = await bank.write.reclaim([issuer.address, relay, epoch, bytesToHex(serials), signature]);
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      result.transactions.push(hash);
      if (receipt.status !== "success") throw new TicketsUnavailableError(`reclaim transaction ${hash} reverted`);
      const [event] = parseEventLogs({ abi: ticketBankAbi, logs: receipt.logs, eventName: "Reclaimed" });
      wallet.markSpent(batch);
      result.reclaimed += batch.length;
      result.paid += event?.args.paid ?? 0n;
    }
  }
  return result;
}
