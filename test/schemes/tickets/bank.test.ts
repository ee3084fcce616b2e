/**
 * TicketBank on Hardhat's in-process chain with real BLS tokens: every path,
 * every revert with its custom error, events, and token conservation.
 */
import { describe, it, expect } from "vitest";
import { bytesToHex, getAddress, type Address } from "viem";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { batchArgs, connect, EPOCH, g2ToEip2537, hex, MIN_STAKE, mintTokens, OBOL, PRICE, WINDOW } from "./helpers.js";

const env = await connect();
const { viem, networkHelpers, wallets, bls } = env;
const [, issuerAcc, user, relay, otherRelay, user2, issuer2Acc] = wallets.map((w) => w.account);
const key = bls.keygen();
const fixture = () => env.deploy();

async function registered(winBits = 0, stake = MIN_STAKE, price = PRICE) {
  const f = await networkHelpers.loadFixture(fixture);
  bankAddress = f.bank.address;
  await f.bank.write.registerIssuer([hex(g2ToEip2537(key.publicKey)), price, winBits, stake], { account: issuerAcc });
  return f;
}
const issuer = issuerAcc!.address;
const chainId = await env.publicClient.getChainId();
/** Tokens of the bank under test (its address is the same in every fixture). */
let bankAddress: Address;
const domain = () => ({ chainId, bank: bankAddress, issuer });
const tokens = (n: number, to: Address = relay!.address, epoch = 0n) =>
  mintTokens(bls, key.secretKey, key.publicKey, domain(), to, epoch, n);

