/**
 * Economic attacks on tickets (docs/compare.md §Attack scenarios), run by
 * `obol compare` and by `test/schemes/tickets/cross-epoch.test.ts` against
 * the real TicketBank, issuer core, wallet, relay verifier and settlement.
 *
 * Cross-epoch buyer (issue 10, finding 1): deposit for an epoch nobody uses
 * (current + MAX_EPOCHS_AHEAD), have the issuer blind-sign messages that name
 * the busy epoch and the attacker itself as relay, redeem them there, then
 * take back the "untouched" deposit after its deadline. Under per-epoch pools
 * with pro-rata refunds the attacker gained what honest buyers paid; now each
 * token is paid from its own deposit and a redeemed token cannot be reclaimed.
 * No leaky variant of the contract ships, so this scenario has no control.
 */
import { join } from "node:path";
import { bytesToHex, getAddress, parseEventLogs, type Address } from "viem";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import { explainRevert } from "../../chain/errors.js";
import type { ChainClients } from "../../chain/types.js";
import type { BlindBls } from "../../crypto/blind/bls.js";
import { loadBlindBls } from "../../crypto/blind/bls.js";
import { g1ToEip2537, tokenMessage } from "../../crypto/blind/encoding.js";
import { forComponent } from "../../log.js";
import { openDatabase } from "../../store/db.js";
import type { AttackScenario } from "../devnet.js";
import { incomingPacket } from "../incoming.js";
import { readIssuer, ticketBank } from "./bank.js";
import { buyTokens } from "./buy.js";
import { TicketsClient } from "./client.js";
import { issuanceDigest, Issuer, type IssueRequest } from "./issuer.js";
import { TicketsRelay } from "./relay.js";
import { TicketsSettle } from "./settle.js";
import { ensureIssuerRegistered } from "./setup.js";

export type AttackToken = { relay: Address; epoch: bigint; serial: Uint8Array; signature: Uint8Array };

/** Redemption calldata of `tokens`: packed serials and the EIP-2537 aggregate signature. */
export function redemptionArgs(bls: BlindBls, tokens: readonly AttackToken[]) {
  const serials = new Uint8Array(16 * tokens.length);
  for (const [i, t] of tokens.entries()) serials.set(t.serial, 16 * i);
  return {
    serials: bytesToHex(serials),
    signature: bytesToHex(g1ToEip2537(bls.aggregate(tokens.map((t) => t.signature)))),
  };
}

/**
 * The attacker's purchase: a deposit for `depositEpoch`, blind messages
 * naming `tokenEpoch` and the attacker itself as relay, signed by the real issuer.
 *
 * @returns the deposit and the unblinded tokens.
 * @example
 * const { tokens } = await crossEpochBuy(attacker, bls, issuerAddress, issue, maxAhead, 0n, 30);
 */
export async function crossEpochBuy(
  attacker: ChainClients,
  bls: BlindBls,
  issuerAddress: Address,
  issue: (request: IssueRequest) => Promise<Uint8Array[]>,
  depositEpoch: bigint,
  tokenEpoch: bigint,
  count: number,
): Promise<{ depositId: bigint; tokens: AttackToken[] }> {
  const bank = ticketBank(attacker);
  const hash = await bank.write.deposit([issuerAddress, depositEpoch, count]);
  const receipt = await attacker.publicClient.waitForTransactionReceipt({ hash });
  const [event] = parseEventLogs({ abi: ticketBankAbi, logs: receipt.logs, eventName: "Deposited" });
  const depositId = event!.args.depositId;
  const info = await readIssuer(attacker, issuerAddress);
  const self = getAddress(attacker.account);
  const serials = Array.from({ length: count }, () => crypto.getRandomValues(new Uint8Array(16)));
  const states = serials.map((serial) => bls.blind(tokenMessage(info.domain, self, tokenEpoch, serial)));
  const blinded = states.map((st) => st.blinded);
  const digest = issuanceDigest(attacker.deployment.chainId, bank.address, issuerAddress, depositId, blinded);
  const signature = await attacker.walletClient.signMessage({
    account: attacker.walletClient.account!,
    message: { raw: digest },
  });
  const sigs = bls.unblindBatch(states, await issue({ depositId, blinded, signature }), info.publicKey);
  return {
    depositId,
    tokens: serials.map((serial, i) => ({ relay: self, epoch: tokenEpoch, serial, signature: sigs[i]! })),
  };
}

/**
 * The attacker's take-back: reclaims every token it bought (the only refund
 * path the bank offers). Returns the revert's error name when the bank
 * refuses, or null when it paid.
 */
export async function crossEpochTakeBack(
  attacker: ChainClients,
  bls: BlindBls,
  issuerAddress: Address,
  tokens: readonly AttackToken[],
): Promise<string | null> {
  const { serials, signature } = redemptionArgs(bls, tokens);
  try {
    const hash = await ticketBank(attacker).write.reclaim([
      issuerAddress,
      getAddress(attacker.account),
      tokens[0]!.epoch,
      serials,
      signature,
    ]);
    await attacker.publicClient.waitForTransactionReceipt({ hash });
    return null;
  } catch (error) {
    const revert = explainRevert(error);
    if (!revert) throw error;
    return revert.errorName ?? "revert";
  }
}

