/**
 * The buyer's refund path (docs/tickets.md §4, "Expiry"): once an epoch's
 * redemption window has closed, the tokens still unspent in the wallet are
 * presented to the bank with `reclaim`, in batches per (relay, epoch), and
 * paid like a redemption. There is no per-deposit refund: with blind tokens
 * the bank cannot tell which deposit's tokens were spent (issue 10, finding 1).
 *
 * Crash safety: tokens are marked spent only after the receipt; a token the
 * bank already shows spent (an earlier reclaim whose receipt was lost, or the
 * relay redeemed it) is marked spent without a transaction. `obol tickets
 * reclaim` runs this.
 */
import type { SqlDatabase } from "../../store/port.js";
import { bytesToHex, hexToBigInt, parseEventLogs, type Hex } from "viem";
import type { ChainClients } from "../../chain/types.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import { explainRevert } from "../../chain/errors.js";
import type { BlindBls } from "../../crypto/blind/bls.js";
import { g1ToEip2537, tokenMessage } from "../../crypto/blind/encoding.js";
import { ticketBank, type IssuerInfo } from "./bank.js";
import { TicketsUnavailableError } from "./errors.js";
import { REDEEM_BATCH, wins } from "./settle.js";
import { TokenWallet, type WalletToken } from "./wallet.js";

export type ReclaimResult = {
  reclaimed: number;
  paid: bigint;
  /** Lottery mode: tokens that did not win, worth nothing. */
  losers: number;
  /** Tokens the bank already shows spent (their relay redeemed them, or an earlier reclaim). */
  alreadySpent: number;
  /** Tokens that do not verify under this deployment's domain and issuer key (bought elsewhere), left in the wallet. */
  foreign: number;
  /** Unspent tokens whose redemption window is still open, per epoch: relays may redeem them until `closesAt`. */
  open: { epoch: bigint; tokens: number; closesAt: bigint }[];
  transactions: Hex[];
};

/**
 * Reclaims every unspent wallet token whose epoch's redemption window has
 * closed; reports the rest. Tokens are checked off chain first (one batched
 * pairing per (relay, epoch), singly when that fails), so tokens bought on
 * another deployment are reported, never sent into a reverting transaction.
 * In lottery mode the epoch's beacon is drawn when nobody has yet (anyone may
 * from epoch e+2 on, and a deadline is later than that).
 *
 * @param chain the holder's chain clients (its account pays gas and is paid)
 * @param db the holder's database (wallet)
 * @param bls the blind-BLS backend (aggregation, verification)
 * @param issuer the issuer the tokens were bought from
 * @returns counts, amount paid, open epochs, transactions
 * @throws TicketsUnavailableError when a reclaim transaction reverts
 * @example
 * const r = await reclaimUnspent(chain, db, bls, await resolveIssuer(chain, db));
 */
export async function reclaimUnspent(
  chain: ChainClients,
  db: SqlDatabase,
  bls: BlindBls,
  issuer: IssuerInfo,
): Promise<ReclaimResult> {
  const bank = ticketBank(chain);
  const wallet = new TokenWallet(db);
  const result: ReclaimResult = {
    reclaimed: 0,
    paid: 0n,
    losers: 0,
    alreadySpent: 0,
    foreign: 0,
    open: [],
    transactions: [],
  };
  const now = (await chain.publicClient.getBlock({ blockTag: "latest" })).timestamp;
  const groups = new Map<string, WalletToken[]>();
  for (const t of wallet.unspentUpTo(BigInt(Number.MAX_SAFE_INTEGER))) {
    const key = `${t.epoch}:${t.relay}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const deadlines = new Map<bigint, bigint>();
  for (const tokens of groups.values()) {
    const { relay, epoch } = tokens[0]!;
    const genuine = ownTokens(bls, issuer, tokens);
    result.foreign += tokens.length - genuine.length;
    if (genuine.length === 0) continue;
    if (!deadlines.has(epoch)) deadlines.set(epoch, await bank.read.redeemDeadline([epoch]));
    const closesAt = deadlines.get(epoch)!;
    if (now < closesAt) {
      const open = result.open.find((o) => o.epoch === epoch);
      if (open) open.tokens += genuine.length;
      else result.open.push({ epoch, tokens: genuine.length, closesAt });
      continue;
    }
    const spent: WalletToken[] = [];
    let live: WalletToken[] = [];
    for (const t of genuine)
      ((await bank.read.isSpent([issuer.address, relay, epoch, bytesToHex(t.serial)])) ? spent : live).push(t);
    wallet.markSpent(spent);
    result.alreadySpent += spent.length;
    if (issuer.winBits > 0 && live.length > 0) {
      const beacon = await drawBeacon(chain, epoch, result);
      const losers = live.filter((t) => !wins(beacon, issuer.domain, relay, epoch, t.serial, issuer.winBits));
      wallet.markSpent(losers);
      result.losers += losers.length;
      live = live.filter((t) => !losers.includes(t));
    }
    for (let i = 0; i < live.length; i += REDEEM_BATCH) {
      const batch = live.slice(i, i + REDEEM_BATCH);
      const serials = new Uint8Array(16 * batch.length);
      batch.forEach((t, j) => {
        serials.set(t.serial, 16 * j);
      });
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
  result.open.sort((a, b) => Number(a.epoch - b.epoch));
  return result;
}

/** The tokens of one (relay, epoch) that verify under the issuer's key and this deployment's domain. */
function ownTokens(bls: BlindBls, issuer: IssuerInfo, tokens: readonly WalletToken[]): WalletToken[] {
  const item = (t: WalletToken) => ({
    message: tokenMessage(issuer.domain, t.relay, t.epoch, t.serial),
    signature: t.signature,
  });
  // One batch check, bisected on cached points when a token is not ours (a malformed point is false).
  const verdicts = bls.verifyEach(tokens.map(item), issuer.publicKey);
  return tokens.filter((_, i) => verdicts[i]);
}

/** The epoch's lottery beacon, drawn now when nobody has yet. */
async function drawBeacon(chain: ChainClients, epoch: bigint, result: ReclaimResult): Promise<Hex> {
  const bank = ticketBank(chain);
  let beacon = await bank.read.beacon([epoch]);
  if (hexToBigInt(beacon) === 0n) {
    try {
      const hash = await bank.write.setBeacon([epoch]);
      await chain.publicClient.waitForTransactionReceipt({ hash });
      result.transactions.push(hash);
    } catch (error) {
      // Someone (a relay's claim) drew it between our read and our call: theirs counts.
      if (explainRevert(error)?.errorName !== "TicketBankBeaconAlreadySet") throw error;
    }
    beacon = await bank.read.beacon([epoch]);
  }
  return beacon;
}