describe("TicketBank: issuers", () => {
  it("registers an issuer with its key, terms and stake", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const pk = hex(g2ToEip2537(key.publicKey));
    const tx = f.bank.write.registerIssuer([pk, PRICE, 0, MIN_STAKE], { account: issuerAcc });
    await viem.assertions.emit(tx, f.bank, "IssuerRegistered");
    const rec = await f.bank.read.issuer([issuer]);
    expect(rec.publicKey).toBe(pk);
    expect(rec.stake).toBe(MIN_STAKE);
    expect(await f.token.read.balanceOf([f.bank.address])).toBe(MIN_STAKE);
  });

  it("rejects bad registrations with the exact custom errors", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const pk = hex(g2ToEip2537(key.publicKey));
    const as = { account: issuerAcc };
    const b = f.bank;
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.registerIssuer([pk, 0n, 0, MIN_STAKE], as),
      b,
      "TicketBankInvalidTerms",
      [0n, 0],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.registerIssuer([pk, PRICE, 17, MIN_STAKE], as),
      b,
      "TicketBankInvalidTerms",
      [PRICE, 17],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.registerIssuer([pk, PRICE, 0, MIN_STAKE - 1n], as),
      b,
      "TicketBankStakeTooLow",
      [MIN_STAKE - 1n, MIN_STAKE],
    );
    // malformed keys
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.registerIssuer([hex(key.publicKey), PRICE, 0, MIN_STAKE], as),
      b,
      "BLS12381InvalidPointLength",
      [256n, 96n],
    );
    await viem.assertions.revertWithCustomError(
      b.write.registerIssuer([hex(new Uint8Array(256)), PRICE, 0, MIN_STAKE], as),
      b,
      "BLS12381PointAtInfinity",
    );
    const padded = g2ToEip2537(key.publicKey);
    padded[70] = 1; // padding byte of x.c1
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.registerIssuer([hex(padded), PRICE, 0, MIN_STAKE], as),
      b,
      "BLS12381NonCanonicalFieldElement",
      [64n],
    );
    const aboveP = g2ToEip2537(key.publicKey);
    aboveP.set(bls12_381.fields.Fp.toBytes(bls12_381.fields.Fp.ORDER - 1n), 16); // x.c0 = p − 1: canonical …
    aboveP[16 + 47] = 0xff; // … then bump the last byte so x.c0 ≥ p
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.registerIssuer([hex(aboveP), PRICE, 0, MIN_STAKE], as),
      b,
      "BLS12381NonCanonicalFieldElement",
      [0n],
    );
    const offCurve = g2ToEip2537(key.publicKey);
    offCurve[255]! ^= 1;
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.registerIssuer([hex(offCurve), PRICE, 0, MIN_STAKE], as),
      b,
      "BLS12381PrecompileFailed",
      ["0x000000000000000000000000000000000000000F"],
    );
    // registered once only, and one key per issuer
    await b.write.registerIssuer([pk, PRICE, 0, MIN_STAKE], as);
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.registerIssuer([pk, PRICE, 0, MIN_STAKE], as),
      b,
      "TicketBankIssuerExists",
      [issuer],
    );
    await f.token.write.approve([b.address, 2n ** 255n], { account: issuer2Acc });
    await f.token.write.transfer([issuer2Acc!.address, MIN_STAKE]);
    await viem.assertions.revertWithCustomError(
      b.write.registerIssuer([pk, PRICE, 0, MIN_STAKE], { account: issuer2Acc }),
      b,
      "TicketBankDuplicateKey",
    );
  });

  it("adds stake, unbonds, and withdraws only after the last deposited epoch's deadline", async () => {
    const f = await registered();
    const as = { account: issuerAcc };
    await viem.assertions.emitWithArgs(f.bank.write.addStake([5n * OBOL], as), f.bank, "IssuerStakeAdded", [
      issuer,
      5n * OBOL,
      MIN_STAKE + 5n * OBOL,
    ]);
    await f.bank.write.deposit([issuer, 2n, 10], { account: user });
    const deadline = await f.bank.read.redeemDeadline([2n]);
    expect(deadline).toBe(f.genesis + (2n + 2n + WINDOW) * EPOCH);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.withdrawStake(as),
      f.bank,
      "TicketBankStakeLocked",
      [deadline],
    );
    await viem.assertions.emitWithArgs(f.bank.write.unbondIssuer(as), f.bank, "IssuerUnbonding", [issuer, deadline]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.unbondIssuer(as),
      f.bank,
      "TicketBankIssuerUnbonding",
      [issuer],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.deposit([issuer, 2n, 1], { account: user }),
      f.bank,
      "TicketBankIssuerUnbonding",
      [issuer],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.withdrawStake(as),
      f.bank,
      "TicketBankStakeLocked",
      [deadline],
    );
    await networkHelpers.time.increaseTo(deadline);
    const before = await f.token.read.balanceOf([issuer]);
    await viem.assertions.emitWithArgs(f.bank.write.withdrawStake(as), f.bank, "IssuerStakeWithdrawn", [
      issuer,
      MIN_STAKE + 5n * OBOL,
    ]);
    expect(await f.token.read.balanceOf([issuer])).toBe(before + MIN_STAKE + 5n * OBOL);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.addStake([1n], { account: user }),
      f.bank,
      "TicketBankUnknownIssuer",
      [user!.address],
    );
  });
});

describe("TicketBank: deposits", () => {
  it("records a deposit and its pool, pulling price × count", async () => {
    const f = await registered();
    const tx = f.bank.write.deposit([issuer, 1n, 40], { account: user });
    await viem.assertions.emitWithArgs(tx, f.bank, "Deposited", [1n, user!.address, issuer, 1n, 40, 40n * PRICE]);
    expect(await f.bank.read.depositOf([1n])).toEqual({
      owner: getAddress(user!.address),
      issuer: getAddress(issuer),
      epoch: 1n,
      count: 40,
      amount: 40n * PRICE,
    });
    expect(await f.bank.read.pool([issuer])).toEqual({ deposited: 40n * PRICE, paid: 0n, tokens: 40n });
  });

  it("rejects unknown issuers, bad counts and epochs", async () => {
    const f = await registered();
    const as = { account: user };
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.deposit([user!.address, 0n, 1], as),
      f.bank,
      "TicketBankUnknownIssuer",
      [user!.address],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.deposit([issuer, 0n, 0], as),
      f.bank,
      "TicketBankInvalidCount",
      [0n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.deposit([issuer, 0n, 1_000_001], as),
      f.bank,
      "TicketBankInvalidCount",
      [1_000_001n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.deposit([issuer, 9n, 1], as),
      f.bank,
      "TicketBankInvalidEpoch",
      [9n, 0n],
    );
    await networkHelpers.time.increaseTo(f.genesis + 2n * EPOCH);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.deposit([issuer, 1n, 1], as),
      f.bank,
      "TicketBankInvalidEpoch",
      [1n, 2n],
    );
  });
});

