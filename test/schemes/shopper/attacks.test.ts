/**
 * The attacks of issue 11 on the real ShopperAudit + RelayRegistry: each test
 * plays the attacker and asserts that it gains nothing and that no honest
 * relay is recorded at fault (`shopper.framing.faults_on_honest` counts the
 * same events in bench/shopper.bench.ts).
 */
import { describe, expect, it } from "vitest";
import { bytesToHex, type Address, type Hex } from "viem";
import { createWorld, type World } from "./fixture.js";

/** Faults the registry holds against every relay except `attackers`. */
async function honestFaults(w: World, attackers: Address[]): Promise<bigint> {
  let sum = 0n;
  for (const r of w.relays) {
    if (attackers.some((a) => a.toLowerCase() === r.address.toLowerCase())) continue;
    sum += await w.registry.read.faults([r.address]);
  }
  return sum;
}

describe("finding 2: a reveal cannot be front-run", () => {
  it("a third party replaying the sender's proof with forged tags is refused; the honest reveal is paid", async () => {
    const w = await createWorld();
    const E = 1n;
    await w.gotoEpoch(E);
    const sender = w.relays[0]!;
    const loop = await w.loop(sender, E, 0);
    w.carry(E, loop.packet, loop.route[0]!.relay);
    await w.gotoEpoch(E + 1n);
    await w.commitAll(E);
    await w.gotoEpoch(E + 2n);
    await w.fixBeacon(E);
    // The attacker saw the pending reveal and submits the same proof first, with forged tags.
    const attacker = w.relays[5]!;
    const forged = w.claim(
      loop,
      loop.tags.map(() => crypto.getRandomValues(new Uint8Array(32))),
    );
    await w.viem.assertions.revertWithCustomError(
      w.shopper.write.reveal([sender.address, E, 0, bytesToHex(loop.proof), forged], {
        account: attacker.wallet.account,
      }),
      w.shopper,
      "ShopperAuditNotSender",
    );
    await w.shopper.write.reveal([sender.address, E, 0, bytesToHex(loop.proof), w.claim(loop)], {
      account: sender.wallet.account,
    });
    const auditId = w.auditIdOf(sender.address, E, 0);
    const hops = [0, 1, 2, 3, 4];
    await w.shopper.write.proveHops([
      auditId,
      w.claim(loop),
      hops,
      hops.map((h) => w.proofFor(E, loop.route[h]!.relay, loop.tags[h]!)!),
    ]);
    await w.gotoEpoch(E + 4n);
    await w.shopper.write.finalize([auditId]);
    expect((await w.shopper.read.audit([auditId])).status).toBe(2);
    expect(await honestFaults(w, [attacker.address])).toBe(0n);
  });
});

describe("finding 4: a stakeless sender cannot frame", () => {
  it("a relay that withdrew its stake cannot reveal a never-sent loop through a victim", async () => {
    const w = await createWorld();
    const sybil = w.relays[7]!;
    // Registered at 0, listed from 1; leaves in 1, and its stake is free long before E.
    await w.gotoEpoch(1n);
    await w.registry.write.unbond({ account: sybil.wallet.account });
    await w.gotoEpoch(6n);
    await w.registry.write.withdraw({ account: sybil.wallet.account });
    const E = 7n;
    await w.gotoEpoch(E);
    // Its key is still on record; it never sends the loop, only reveals it.
    const loop = await w.loop(sybil, E, 0);
    for (const r of w.relays) if (r !== sybil) w.noise(r, E, 3);
    await w.gotoEpoch(E + 1n);
    await w.commitAll(
      E,
      w.relays.filter((r) => r !== sybil),
    );
    await w.gotoEpoch(E + 2n);
    await w.fixBeacon(E);
    await w.viem.assertions.revertWithCustomError(
      w.shopper.write.reveal([sybil.address, E, 0, bytesToHex(loop.proof), w.claim(loop)], {
        account: sybil.wallet.account,
      }),
      w.shopper,
      "ShopperAuditSenderNotStaked",
    );
    expect(await honestFaults(w, [sybil.address])).toBe(0n);
  });

  it("a proven framing (false tag) slashes the sender's stake", async () => {
    const w = await createWorld();
    const E = 1n;
    await w.gotoEpoch(E);
    const sender = w.relays[0]!;
    const loop = await w.loop(sender, E, 0);
    w.carry(E, loop.packet, loop.route[0]!.relay);
    await w.gotoEpoch(E + 1n);
    await w.commitAll(E);
    await w.gotoEpoch(E + 2n);
    await w.fixBeacon(E);
    const tags = w.claim(loop);
    tags.tags[2] = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
    const stakeBefore = (await w.registry.read.relayInfo([sender.address])).stake;
    await w.shopper.write.reveal([sender.address, E, 0, bytesToHex(loop.proof), tags], {
      account: sender.wallet.account,
    });
    const auditId = w.auditIdOf(sender.address, E, 0);
    const victim = w.relayOf(loop.route[2]!.relay);
    await w.shopper.write.dispute([auditId, tags, 2], { account: victim.wallet.account });
    expect((await w.registry.read.relayInfo([sender.address])).stake).toBeLessThan(stakeBefore);
    expect(await honestFaults(w, [sender.address])).toBe(0n);
  });
});

