/**
 * Scheme B end to end on real components: TicketBank on Hardhat's chain,
 * sqlite stores, the issuer core, the client wallet, the relay's batch
 * verifier and crash-safe settlement.
 */
import { describe, it, expect } from "vitest";
import { bytesToHex, getAddress, type Address } from "viem";
import { schemeEnv } from "./env.js";
import { batchArgs, EPOCH, PRICE } from "./helpers.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { readIssuer } from "../../../src/schemes/tickets/bank.js";
import { TicketsClient } from "../../../src/schemes/tickets/client.js";
import { TicketsRelay } from "../../../src/schemes/tickets/relay.js";
import { TicketsSettle } from "../../../src/schemes/tickets/settle.js";
import { RelayTokenStore } from "../../../src/schemes/tickets/store.js";
import { TokenWallet } from "../../../src/schemes/tickets/wallet.js";
import { decodeSlot, encodeSlot } from "../../../src/schemes/tickets/slot.js";
import { issuanceDigest } from "../../../src/schemes/tickets/issuer.js";
import { type IssuanceRefusedError, NoTokenError } from "../../../src/schemes/tickets/errors.js";
import type { RouteHop } from "../../../src/schemes/scheme.js";
import { incomingPacket } from "../../../src/schemes/incoming.js";

const s = await schemeEnv();
const relayA = getAddress(s.wallets[3]!.account.address);
const relayB = getAddress(s.wallets[4]!.account.address);
const hop = (relay: Address): RouteHop => ({ relay, mixKey: new Uint8Array(32), layer: 1 });
const packet = incomingPacket;

async function buy(clientIndex: number, relays: Address[], perRelay: number, epoch = 0n) {
  const c = s.participant(clientIndex);
  const issuer = await readIssuer(c.chain, s.wallets[1]!.account.address);
  const r = await buyTokens(c.chain, c.db, s.bls, {
    epoch,
    relays,
    perRelay,
    issuer,
    issue: (req) => s.issuer.issue(req),
  });
  return { ...c, ...r };
}

describe("tickets scheme: buy, pay, relay, claim", () => {
  it("pays every hop, accepts each token once at its own relay, and redeems on chain", async () => {
    const client = await buy(2, [relayA, relayB], 6);
    expect(client.tokens).toBe(12);
    expect(client.paid).toBe(12n * PRICE);
    const pay = new TicketsClient(client);
    const a = s.participant(3);
    const relay = new TicketsRelay({ ...a, relay: relayA }, { maxBatch: 4, maxDelayMs: 5 });
    await relay.start();
    const verdicts = [];
    const slots: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const { slots: ss } = await pay.pay({
        route: [hop(relayA), hop(relayB)],
        secrets: [],
        epoch: 0n,
        kind: "payload",
      });
      expect(ss.map((x) => x.length)).toEqual([72, 72]);
      slots.push(ss[0]!, ss[1]!);
      verdicts.push(relay.onPacket(packet(ss[0]!)));
    }
    expect((await Promise.all(verdicts)).every((v) => v.accept)).toBe(true);
    // replay, another relay's token, wrong epoch, forged, malformed
    expect(await relay.onPacket(packet(slots[0]!))).toEqual({ accept: false, reason: "tickets: double spend" });
    expect(await relay.onPacket(packet(slots[1]!))).toEqual({ accept: false, reason: "tickets: invalid token" });
    const t = decodeSlot(slots[3]!);
    expect(await relay.onPacket(packet(encodeSlot({ ...t, epoch: 5n }), 5n))).toEqual({
      accept: false,
      reason: "tickets: invalid token",
    });
    expect(await relay.onPacket(packet(slots[2]!, 3n))).toEqual({ accept: false, reason: "tickets: wrong epoch" });
    const forged = encodeSlot({
      epoch: 0n,
      serial: crypto.getRandomValues(new Uint8Array(16)),
      signature: decodeSlot(slots[2]!).signature,
    });
    expect(await relay.onPacket(packet(forged))).toEqual({ accept: false, reason: "tickets: invalid token" });
    expect(await relay.onPacket(packet(new Uint8Array(71)))).toEqual({
      accept: false,
      reason: "tickets: malformed slot",
    });
    // the wallet is empty for relay A after 6 payments? 5 used, 1 left
    expect(new TokenWallet(client.db).summary().find((r) => r.relay === relayA)).toMatchObject({
      unspent: 1,
      spent: 5,
    });
    const settle = new TicketsSettle({ ...a, relay: relayA });
    const before = await s.token.read.balanceOf([relayA]);
    const res = await settle.claim();
    expect(res.paid).toBe(5n * PRICE);
    expect(res.details.redeemed).toBe(5);
    expect(await s.token.read.balanceOf([relayA])).toBe(before + 5n * PRICE);
    expect((await settle.claim()).paid).toBe(0n); // nothing twice
  });

  it("client payment is atomic: a hop without a token consumes none", async () => {
    const client = await buy(5, [relayA], 1);
    const pay = new TicketsClient(client);
    await expect(pay.pay({ route: [hop(relayA), hop(relayB)], secrets: [], epoch: 0n, kind: "loop" })).rejects.toThrow(
      NoTokenError,
    );
    expect(new TokenWallet(client.db).summary()).toEqual([{ relay: relayA, epoch: 0n, unspent: 1, spent: 0 }]);
  });
});

