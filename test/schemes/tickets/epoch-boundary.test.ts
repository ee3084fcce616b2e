/**
 * Issue 17's lost first message: a relay learns the epoch by polling the chain
 * (every 2 s, and only after it has opened the epoch and re-read the
 * directory), while `obol send` reads the chain's epoch when it builds the
 * packet. Just after a boundary the client is one epoch AHEAD of the hops: it
 * pays with tokens of e+1 and a relay still at e refused them ("wrong epoch")
 * while `send` had exited 0. Real TicketBank, wallet, issuer and relay check.
 */
import { describe, expect, it } from "vitest";
import { getAddress, type Address } from "viem";
import { schemeEnv } from "./env.js";
import { EPOCH, PRICE } from "./helpers.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { readIssuer } from "../../../src/schemes/tickets/bank.js";
import { TicketsClient } from "../../../src/schemes/tickets/client.js";
import { TicketsRelay } from "../../../src/schemes/tickets/relay.js";
import { TicketsSettle } from "../../../src/schemes/tickets/settle.js";
import { decodeSlot, encodeSlot } from "../../../src/schemes/tickets/slot.js";
import { DepositEpochError } from "../../../src/schemes/tickets/errors.js";
import type { RouteHop } from "../../../src/schemes/scheme.js";
import { incomingPacket } from "../../../src/schemes/incoming.js";

const s = await schemeEnv();
const relay = getAddress(s.wallets[3]!.account.address);
const hop = (r: Address): RouteHop => ({ relay: r, mixKey: new Uint8Array(32), layer: 0 });
const packet = (slot: Uint8Array, epoch: bigint) => incomingPacket(slot, epoch);

describe("tickets at an epoch boundary", () => {
  it("a hop that has not yet polled the new epoch accepts the token the client paid with, and is paid for it", async () => {
    const c = s.participant(2);
    const issuer = await readIssuer(c.chain, s.wallets[1]!.account.address);
    const e = await s.bank.read.currentEpoch();
    // As in docs/operator.md §6b: tokens for this epoch and the next.
    for (const epoch of [e, e + 1n])
      await buyTokens(c.chain, c.db, s.bls, {
        epoch,
        relays: [relay],
        perRelay: 3,
        issuer,
        issue: (r) => s.issuer.issue(r),
      });
    const relayDeps = { ...s.participant(3), relay };
    const hopRelay = new TicketsRelay(relayDeps, { maxBatch: 4, maxDelayMs: 5 });
    await hopRelay.start();

    // The chain enters e+1; the client builds its packet at once, the relay's last poll still said e.
    await s.networkHelpers.time.increaseTo(s.genesis + (e + 1n) * EPOCH);
    const clientEpoch = await s.bank.read.currentEpoch();
    expect(clientEpoch).toBe(e + 1n);
    const pay = new TicketsClient(c);
    const [slot] = (await pay.pay({ route: [hop(relay)], secrets: [], epoch: clientEpoch, kind: "payload" })).slots;
    expect(await hopRelay.onPacket(packet(slot!, e))).toEqual({ accept: true, attachment: new Uint8Array(0) });
    // The same token is still one token: a replay after the relay caught up is a double spend.
    expect(await hopRelay.onPacket(packet(slot!, e + 1n))).toEqual({ accept: false, reason: "tickets: double spend" });

    // Redeemed like any other token of e+1.
    const before = await s.token.read.balanceOf([relay]);
    const claimed = await new TicketsSettle(relayDeps).claim();
    expect(claimed.details.redeemed).toBe(1);
    expect(await s.token.read.balanceOf([relay])).toBe(before + PRICE);
  });

  it("the window stays one epoch either side: e+2 and e−2 tokens are refused at a relay in e", async () => {
    const c = s.participant(4);
    const issuer = await readIssuer(c.chain, s.wallets[1]!.account.address);
    await s.networkHelpers.time.increaseTo(s.genesis + ((await s.bank.read.currentEpoch()) + 2n) * EPOCH);
    const e = await s.bank.read.currentEpoch();
    await buyTokens(c.chain, c.db, s.bls, {
      epoch: e,
      relays: [relay],
      perRelay: 4,
      issuer,
      issue: (r) => s.issuer.issue(r),
    });
    const hopRelay = new TicketsRelay({ ...s.participant(5), relay }, { maxBatch: 4, maxDelayMs: 5 });
    await hopRelay.start();
    const pay = new TicketsClient(c);
    const slots = (
      await pay.pay({ route: [hop(relay), hop(relay), hop(relay), hop(relay)], secrets: [], epoch: e, kind: "payload" })
    ).slots;
    // Relabelled epochs pass or fail the epoch filter before any signature check.
    const at = (i: number, epoch: bigint) => encodeSlot({ ...decodeSlot(slots[i]!), epoch });
    expect(await hopRelay.onPacket(packet(at(0, e + 2n), e))).toEqual({
      accept: false,
      reason: "tickets: wrong epoch",
    });
    expect(await hopRelay.onPacket(packet(at(1, e - 2n), e))).toEqual({
      accept: false,
      reason: "tickets: wrong epoch",
    });
    // Genuine e tokens at relays whose view is e−1 (lagging), e and e+1 (grace).
    expect((await hopRelay.onPacket(packet(slots[0]!, e - 1n))).accept).toBe(true);
    expect((await hopRelay.onPacket(packet(slots[1]!, e))).accept).toBe(true);
    expect((await hopRelay.onPacket(packet(slots[2]!, e + 1n))).accept).toBe(true);
  });

  it("buying for an epoch that ended while the buyer chose it is one typed error naming the epochs on sale", async () => {
    const c = s.participant(6);
    const issuer = await readIssuer(c.chain, s.wallets[1]!.account.address);
    const e = await s.bank.read.currentEpoch();
    const late = buyTokens(c.chain, c.db, s.bls, {
      epoch: e - 1n,
      relays: [relay],
      perRelay: 1,
      issuer,
      issue: (r) => s.issuer.issue(r),
    });
    await expect(late).rejects.toThrow(DepositEpochError);
    await expect(late).rejects.toThrow(
      `Tokens for epoch ${e - 1n} cannot be bought now: the TicketBank is in epoch ${e} and sells epochs ${e} to ${e + 8n}`,
    );
  });
});