describe("finding 5: a copied VRF key earns nothing", () => {
  it("the registry refuses a BLS key another relay already holds", async () => {
    const w = await createWorld();
    const owner = w.relays[0]!;
    const copier = w.wallets[w.relays.length + 1]!;
    await w.token.write.transfer([copier.account.address, 1000n * 10n ** 18n]);
    await w.token.write.approve([w.registry.address, 2n ** 255n], { account: copier.account });
    await w.viem.assertions.revertWithCustomError(
      w.registry.write.register(
        [1, `0x${"42".repeat(32)}`, bytesToHex(owner.vrf.publicKey), "/ip4/127.0.0.1/tcp/9999", 100n * 10n ** 18n],
        { account: copier.account },
      ),
      w.registry,
      "RelayRegistryDuplicateBlsKey",
    );
    // Nor can an existing relay switch to it.
    const other = w.relays[1]!;
    await w.viem.assertions.revertWithCustomError(
      w.registry.write.updateKeys([bytesToHex(other.mixKey), bytesToHex(owner.vrf.publicKey)], {
        account: other.wallet.account,
      }),
      w.registry,
      "RelayRegistryDuplicateBlsKey",
    );
  });

  it("the VRF input names the sender, so one key's proof is valid for one sender only", async () => {
    const w = await createWorld();
    const a = w.relays[0]!.address;
    const b = w.relays[1]!.address;
    const inputA = (await w.shopper.read.loopInput([a, 1n, 0])) as Hex;
    const inputB = (await w.shopper.read.loopInput([b, 1n, 0])) as Hex;
    expect(inputA).not.toBe(inputB);
    expect(inputA.toLowerCase()).toContain(a.slice(2).toLowerCase());
  });
});