describe("tickets scheme: issuer refusals", () => {
  it("refuses unknown deposits, strangers, wrong counts, other issuers' deposits, bad points, and a second request", async () => {
    const c = s.participant(6);
    const issuer = await readIssuer(c.chain, s.wallets[1]!.account.address);
    const bankAddr = s.bank.address;
    const chainId = c.chain.deployment.chainId;
    const dep = await s.bank.write.deposit([issuer.address, 0n, 2], { account: s.wallets[6]!.account });
    await s.publicClient.waitForTransactionReceipt({ hash: dep });
    const id = (await s.bank.read.depositOf([1n])).owner ? await lastDepositId() : 0n;
    const blinded = [0, 1].map((i) => s.bls.blind(new Uint8Array([i])).blinded);
    const sign = (w: number, points: Uint8Array[], depositId = id) =>
      s.wallets[w]!.signMessage({
        account: s.wallets[w]!.account,
        message: { raw: issuanceDigest(chainId, bankAddr, issuer.address, depositId, points) },
      });
    const refusal = async (p: Promise<unknown>) =>
      (
        (await p.then(
          () => null,
          (e) => e,
        )) as IssuanceRefusedError
      ).reason;
    expect(await refusal(s.issuer.issue({ depositId: 999n, blinded, signature: await sign(6, blinded, 999n) }))).toBe(
      "unknown-deposit",
    );
    expect(await refusal(s.issuer.issue({ depositId: id, blinded, signature: await sign(7, blinded) }))).toBe(
      "not-owner",
    );
    expect(
      await refusal(
        s.issuer.issue({ depositId: id, blinded: blinded.slice(0, 1), signature: await sign(6, blinded.slice(0, 1)) }),
      ),
    ).toBe("wrong-count");
    const bad = [blinded[0]!, new Uint8Array(48)];
    expect(await refusal(s.issuer.issue({ depositId: id, blinded: bad, signature: await sign(6, bad) }))).toBe(
      "bad-point",
    );
    // the owner's signature does not transfer to other points
    const other = [0, 1].map(() => s.bls.blind(new Uint8Array([9])).blinded);
    expect(await refusal(s.issuer.issue({ depositId: id, blinded: other, signature: await sign(6, blinded) }))).toBe(
      "not-owner",
    );
    const sigs = await s.issuer.issue({ depositId: id, blinded, signature: await sign(6, blinded) });
    expect(sigs).toHaveLength(2);
    expect(await refusal(s.issuer.issue({ depositId: id, blinded, signature: await sign(6, blinded) }))).toBe(
      "already-signed",
    );
    // the durable record holds counts only
    expect(s.issuerDb.prepare("SELECT * FROM tk_issued WHERE deposit_id = ?").get(id.toString())).toMatchObject({
      deposit_id: id.toString(),
      count: 2,
    });
    expect(Object.keys(s.issuerDb.prepare("SELECT * FROM tk_issued LIMIT 1").get() as object).sort()).toEqual([
      "count",
      "deposit_id",
      "signed_ms",
    ]);
  });
});

