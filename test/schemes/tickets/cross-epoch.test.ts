/**
 * Regression (issue 10, finding 1): a buyer must not be able to spend money
 * that others paid. The whole flow runs on real parts: TicketBank, the issuer
 * core, the honest client's wallet, the relay's verifier and settlement.
 *
 * The attack: deposit for an epoch nobody uses (current + MAX_EPOCHS_AHEAD),
 * have the issuer blind-sign messages that name the busy epoch and the
 * attacker itself as relay, redeem them, then take back the "untouched"
 * deposit after its deadline. Before the fix (per-epoch pools, pro-rata
 * refunds per deposit) the attacker gained 30 token prices here, and 6 in the
 * second case; the tests call whatever take-back path the bank offers: now
 * `reclaim` of tokens still held (the attacker holds none).
 */
import { describe, it, expect } from "vitest";
import { getAddress } from "viem";
import { schemeEnv } from "./env.js";
import { batchArgs, PRICE } from "./helpers.js";
import { crossEpochBuy, crossEpochTakeBack, type AttackToken } from "../../../src/schemes/tickets/attacks.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { readIssuer } from "../../../src/schemes/tickets/bank.js";
import { TicketsClient } from "../../../src/schemes/tickets/client.js";
import { TicketsRelay } from "../../../src/schemes/tickets/relay.js";
import { TicketsSettle } from "../../../src/schemes/tickets/settle.js";
import { reclaimUnspent } from "../../../src/schemes/tickets/reclaim.js";
import { incomingPacket } from "../../../src/schemes/incoming.js";

const s = await schemeEnv();
const issuerAddress = getAddress(s.wallets[1]!.account.address);
const relayA = getAddress(s.wallets[3]!.account.address);
const attackerAccount = s.wallets[6]!.account;
const attacker = getAddress(attackerAccount.address);
const packet = incomingPacket;

/** The attacker's purchase (src/schemes/tickets/attacks.ts): a deposit for `depositEpoch`, messages naming `tokenEpoch` and itself. */
const attackerBuys = (depositEpoch: bigint, tokenEpoch: bigint, count: number) =>
  crossEpochBuy(s.chainOf(6), s.bls, issuerAddress, (r) => s.issuer.issue(r), depositEpoch, tokenEpoch, count);

/** The attacker's take-back step: reclaim every token it bought; refused when already redeemed. */
async function attackerTakesBack(tokens: AttackToken[]) {
  expect(await crossEpochTakeBack(s.chainOf(6), s.bls, issuerAddress, tokens)).toBe("TicketBankTokenSpent");
}