describe("finding 7: a dropper cannot withdraw before its fault lands", () => {
  async function droppedLoop(w: World, E: bigint) {
    await w.gotoEpoch(E);
    const sender = w.relays[0]!;
    const loop = await w.loop(sender, E, 0);
    const dropper = w.relayOf(loop.route[2]!.relay);
    w.carry(E, loop.packet, loop.route[0]!.relay, { dropAt: dropper.address });
    return { sender, loop, dropper };
  }

  it("stake stays held while an audit through the relay is open, and the recorded fault slashes it", async () => {
    const w = await createWorld();
    const E = 1n;
    const { sender, loop, dropper } = await droppedLoop(w, E);
    await w.gotoEpoch(E + 1n);
    await w.commitAll(E);
    await w.gotoEpoch(E + 2n);
    await w.fixBeacon(E);
    await w.shopper.write.reveal([sender.address, E, 0, bytesToHex(loop.proof), w.claim(loop)], {
      account: sender.wallet.account,
    });
    const auditId = w.auditIdOf(sender.address, E, 0);
    const upTo = [0, 1, 2];
    await w.shopper.write.proveHops([
      auditId,
      w.claim(loop),
      upTo,
      upTo.map((h) => w.proofFor(E, loop.route[h]!.relay, loop.tags[h]!)!),
    ]);
    // The dropper sees the reveal and leaves at once.
    await w.registry.write.unbond({ account: dropper.wallet.account });
    await w.gotoEpoch(E + 3n + 2n);
    await w.viem.assertions.revertWithCustomError(
      w.registry.write.withdraw({ account: dropper.wallet.account }),
      w.registry,
      "RelayRegistryStakeHeld",
    );
    const stake = (await w.registry.read.relayInfo([dropper.address])).stake;
    await w.shopper.write.finalize([auditId]);
    expect(await w.registry.read.faults([dropper.address])).toBe(1n);
    expect((await w.registry.read.relayInfo([dropper.address])).stake).toBeLessThan(stake);
    // With the audit closed, the rest of the stake is free.
    await w.registry.write.withdraw({ account: dropper.wallet.account });
  });

  it("stake unlocks only after the reveal window of the last epoch served", async () => {
    const w = await createWorld();
    const E = 1n;
    const { dropper } = await droppedLoop(w, E);
    // Leaves during E (listed in E, gone from E + 1): before any reveal of E exists.
    await w.registry.write.unbond({ account: dropper.wallet.account });
    await w.gotoEpoch(E + 1n);
    await w.viem.assertions.revertWithCustomError(
      w.registry.write.withdraw({ account: dropper.wallet.account }),
      w.registry,
      "RelayRegistryStillLocked",
    );
    await w.gotoEpoch(E + 2n);
    await w.viem.assertions.revertWithCustomError(
      w.registry.write.withdraw({ account: dropper.wallet.account }),
      w.registry,
      "RelayRegistryStillLocked",
    );
  });
});