async function lastDepositId(): Promise<bigint> {
  let id = 1n;
  while ((await s.bank.read.depositOf([id + 1n])).owner !== "0x0000000000000000000000000000000000000000") id++;
  return id;
}

describe("tickets scheme: crash safety", () => {
  it("a relay killed mid-verification re-verifies pending tokens on restart", async () => {
    const client = await buy(7, [relayB], 3);
    const b = s.participant(4);
    const store = new RelayTokenStore(b.db);
    const pay = new TicketsClient(client);
    const good = decodeSlot((await pay.pay({ route: [hop(relayB)], secrets: [], epoch: 0n, kind: "drop" })).slots[0]!);
    store.claim(good.epoch, good.serial, good.signature); // stored, then killed before the verdict
    store.claim(0n, crypto.getRandomValues(new Uint8Array(16)), good.signature);
    const relay = new TicketsRelay({ ...b, relay: relayB });
    await relay.start();
    expect(store.counts()).toEqual({ valid: 1, invalid: 1 });
  });

  it("a relay killed mid-redemption loses no token and redeems none twice", async () => {
    const client = await buy(8, [relayB], 4);
    const b = s.participant(4);
    const relay = new TicketsRelay({ ...b, relay: relayB });
    await relay.start();
    const pay = new TicketsClient(client);
    for (let i = 0; i < 4; i++)
      expect(
        (
          await relay.onPacket(
            packet((await pay.pay({ route: [hop(relayB)], secrets: [], epoch: 0n, kind: "payload" })).slots[0]!),
          )
        ).accept,
      ).toBe(true);
    const store = new RelayTokenStore(b.db);
    const valid = store.byState("valid");
    // (1) killed after recording intent, before sending: two tokens stay 'submitted' with no tx
    store.setState(valid.slice(0, 2), "submitted");
    // (2) killed after the transaction was mined, before recording the outcome
    const mined = valid.slice(2);
    const { serials, signature } = batchArgs(
      s.bls,
      mined.map((t) => ({ relay: relayB, ...t })),
    );
    const hash = await s.bank.write.redeem([s.wallets[1]!.account.address, 0n, serials, signature], {
      account: s.wallets[4]!.account,
    });
    await s.publicClient.waitForTransactionReceipt({ hash });
    store.setState(mined, "submitted", hash);
    const before = await s.token.read.balanceOf([relayB]);
    const res = await new TicketsSettle({ ...b, relay: relayB }).claim();
    expect(res.details.reconciled).toBe(4);
    expect(res.details.redeemed).toBe(2); // only the two never sent
    expect(res.paid).toBe(2n * PRICE);
    expect(await s.token.read.balanceOf([relayB])).toBe(before + 2n * PRICE);
    expect(store.counts()).toEqual({ redeemed: 4 });
    for (const t of valid)
      expect(await s.bank.read.isSpent([s.wallets[1]!.account.address, relayB, 0n, bytesToHex(t.serial)])).toBe(true);
  });
});

describe("tickets scheme: lottery redemption", () => {
  it("waits for the beacon, redeems winners at price·2^winBits, marks losers lost", async () => {
    const l = await schemeEnv(1);
    const c = l.participant(2);
    const issuer = await readIssuer(c.chain, l.wallets[1]!.account.address);
    await buyTokens(c.chain, c.db, l.bls, {
      epoch: 0n,
      relays: [relayA],
      perRelay: 12,
      issuer,
      issue: (r) => l.issuer.issue(r),
    });
    const a = l.participant(3);
    const relay = new TicketsRelay({ ...a, relay: relayA });
    await relay.start();
    const pay = new TicketsClient(c);
    for (let i = 0; i < 12; i++)
      await relay.onPacket(
        packet((await pay.pay({ route: [hop(relayA)], secrets: [], epoch: 0n, kind: "payload" })).slots[0]!),
      );
    const settle = new TicketsSettle({ ...a, relay: relayA });
    expect((await settle.claim()).paid).toBe(0n); // beacon not drawable during epochs 0 and 1
    await l.networkHelpers.time.increaseTo(l.genesis + 2n * EPOCH);
    const res = await settle.claim();
    const won = res.details.redeemed as number;
    expect(won + (res.details.lost as number)).toBe(12);
    expect(res.paid).toBe(BigInt(won) * 2n * PRICE);
  });
});