describe("cross-epoch theft (issue 10, finding 1)", () => {
  it("an attacker ends with no more than it paid, and the honest relay is paid in full", async () => {
    // An honest client buys 20 tokens of epoch 0 for relay A and spends them all at A.
    const honest = s.participant(2);
    const info = await readIssuer(honest.chain, issuerAddress);
    await buyTokens(honest.chain, honest.db, s.bls, {
      epoch: 0n,
      relays: [relayA],
      perRelay: 20,
      issuer: info,
      issue: (r) => s.issuer.issue(r),
    });
    const relayParts = s.participant(3);
    const relay = new TicketsRelay({ ...relayParts, relay: relayA }, { maxBatch: 8, maxDelayMs: 5 });
    await relay.start();
    const pay = new TicketsClient(honest);
    const verdicts = [];
    for (let i = 0; i < 20; i++) {
      const { slots } = await pay.pay({
        route: [{ relay: relayA, mixKey: new Uint8Array(32), layer: 1 }],
        secrets: [],
        epoch: 0n,
        kind: "payload",
      });
      verdicts.push(relay.onPacket(packet(slots[0]!)));
    }
    expect((await Promise.all(verdicts)).every((v) => v.accept)).toBe(true);

    // The attacker pays for 30 tokens of the unused epoch 8, has them name epoch 0.
    const start = await s.token.read.balanceOf([attacker]);
    const maxAhead = await s.bank.read.MAX_EPOCHS_AHEAD();
    const bought = await attackerBuys(maxAhead, 0n, 30);
    const paid = start - (await s.token.read.balanceOf([attacker]));
    expect(paid).toBe(30n * PRICE);
    // It redeems them as "relay" wherever the bank lets it.
    const { serials, signature } = batchArgs(s.bls, bought.tokens);
    // They are paid, from the one pool they were paid into: exactly what the attacker deposited.
    await s.publicClient.waitForTransactionReceipt({
      hash: await s.bank.write.redeem([issuerAddress, 0n, serials, signature], { account: attackerAccount }),
    });
    expect(await s.token.read.balanceOf([attacker])).toBe(start);

    // The honest relay claims everything it accepted.
    const settle = new TicketsSettle({ ...relayParts, relay: relayA });
    const relayBefore = await s.token.read.balanceOf([relayA]);
    const claim = await settle.claim();
    expect(claim.details.redeemed).toBe(20);
    expect((await s.token.read.balanceOf([relayA])) - relayBefore).toBe(20n * PRICE);

    // After its own epoch's deadline the attacker takes back whatever the bank returns.
    await s.networkHelpers.time.increaseTo(await s.bank.read.redeemDeadline([maxAhead]));
    await attackerTakesBack(bought.tokens);
    const end = await s.token.read.balanceOf([attacker]);
    expect(end - start, "attacker's profit in token units").toBeLessThanOrEqual(0n);
  });

  it("self-redeeming its own epoch's tokens earns the attacker no share of honest buyers' unspent money", async () => {
    const epoch = await s.bank.read.currentEpoch();
    const honest = s.participant(2);
    const info = await readIssuer(honest.chain, issuerAddress);
    const honestStart = await s.token.read.balanceOf([honest.chain.account]);
    const purchase = await buyTokens(honest.chain, honest.db, s.bls, {
      epoch,
      relays: [relayA],
      perRelay: 20,
      issuer: info,
      issue: (r) => s.issuer.issue(r),
    });
    const relayParts = s.participant(3);
    const relay = new TicketsRelay({ ...relayParts, relay: relayA }, { maxBatch: 8, maxDelayMs: 5 });
    await relay.start();
    const pay = new TicketsClient(honest);
    for (let i = 0; i < 10; i++) {
      const { slots } = await pay.pay({
        route: [{ relay: relayA, mixKey: new Uint8Array(32), layer: 1 }],
        secrets: [],
        epoch,
        kind: "payload",
      });
      expect((await relay.onPacket(packet(slots[0]!, epoch))).accept).toBe(true);
    }
    const start = await s.token.read.balanceOf([attacker]);
    const bought = await attackerBuys(epoch, epoch, 30);
    const { serials, signature } = batchArgs(s.bls, bought.tokens);
    await s.publicClient.waitForTransactionReceipt({
      hash: await s.bank.write.redeem([issuerAddress, epoch, serials, signature], { account: attackerAccount }),
    });
    const claim = await new TicketsSettle({ ...relayParts, relay: relayA }).claim();
    expect(claim.paid).toBe(10n * PRICE);
    await s.networkHelpers.time.increaseTo(await s.bank.read.redeemDeadline([epoch]));
    void purchase;
    await attackerTakesBack(bought.tokens);
    const reclaimed = await reclaimUnspent(honest.chain, honest.db, s.bls, info);
    expect(reclaimed).toMatchObject({ reclaimed: 10, paid: 10n * PRICE });
    expect((await s.token.read.balanceOf([attacker])) - start, "attacker's profit").toBeLessThanOrEqual(0n);
    // The honest buyer paid 20 and spent 10: it gets the other 10 back.
    expect(honestStart - (await s.token.read.balanceOf([honest.chain.account])), "honest buyer's net cost").toBe(
      10n * PRICE,
    );
  });
});
