/**
 * Issue 11, finding 6: no per-epoch call of the secret shopper may grow with
 * the number of registered relays. Sybils with refundable stake used to push
 * the directory snapshot (done by the first `commit` of every epoch) past the
 * per-transaction gas cap (2^24, EIP-7825) at about 235 relays, after which no
 * relay could commit. Speed is not asserted here; gas is deterministic.
 */
import { describe, expect, it } from "vitest";
import { bytesToHex, type Hex } from "viem";
import { createWorld, OBOL, type World } from "./fixture.js";

/** The per-transaction gas cap of EIP-7825 (Osaka). */
const TX_GAS_CAP = 1n << 24n;
/** Gas the first commitment of an epoch may grow by from 8 to 256 relays (a few binary-search steps). */
const ALLOWED_GROWTH = 20_000n;

async function registerSybilMixes(w: World, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const a = `0x${(0x6000_0000 + i).toString(16).padStart(40, "0")}` as Hex;
    await w.networkHelpers.impersonateAccount(a);
    await w.networkHelpers.setBalance(a, 10n ** 20n);
    await w.token.write.transfer([a, 100n * OBOL]);
    await w.token.write.approve([w.registry.address, 2n ** 255n], { account: a });
    const mixKey = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
    await w.registry.write.register([1, mixKey, "0x", "/ip4/127.0.0.1/tcp/1", 100n * OBOL], { account: a });
  }
}

/** Gas of the first commitment of `epoch` (which freezes that epoch's directory), estimated in epoch + 1. */
async function firstCommitGas(w: World, epoch: bigint): Promise<bigint> {
  const r = w.relays[0]!;
  return w.publicClient.estimateContractGas({
    address: w.shopper.address,
    abi: w.shopper.abi,
    functionName: "commit",
    args: [epoch, `0x${"11".repeat(32)}`, 1n],
    account: r.wallet.account,
  });
}

describe("finding 6: no per-epoch call grows with the network", () => {
  it("the first commitment of an epoch costs the same with 8 and with 256 registered relays", async () => {
    const w = await createWorld();
    await w.gotoEpoch(1n);
    // 248 Sybil mixes join in epoch 1, so epoch 1 lists the fixture's 8 relays and epoch 2 lists 256.
    await registerSybilMixes(w, 248);
    await w.gotoEpoch(2n);
    const small = await firstCommitGas(w, 1n);
    await w.gotoEpoch(3n);
    expect(await w.registry.read.relayCount()).toBe(256n);
    const large = await firstCommitGas(w, 2n);
    expect(large).toBeLessThan(TX_GAS_CAP);
    expect(large - small).toBeLessThan(ALLOWED_GROWTH);
    // And the commitment goes through: relays of a 256-relay network can still commit.
    const r = w.relays[0]!;
    await w.shopper.write.commit([2n, `0x${"11".repeat(32)}`, 1n], { account: r.wallet.account });
    expect((await w.shopper.read.commitment([2n, r.address]))[0]).toBe(`0x${"11".repeat(32)}`);
  }, 600_000);
});