describe("TicketBank: redemption", () => {
  it("pays a relay for a batch of real tokens, one transfer, with events", async () => {
    const f = await registered();
    await f.bank.write.deposit([issuer, 0n, 10], { account: user });
    const batch = tokens(4);
    const { serials, signature } = batchArgs(bls, batch);
    const before = await f.token.read.balanceOf([relay!.address]);
    const tx = f.bank.write.redeem([issuer, 0n, serials, signature], { account: relay });
    await viem.assertions.emitWithArgs(tx, f.bank, "Redeemed", [relay!.address, issuer, 0n, 4n, 4n * PRICE, 0n]);
    expect(await f.token.read.balanceOf([relay!.address])).toBe(before + 4n * PRICE);
    expect(await f.bank.read.isSpent([issuer, relay!.address, 0n, hex(batch[0]!.serial)])).toBe(true);
    expect(await f.bank.read.pool([issuer])).toMatchObject({ paid: 4n * PRICE });
  });

  it("rejects forged tokens, tokens of another relay or epoch, and double redemption", async () => {
    const f = await registered();
    await f.bank.write.deposit([issuer, 0n, 10], { account: user });
    await f.bank.write.deposit([issuer, 1n, 10], { account: user });
    const b = f.bank;
    const batch = tokens(2);
    const { serials, signature } = batchArgs(bls, batch);
    // forged: a signature under another key
    const forger = bls.keygen();
    const forged = mintTokens(bls, forger.secretKey, forger.publicKey, domain(), relay!.address, 0n, 1);
    const fa = batchArgs(bls, forged);
    await viem.assertions.revertWithCustomError(
      b.write.redeem([issuer, 0n, fa.serials, fa.signature], { account: relay }),
      b,
      "TicketBankInvalidSignature",
    );
    // another relay's tokens, and the same tokens claimed for another epoch
    await viem.assertions.revertWithCustomError(
      b.write.redeem([issuer, 0n, serials, signature], { account: otherRelay }),
      b,
      "TicketBankInvalidSignature",
    );
    await viem.assertions.revertWithCustomError(
      b.write.redeem([issuer, 1n, serials, signature], { account: relay }),
      b,
      "TicketBankInvalidSignature",
    );
    // a duplicate inside one batch
    const dup = batchArgs(bls, [batch[0]!, batch[0]!]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, dup.serials, dup.signature], { account: relay }),
      b,
      "TicketBankTokenSpent",
      [hex(batch[0]!.serial)],
    );
    // redeemed once, then never again, alone or inside a larger batch
    await b.write.redeem([issuer, 0n, serials, signature], { account: relay });
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, serials, signature], { account: relay }),
      b,
      "TicketBankTokenSpent",
      [hex(batch[0]!.serial)],
    );
    const more = batchArgs(bls, [...tokens(1), batch[1]!]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, more.serials, more.signature], { account: relay }),
      b,
      "TicketBankTokenSpent",
      [hex(batch[1]!.serial)],
    );
  });

  it("rejects malformed serials and non-canonical, infinite or off-curve signatures", async () => {
    const f = await registered();
    await f.bank.write.deposit([issuer, 0n, 10], { account: user });
    const b = f.bank;
    const as = { account: relay };
    const { serials, signature } = batchArgs(bls, tokens(1));
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, "0x", signature], as),
      b,
      "TicketBankInvalidSerials",
      [0n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, `${serials}00`, signature], as),
      b,
      "TicketBankInvalidSerials",
      [17n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, bytesToHex(new Uint8Array(16 * 257)), signature], as),
      b,
      "TicketBankInvalidSerials",
      [16n * 257n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([user!.address, 0n, serials, signature], as),
      b,
      "TicketBankUnknownIssuer",
      [user!.address],
    );
    const sig = Buffer.from(signature.slice(2), "hex");
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, serials, bytesToHex(sig.subarray(0, 127))], as),
      b,
      "BLS12381InvalidPointLength",
      [128n, 127n],
    );
    await viem.assertions.revertWithCustomError(
      b.write.redeem([issuer, 0n, serials, bytesToHex(new Uint8Array(128))], as),
      b,
      "BLS12381PointAtInfinity",
    );
    const padded = Uint8Array.from(sig);
    padded[64] = 1;
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, serials, bytesToHex(padded)], as),
      b,
      "BLS12381NonCanonicalFieldElement",
      [64n],
    );
    const pPlusX = Uint8Array.from(sig);
    pPlusX.set(
      Buffer.from(
        "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
        "hex",
      ),
      16,
    ); // x = p
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, serials, bytesToHex(pPlusX)], as),
      b,
      "BLS12381NonCanonicalFieldElement",
      [0n],
    );
    const offCurve = Uint8Array.from(sig);
    offCurve[127]! ^= 1;
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.redeem([issuer, 0n, serials, bytesToHex(offCurve)], as),
      b,
      "BLS12381PrecompileFailed",
      ["0x000000000000000000000000000000000000000F"],
    );
    // nothing was spent by the failed attempts
    await b.write.redeem([issuer, 0n, serials, signature], as);
  });

  it("closes redemption at the deadline", async () => {
    const f = await registered();
    await f.bank.write.deposit([issuer, 0n, 10], { account: user });
    const { serials, signature } = batchArgs(bls, tokens(1));
    const deadline = await f.bank.read.redeemDeadline([0n]);
    await networkHelpers.time.increaseTo(deadline);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.redeem([issuer, 0n, serials, signature], { account: relay }),
      f.bank,
      "TicketBankRedemptionClosed",
      [deadline],
    );
  });

  it("caps an over-issuing issuer at deposits plus stake", async () => {
    const price = 10n * OBOL; // the minimum stake covers 10 tokens
    const f = await registered(0, MIN_STAKE, price);
    await f.bank.write.deposit([issuer, 0n, 2], { account: user });
    // The issuer signs more tokens than were paid for and hands them to a colluding relay.
    const a = batchArgs(bls, tokens(4));
    const tx = f.bank.write.redeem([issuer, 0n, a.serials, a.signature], { account: relay });
    await viem.assertions.emitWithArgs(tx, f.bank, "IssuerStakeDrawn", [issuer, 0n, 2n * price]);
    expect((await f.bank.read.issuer([issuer])).stake).toBe(MIN_STAKE - 2n * price);
    const nine = batchArgs(bls, tokens(9));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.redeem([issuer, 0n, nine.serials, nine.signature], { account: relay }),
      f.bank,
      "TicketBankIssuerOverdrawn",
      [issuer, 0n, 9n * price, 8n * price],
    );
    const eight = batchArgs(bls, tokens(8));
    await f.bank.write.redeem([issuer, 0n, eight.serials, eight.signature], { account: relay });
    const last = batchArgs(bls, tokens(1));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.redeem([issuer, 0n, last.serials, last.signature], { account: relay }),
      f.bank,
      "TicketBankIssuerOverdrawn",
      [issuer, 0n, price, 0n],
    );
    // Relays got exactly deposits + stake; nothing is left.
    expect(await f.token.read.balanceOf([f.bank.address])).toBe(0n);
  });

  it("lottery mode: beacon after the grace epoch, only winners pay price·2^winBits", async () => {
    const f = await registered(2);
    await f.bank.write.deposit([issuer, 0n, 64], { account: user });
    const batch = tokens(24);
    const one = batchArgs(bls, batch.slice(0, 1));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.redeem([issuer, 0n, one.serials, one.signature], { account: relay }),
      f.bank,
      "TicketBankBeaconNotReady",
      [0n, f.genesis + 2n * EPOCH],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.setBeacon([0n]),
      f.bank,
      "TicketBankBeaconNotReady",
      [0n, f.genesis + 2n * EPOCH],
    );
    expect(await f.bank.read.isWinner([issuer, relay!.address, 0n, hex(batch[0]!.serial)])).toBe(false);
    await networkHelpers.time.increaseTo(f.genesis + 2n * EPOCH);
    await viem.assertions.emit(f.bank.write.setBeacon([0n]), f.bank, "BeaconSet");
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.setBeacon([0n]),
      f.bank,
      "TicketBankBeaconAlreadySet",
      [0n],
    );
    const wins = await Promise.all(batch.map((t) => f.bank.read.isWinner([issuer, relay!.address, 0n, hex(t.serial)])));
    const winners = batch.filter((_, i) => wins[i]);
    const loser = batch.find((_, i) => !wins[i])!;
    expect(winners.length).toBeGreaterThan(0); // P(no winner in 24 at p = 1/4) ≈ 1e-3
    const l = batchArgs(bls, [loser]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.redeem([issuer, 0n, l.serials, l.signature], { account: relay }),
      f.bank,
      "TicketBankTokenNotWinner",
      [hex(loser.serial)],
    );
    const w = batchArgs(bls, winners);
    const n = BigInt(winners.length);
    await viem.assertions.emitWithArgs(
      f.bank.write.redeem([issuer, 0n, w.serials, w.signature], { account: relay }),
      f.bank,
      "Redeemed",
      [relay!.address, issuer, 0n, n, n * 4n * PRICE, n * 4n * PRICE > 64n * PRICE ? n * 4n * PRICE - 64n * PRICE : 0n],
    );
  });
});