describe("finding 3: a malformed hop cannot frame", () => {
  it("a sender that makes hop 2 refuse its loop (delay above the cap) is faulted, hops 1 and 2 are not", async () => {
    const w = await createWorld();
    const E = 1n;
    await w.gotoEpoch(E);
    const sender = w.relays[0]!;
    // Same β, route and session key (so the same tags), but hop 2 is told to hold the packet for an hour.
    const { malformedLoop } = await import("../../../src/schemes/shopper/attacks-audit.js");
    const honest = await malformedLoop(w, sender, E, 0, 2);
    const { packet: malformed, sent } = honest;
    expect(w.carry(E, malformed, honest.route[0]!.relay)).toBe(2);
    for (const r of w.relays) w.noise(r, E, 3);
    await w.gotoEpoch(E + 1n);
    await w.commitAll(E);
    await w.gotoEpoch(E + 2n);
    await w.fixBeacon(E);
    // The sender reveals the header hashes of the packet it really sent (a false hash fails the proofs of hops 0-1).
    const claim = { tags: w.tagsHex(honest.tags), headers: w.tagsHex(honest.headers) };
    await w.shopper.write.reveal([sender.address, E, 0, bytesToHex(honest.proof), claim], {
      account: sender.wallet.account,
    });
    const auditId = w.auditIdOf(sender.address, E, 0);
    const upTo = [0, 1];
    await w.shopper.write.proveHops([
      auditId,
      claim,
      upTo,
      upTo.map((h) => w.proofFor(E, honest.route[h]!.relay, honest.tags[h]!)!),
    ]);
    // Hop 2 kept the header it refused; the contract recomputes ss and E from β and sees the hop had to refuse.
    const victim = w.relayOf(honest.route[2]!.relay);
    const evidence = victim.refused.get(`${E}:${bytesToHex(honest.tags[2]!)}`)!;
    expect(evidence).toEqual(sent[2]);
    // Hops 0 and 1 got headers they carry out: disputing them fails (the on-chain check accepts a good hop).
    for (const h of [0, 1]) {
      await w.viem.assertions.revertWithCustomErrorWithArgs(
        w.shopper.write.disputeHop([auditId, claim, h, bytesToHex(sent[h]!)]),
        w.shopper,
        "ShopperAuditDisputeRejected",
        [auditId, h],
      );
    }
    await w.viem.assertions.revertWithCustomErrorWithArgs(
      w.shopper.write.disputeHop([auditId, claim, 2, bytesToHex(sent[1]!)]),
      w.shopper,
      "ShopperAuditHeaderMismatch",
      [auditId, 2],
    );
    const stake = (await w.registry.read.relayInfo([sender.address])).stake;
    await w.viem.assertions.emitWithArgs(
      w.shopper.write.disputeHop([auditId, claim, 2, bytesToHex(evidence)], { account: victim.wallet.account }),
      w.shopper,
      "HopDisputed",
      [auditId, 2, victim.address],
    );
    expect((await w.shopper.read.audit([auditId])).status).toBe(4);
    expect((await w.registry.read.relayInfo([sender.address])).stake).toBeLessThan(stake);
    expect(await w.registry.read.faults([sender.address])).toBe(1n);
    expect(await honestFaults(w, [sender.address])).toBe(0n);
  });

  it("every hop of an honest loop carries out its header: no dispute against an honest sender succeeds", async () => {
    const w = await createWorld();
    const E = 1n;
    await w.gotoEpoch(E);
    const sender = w.relays[0]!;
    const loop = await w.loop(sender, E, 0);
    w.carry(E, loop.packet, loop.route[0]!.relay);
    await w.gotoEpoch(E + 1n);
    await w.commitAll(E);
    await w.gotoEpoch(E + 2n);
    await w.fixBeacon(E);
    await w.shopper.write.reveal([sender.address, E, 0, bytesToHex(loop.proof), w.claim(loop)], {
      account: sender.wallet.account,
    });
    const auditId = w.auditIdOf(sender.address, E, 0);
    const { hopHeaders } = await import("../../../src/schemes/shopper/loop.js");
    const { deriveHopSecrets } = await import("../../../src/crypto/sphinx/header.js");
    const { x25519Group } = await import("../../../src/crypto/sphinx/group.js");
    const { PARAMS } = await import("./fixture.js");
    const { secrets } = deriveHopSecrets({
      group: x25519Group,
      sessionKey: loop.sessionKey,
      publicKeys: loop.route.map((h) => h.mixKey),
    });
    const headers = hopHeaders(loop.packet, secrets, PARAMS);
    for (let h = 0; h < 5; h++) {
      await w.viem.assertions.revertWithCustomErrorWithArgs(
        w.shopper.write.disputeHop([auditId, w.claim(loop), h, bytesToHex(headers[h]!)]),
        w.shopper,
        "ShopperAuditDisputeRejected",
        [auditId, h],
      );
    }
    expect(await w.registry.read.faults([sender.address])).toBe(0n);
  });
});

describe("finding 8: the beacon cannot be ground", () => {
  it("neither the block contents nor the time of the trigger change the beacon once epoch e + 2 is open", async () => {
    const w = await createWorld({ gateways: 1, mixesPerLayer: 1 });
    const E = 1n;
    // Entering e + 2 opens it in the registry, as every relay does at the start of an epoch.
    await w.gotoEpoch(E + 2n);
    const beacons = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const snapshot = await w.networkHelpers.takeSnapshot();
      // The attacker triggers at a block of its choosing and, as builder, fills the next block as it likes.
      await w.networkHelpers.mine(i + 1);
      await w.shopper.write.requestBeacon([E]);
      await w.token.write.transfer([w.relays[0]!.address, BigInt(i + 1)]);
      await w.networkHelpers.mine(1);
      await w.shopper.write.fixBeacon([E]);
      beacons.add(await w.shopper.read.beaconOf([E]));
      await snapshot.restore();
    }
    // No choice left: one beacon however the attacker times or builds (docs/shopper.md §10 states the bound).
    expect(beacons.size).toBe(1);
  });
});