const PRICE = 10n ** 15n;
const HONEST_TOKENS = 20;
const ATTACK_TOKENS = 30;

export const crossEpochBuyer: AttackScenario = {
  name: "tickets.cross_epoch_buyer",
  attacker:
    "a buyer that deposits for an unused epoch, has tokens signed for the busy one, redeems them, then takes its deposit back",
  async run(context) {
    const log = forComponent(context.log, "obol:attack:cross-epoch");
    const [issuerChain, honest, relayChain, attacker] = (await context.accounts(4)) as [
      ChainClients,
      ChainClients,
      ChainClients,
      ChainClients,
    ];
    const bls = await loadBlindBls();
    const key = bls.keygen();
    await ensureIssuerRegistered(issuerChain, {
      publicKey: key.publicKey,
      price: PRICE,
      winBits: 0,
      stake: 1_000n * 10n ** 18n,
    });
    const db = (name: string) => openDatabase(join(context.dataDir, `${name}.sqlite`));
    const issuer = new Issuer({ chain: issuerChain, db: db("issuer"), log, bls, secretKey: key.secretKey });
    const issue = (r: IssueRequest) => issuer.issue(r);
    const info = await readIssuer(honest, issuerChain.account);
    const bank = ticketBank(attacker);
    const epoch = await bank.read.currentEpoch();
    const relay = getAddress(relayChain.account);

    // An honest client buys tokens of the busy epoch for the relay and spends them all there.
    const honestParts = { chain: honest, db: db("honest"), log, libp2p: undefined as never };
    await buyTokens(honest, honestParts.db, bls, {
      epoch,
      relays: [relay],
      perRelay: HONEST_TOKENS,
      issuer: info,
      issue,
    });
    const relayParts = { chain: relayChain, db: db("relay"), log, libp2p: undefined as never, relay };
    const verifier = new TicketsRelay(relayParts, { maxBatch: 8, maxDelayMs: 5 });
    await verifier.start();
    const pay = new TicketsClient(honestParts);
    let accepted = 0;
    for (let i = 0; i < HONEST_TOKENS; i++) {
      const { slots } = await pay.pay({
        route: [{ relay, mixKey: new Uint8Array(32), layer: 1 }],
        secrets: [],
        epoch,
        kind: "payload",
      });
      if ((await verifier.onPacket(incomingPacket(slots[0]!, epoch))).accept) accepted++;
    }
    await verifier.stop();

    // The attacker pays for tokens of the furthest epoch on sale, has them name the busy epoch and itself.
    const token = (c: ChainClients) => c.publicClient;
    const balance = async (who: Address) =>
      token(attacker).readContract({
        address: attacker.deployment.contracts.ObolToken,
        abi: obolTokenAbi,
        functionName: "balanceOf",
        args: [who],
      });
    await attacker.publicClient.waitForTransactionReceipt({
      hash: await attacker.walletClient.writeContract({
        address: attacker.deployment.contracts.ObolToken,
        abi: obolTokenAbi,
        functionName: "approve",
        args: [bank.address, PRICE * BigInt(ATTACK_TOKENS)],
        account: attacker.walletClient.account!,
        chain: attacker.walletClient.chain,
      }),
    });
    const start = await balance(attacker.account);
    const ahead = epoch + (await bank.read.MAX_EPOCHS_AHEAD());
    const bought = await crossEpochBuy(attacker, bls, issuerChain.account, issue, ahead, epoch, ATTACK_TOKENS);
    const { serials, signature } = redemptionArgs(bls, bought.tokens);
    let redeemed = "redeemed";
    try {
      await attacker.publicClient.waitForTransactionReceipt({
        hash: await bank.write.redeem([issuerChain.account, epoch, serials, signature]),
      });
    } catch (error) {
      redeemed = `redeem refused (${explainRevert(error)?.errorName ?? "revert"})`;
    }

    // The honest relay claims what it accepted.
    const relayBefore = await balance(relay);
    await new TicketsSettle(relayParts).claim();
    const relayPaid = (await balance(relay)) - relayBefore;

    // After the attacker's own epoch's deadline, it takes back whatever the bank returns.
    await context.timeTo(await bank.read.redeemDeadline([ahead]));
    const refused = await crossEpochTakeBack(attacker, bls, issuerChain.account, bought.tokens);
    const profit = (await balance(attacker.account)) - start;
    const owed = PRICE * BigInt(accepted);
    const shortfall = owed > relayPaid ? owed - relayPaid : 0n;
    return {
      succeeded: profit > 0n || shortfall > 0n,
      valueMoved: (profit > 0n ? profit : 0n) + shortfall,
      honest: [relay, honest.account, issuerChain.account],
      detail: `attacker's net ${profit >= 0n ? "+" : "−"}${fmt(profit < 0n ? -profit : profit)} OBOL after paying ${fmt(PRICE * BigInt(ATTACK_TOKENS))} (${redeemed}; take-back ${refused === null ? "paid" : `refused: ${refused}`}); honest relay paid ${fmt(relayPaid)} of ${fmt(owed)} OBOL owed`,
    };
  },
};

const fmt = (units: bigint) => (Number(units) / 1e18).toString();