describe("TicketBank: expiry and reclaims", () => {
  it("after the deadline, whoever holds unspent tokens reclaims them once, at their price; no pro-rata refund", async () => {
    const f = await registered();
    await f.bank.write.deposit([issuer, 0n, 30], { account: user });
    await f.bank.write.deposit([issuer, 0n, 10], { account: user2 });
    const spent = batchArgs(bls, tokens(8));
    await f.bank.write.redeem([issuer, 0n, spent.serials, spent.signature], { account: relay });
    const held = tokens(5); // user2 bought these for the relay and never spent them
    const h = batchArgs(bls, held);
    const deadline = await f.bank.read.redeemDeadline([0n]);
    const as = { account: user2 };
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.reclaim([issuer, relay!.address, 0n, h.serials, h.signature], as),
      f.bank,
      "TicketBankRedemptionOpen",
      [deadline],
    );
    await networkHelpers.time.increaseTo(deadline);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.redeem([issuer, 0n, h.serials, h.signature], { account: relay }),
      f.bank,
      "TicketBankRedemptionClosed",
      [deadline],
    );
    // tokens already redeemed, or named for another relay, are not reclaimable
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.reclaim([issuer, relay!.address, 0n, spent.serials, spent.signature], as),
      f.bank,
      "TicketBankTokenSpent",
      [hex(tokensSerial(spent.serials, 0))],
    );
    await viem.assertions.revertWithCustomError(
      f.bank.write.reclaim([issuer, otherRelay!.address, 0n, h.serials, h.signature], as),
      f.bank,
      "TicketBankInvalidSignature",
    );
    const before = await f.token.read.balanceOf([user2!.address]);
    await viem.assertions.emitWithArgs(
      f.bank.write.reclaim([issuer, relay!.address, 0n, h.serials, h.signature], as),
      f.bank,
      "Reclaimed",
      [getAddress(user2!.address), issuer, getAddress(relay!.address), 0n, 5n, 5n * PRICE, 0n],
    );
    expect(await f.token.read.balanceOf([user2!.address])).toBe(before + 5n * PRICE);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.bank.write.reclaim([issuer, relay!.address, 0n, h.serials, h.signature], as),
      f.bank,
      "TicketBankTokenSpent",
      [hex(held[0]!.serial)],
    );
    // conservation: stake + the 27 tokens nobody presented are still in the bank
    expect(await f.token.read.balanceOf([f.bank.address])).toBe(MIN_STAKE + 27n * PRICE);
    expect(await f.bank.read.pool([issuer])).toMatchObject({ deposited: 40n * PRICE, paid: 13n * PRICE });
  });
});

function tokensSerial(serials: `0x${string}`, i: number): Uint8Array {
  return Buffer.from(serials.slice(2 + 32 * i, 2 + 32 * (i + 1)), "hex");
}
