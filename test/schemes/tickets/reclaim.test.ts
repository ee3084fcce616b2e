/**
 * `reclaimUnspent` in lottery mode (winBits = 2) on the real TicketBank: the
 * beacon is drawn by the reclaim when nobody has, tokens spent at a relay
 * stay out of it, an epoch still open is reported with its deadline, losers
 * are dropped without a transaction, and the holder is paid exactly
 * price · 2^winBits per winning unspent token, once.
 */
import { describe, expect, it } from "vitest";
import { getAddress } from "viem";
import { schemeEnv } from "./env.js";
import { PRICE } from "./helpers.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { readIssuer } from "../../../src/schemes/tickets/bank.js";
import { reclaimUnspent } from "../../../src/schemes/tickets/reclaim.js";
import { wins } from "../../../src/schemes/tickets/settle.js";
import { TicketsClient } from "../../../src/schemes/tickets/client.js";
import { TicketsRelay } from "../../../src/schemes/tickets/relay.js";
import { TokenWallet } from "../../../src/schemes/tickets/wallet.js";

const WIN_BITS = 2;
const s = await schemeEnv(WIN_BITS);
const relay = getAddress(s.wallets[3]!.account.address);

describe("reclaimUnspent in lottery mode", () => {
  it("reports the open window, then drops losers and pays winners at price · 2^winBits, once", async () => {
    const c = s.participant(2);
    const issuer = await readIssuer(c.chain, s.wallets[1]!.account.address);
    await buyTokens(c.chain, c.db, s.bls, {
      epoch: 0n,
      relays: [relay],
      perRelay: 24,
      issuer,
      issue: (r) => s.issuer.issue(r),
    });
    // The client spends 4 at the relay: those are the relay's, not the holder's, to redeem.
    const hop = new TicketsRelay({ ...s.participant(3), relay }, { maxBatch: 4, maxDelayMs: 5 });
    await hop.start();
    const pay = new TicketsClient(c);
    for (let i = 0; i < 4; i++) {
      const [slot] = (
        await pay.pay({
          route: [{ relay, mixKey: new Uint8Array(32), layer: 0 }],
          secrets: [],
          epoch: 0n,
          kind: "payload",
        })
      ).slots;
      expect(
        (
          await hop.onPacket({
            slot: slot!,
            attachment: new Uint8Array(0),
            ss: new Uint8Array(32),
            replayTag: new Uint8Array(32),
            packetRef: new Uint8Array(32),
            fromPeer: "p",
            nextHop: null,
            epoch: 0n,
          })
        ).accept,
      ).toBe(true);
    }
    const deadline = await s.bank.read.redeemDeadline([0n]);
    const early = await reclaimUnspent(c.chain, c.db, s.bls, issuer);
    expect(early).toMatchObject({
      reclaimed: 0,
      losers: 0,
      alreadySpent: 0,
      foreign: 0,
      open: [{ epoch: 0n, tokens: 20, closesAt: deadline }],
    });

    // Nobody drew the epoch's beacon (no relay claimed): the reclaim draws it.
    await s.networkHelpers.time.increaseTo(deadline);
    expect(BigInt(await s.bank.read.beacon([0n]))).toBe(0n);
    const unspent = new TokenWallet(c.db).unspentUpTo(0n);
    const before = await s.token.read.balanceOf([c.chain.account]);
    const r = await reclaimUnspent(c.chain, c.db, s.bls, issuer);
    const beacon = await s.bank.read.beacon([0n]);
    expect(BigInt(beacon)).not.toBe(0n);
    const winners = unspent.filter((t) => wins(beacon, issuer.domain, relay, 0n, t.serial, WIN_BITS)).length;
    expect(r).toMatchObject({ reclaimed: winners, losers: 20 - winners, alreadySpent: 0, foreign: 0, open: [] });
    expect(r.transactions).toHaveLength(winners > 0 ? 2 : 1); // setBeacon, then one reclaim batch
    expect(r.paid).toBe(BigInt(winners) * PRICE * 2n ** BigInt(WIN_BITS));
    expect(await s.token.read.balanceOf([c.chain.account])).toBe(before + r.paid);
    expect(new TokenWallet(c.db).summary()).toEqual([{ relay, epoch: 0n, unspent: 0, spent: 24 }]);
    expect(await reclaimUnspent(c.chain, c.db, s.bls, issuer)).toMatchObject({ reclaimed: 0, losers: 0, open: [] });
  });
});
