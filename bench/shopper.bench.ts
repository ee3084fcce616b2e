/**
 * Secret-shopper figures (docs/shopper.md §Measurements), all on Hardhat's
 * in-process chain with the real contracts, real VRF proofs and real Sphinx
 * loop packets:
 * - shopper.gas.* — gas of each transaction of the audit path;
 * - shopper.relay_us_per_packet — relay CPU for the scheme per packet: durable
 *   tag insert (sqlite, WAL, in 100-packet group commits) plus its share of the
 *   epoch's Merkle tree;
 * - shopper.epochs_to_catch_10pct_dropper_model — the model's audited epochs
 *   until a relay that drops 10 % of packets is first recorded,
 *   1 / (1 − (1 − ε·d / n_L)^(S·J)) (measured in shopper-classifier.bench.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { bytesToHex, encodeFunctionData, hexToBytes, type Hex } from "viem";
import type { BenchOptions, Metric } from "./metric.js";
import { createWorld, PARAMS, type Relay, type World } from "../test/schemes/shopper/fixture.js";
import { deriveHopSecrets } from "../src/crypto/sphinx/header.js";
import { x25519Group } from "../src/crypto/sphinx/group.js";
import { createPacket } from "../src/crypto/sphinx/packet.js";
import type { HopInstruction } from "../src/crypto/sphinx/hop.js";
import { deployHarness } from "../test/schemes/shopper/harness.js";
import { openDatabase, transaction } from "../src/store/db.js";
import { headerHashOf, hopHeaders } from "../src/schemes/shopper/loop.js";
import { ShopperStore } from "../src/schemes/shopper/store.js";
import { buildMerkleTree } from "../src/crypto/merkle.js";
import { vrfKeygen, vrfProve } from "../src/crypto/vrf/bls.js";

async function gasOf(w: World, hash: Promise<Hex>): Promise<bigint> {
  return (await w.publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed;
}

/** Calldata cost (EIP-2028) so a view's estimate can be reduced to execution gas. */
function calldataGas(data: Hex): bigint {
  let g = 0n;
  for (let i = 2; i < data.length; i += 2) g += data.slice(i, i + 2) === "00" ? 4n : 16n;
  return g;
}

export async function gasFigures(): Promise<Metric[]> {
  const w = await createWorld({ gateways: 2, mixesPerLayer: 2, jMax: 4 });
  const E = 1n;
  await w.gotoEpoch(E);
  const snapshot = await gasOf(w, w.shopper.write.snapshotDirectory([E]));
  const sender = w.relays[0]!;
  const a = await w.loop(sender, E, 0);
  const b = await w.loop(sender, E, 1);
  const c = await w.loop(sender, E, 2); // every hop proves it, its delivery is reported missing
  w.carry(E, a.packet, a.route[0]!.relay);
  w.carry(E, b.packet, b.route[0]!.relay);
  w.carry(E, c.packet, c.route[0]!.relay);
  for (const r of w.relays) w.noise(r, E, 1000); // ~1k tags per relay per epoch: proofs of depth 10
  await w.gotoEpoch(E + 1n);
  const commits: bigint[] = [];
  for (const r of w.relays) {
    const tree = buildMerkleTree(r.tags.get(E)!);
    commits.push(
      await gasOf(
        w,
        w.shopper.write.commit([E, bytesToHex(tree.root), BigInt(tree.size)], { account: r.wallet.account }),
      ),
    );
    w.trees.set(`${E}:${r.address}`, tree);
  }
  await w.gotoEpoch(E + 2n);
  await w.fixBeacon(E);
  const reveal = await gasOf(
    w,
    w.shopper.write.reveal([sender.address, E, 0, bytesToHex(a.proof), w.claim(a)], { account: sender.wallet.account }),
  );
  const id = w.auditIdOf(sender.address, E, 0);
  const proofs = [0, 1, 2, 3, 4].map((h) => w.proofFor(E, a.route[h]!.relay, a.tags[h]!)!);
  const prove = await gasOf(w, w.shopper.write.proveHops([id, w.claim(a), [0, 1, 2, 3, 4], proofs]));
  // Before the dispute below, which slashes the sender's whole minStake (it could then not reveal).
  await w.shopper.write.reveal([sender.address, E, 2, bytesToHex(c.proof), w.claim(c)], {
    account: sender.wallet.account,
  });
  const undeliveredId = w.auditIdOf(sender.address, E, 2);
  const cProofs = [0, 1, 2, 3, 4].map((h) => w.proofFor(E, c.route[h]!.relay, c.tags[h]!)!);
  await w.shopper.write.proveHops([undeliveredId, w.claim(c), [0, 1, 2, 3, 4], cProofs]);
  const reportUndelivered = await gasOf(
    w,
    w.shopper.write.reportUndelivered([undeliveredId, w.claim(c)], { account: sender.wallet.account }),
  );
  const lie = [...b.tags];
  lie[4] = new Uint8Array(32).fill(1);
  await w.shopper.write.reveal([sender.address, E, 1, bytesToHex(b.proof), w.claim(b, lie)], {
    account: sender.wallet.account,
  });
  const dispute = await gasOf(w, w.shopper.write.dispute([w.auditIdOf(sender.address, E, 1), w.claim(b, lie), 4]));
  await w.gotoEpoch(E + 4n);
  // The reported loop first, so the paid loop's finalize releases the last stake holds, as it did alone.
  const finalizeUndelivered = await gasOf(w, w.shopper.write.finalize([undeliveredId]));
  const finalize = await gasOf(w, w.shopper.write.finalize([id]));

  const harness = await deployHarness(w.viem as never);
  const keys = vrfKeygen();
  const alpha = new Uint8Array(randomBytes(64));
  const { proof } = vrfProve(keys.secretKey, alpha);
  const { encodeFunctionData } = await import("viem");
  const { vrfHarnessAbi } = await import("../test/schemes/shopper/harness.js");
  const data = encodeFunctionData({
    abi: vrfHarnessAbi,
    functionName: "vrfVerify",
    args: [bytesToHex(keys.publicKey), bytesToHex(alpha), bytesToHex(proof)],
  });
  const vrf = (await w.publicClient.estimateGas({ to: harness.address, data })) - 21_000n - calldataGas(data);
  const mean = commits.reduce((s, g) => s + g, 0n) / BigInt(commits.length);
  return [
    {
      metric: "shopper.gas.commit",
      value: Number(mean),
      unit: "gas",
      note: "per relay per epoch; the first commit of an epoch also pays the directory snapshot unless done before",
    },
    {
      metric: "shopper.gas.snapshot_directory",
      value: Number(snapshot),
      unit: "gas",
      note: "once per epoch for the network, 8 relays",
    },
    {
      metric: "shopper.gas.audit_route",
      value: Number(reveal + prove + finalize),
      unit: "gas",
      note: `one winning 5-hop loop: reveal ${reveal} + 5 proofs ${prove} + finalize ${finalize}`,
    },
    { metric: "shopper.gas.reveal", value: Number(reveal), unit: "gas" },
    {
      metric: "shopper.gas.prove_5_hops",
      value: Number(prove),
      unit: "gas",
      note: "5 Merkle proofs of depth 10 in one tx",
    },
    { metric: "shopper.gas.finalize_paid", value: Number(finalize), unit: "gas" },
    {
      metric: "shopper.gas.report_undelivered",
      value: Number(reportUndelivered),
      unit: "gas",
      note: `the sender reports its loop's delivery missing (all 5 hops proved); its finalize, which faults the exit and the sender, ${finalizeUndelivered} gas (another audit still open)`,
    },
    {
      metric: "shopper.gas.dispute",
      value: Number(dispute),
      unit: "gas",
      note: "worst case, hop 4: 20 X25519 ladders on chain",
    },
    {
      metric: "shopper.gas.vrf_verify",
      value: Number(vrf),
      unit: "gas",
      note: "execution only: hash to G1 (2 map + add) + 2-pair pairing check",
    },
  ];
}

function relayMicros(quick: boolean): Metric[] {
  const dir = mkdtempSync(join(tmpdir(), "obol-shopper-bench-"));
  try {
    const db = openDatabase(join(dir, "relay.sqlite"));
    const store = new ShopperStore(db);
    const n = quick ? 5_000 : 50_000;
    const tags = Array.from({ length: n }, () => new Uint8Array(randomBytes(32)));
    const header = new Uint8Array(randomBytes(415)); // a shopper network's header size; the hash is per packet
    const start = performance.now();
    for (let i = 0; i < n; i += 100)
      transaction(db, () => {
        for (let k = i; k < i + 100 && k < n; k++) store.addTag(7n, tags[k]!, headerHashOf(header));
      });
    const inserted = performance.now();
    const tree = buildMerkleTree(store.leavesOf(7n));
    const end = performance.now();
    db.close();
    if (tree.size !== n) throw new Error("tree size mismatch");
    return [
      {
        metric: "shopper.relay_us_per_packet",
        value: ((end - start) * 1000) / n,
        unit: "µs",
        note: `${n} tags: store ${(((inserted - start) * 1000) / n).toFixed(1)} µs + Merkle share ${(((end - inserted) * 1000) / n).toFixed(1)} µs`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The model's epochs to catch a uniform 10% dropper, 1 / (1 − (1 − ε·d / n_L)^(S·J)).
 * The measurement beside it (shopper.epochs_to_catch_10pct_dropper, with its
 * interval) is in bench/shopper-classifier.bench.ts, on the same audited epochs
 * as the strategic dropper it is compared with.
 */
function dropperModel(): Metric[] {
  const S = 8; // every relay sends loops
  const J = 4;
  const epsilon = 1 / 4;
  const d = 0.1;
  const nL = 2;
  return [
    {
      metric: "shopper.epochs_to_catch_10pct_dropper_model",
      value: 1 / (1 - (1 - (epsilon * d) / nL) ** (S * J)),
      unit: "epochs",
      note: `1 / (1 − (1 − ε·d/n_L)^(S·J)), S=${S}, J=${J}, ε=${epsilon}, n_L=${nL}, d=${d}`,
    },
  ];
}

/**
 * The framing attacks of issue 11 (findings 2–5) on the real contracts, each as
 * its test in test/schemes/shopper/attacks.test.ts plays it; counts the faults
 * the registry then holds against relays that did nothing wrong.
 */
export async function framingFigures(): Promise<Metric[]> {
  const w = await createWorld();
  const E = 1n;
  await w.gotoEpoch(E);
  const [sender, , , , , attacker] = w.relays as [Relay, Relay, Relay, Relay, Relay, Relay];
  // 4: a Sybil that holds no stake at risk in E (registered during E, listed from E + 1) with a VRF key.
  const sybilWallet = w.wallets[12]!;
  const sybilVrf = vrfKeygen();
  await w.token.write.transfer([sybilWallet.account.address, 100n * 10n ** 18n]);
  await w.token.write.approve([w.registry.address, 2n ** 255n], { account: sybilWallet.account });
  await w.registry.write.register(
    [
      1,
      bytesToHex(new Uint8Array(randomBytes(32))),
      bytesToHex(sybilVrf.publicKey),
      "/ip4/127.0.0.1/tcp/1",
      100n * 10n ** 18n,
    ],
    { account: sybilWallet.account },
  );
  const sybil = { address: sybilWallet.account.address, wallet: sybilWallet };
  // 5: a copied VRF key is refused at registration (the copier never holds it).
  const copied = await w.registry.write
    .updateKeys([bytesToHex(attacker.mixKey), bytesToHex(sender.vrf.publicKey)], { account: attacker.wallet.account })
    .then(
      () => true,
      () => false,
    );
  // 3: a loop whose hop 2 must refuse (delay above the cap), revealed with the headers really sent.
  const honest = await w.loop(sender, E, 0);
  const keys = deriveHopSecrets({
    group: x25519Group,
    sessionKey: honest.sessionKey,
    publicKeys: honest.route.map((h) => h.mixKey),
  });
  const slot = new Uint8Array(0);
  const hops: HopInstruction[] = honest.route.map((_, h) =>
    h < 4
      ? {
          action: "forward",
          next: honest.route[h + 1]!.relay,
          delayMs: h === 2 ? 3_600_000 : honest.delaysMs[h]!,
          slot,
        }
      : { action: "loop", delayMs: 0, slot },
  );
  const malformed = createPacket({ group: x25519Group, params: PARAMS, ...keys, hops, message: new Uint8Array(0) });
  w.carry(E, malformed, honest.route[0]!.relay);
  // 2: an honest loop whose reveal a third party tries to front-run with forged tags.
  const second = await w.loop(sender, E, 1);
  w.carry(E, second.packet, second.route[0]!.relay);
  for (const r of w.relays) w.noise(r, E, 3);
  await w.gotoEpoch(E + 1n);
  await w.commitAll(E);
  await w.gotoEpoch(E + 2n);
  await w.fixBeacon(E);
  const alpha = hexToBytes(await w.shopper.read.loopInput([sybil.address, E, 0]));
  const phantomProof = vrfProve(sybilVrf.secretKey, alpha).proof;
  const sybilRevealed = await w.shopper.write
    .reveal([sybil.address, E, 0, bytesToHex(phantomProof), w.claim(honest)], { account: sybil.wallet.account })
    .then(
      () => true,
      () => false,
    );
  const sent = hopHeaders(malformed, keys.secrets, PARAMS);
  const claim = { tags: w.tagsHex(honest.tags), headers: w.tagsHex(sent.map(headerHashOf)) };
  await w.shopper.write.reveal([sender.address, E, 0, bytesToHex(honest.proof), claim], {
    account: sender.wallet.account,
  });
  const id0 = w.auditIdOf(sender.address, E, 0);
  const victim = w.relayOf(honest.route[2]!.relay);
  await w.shopper.write.disputeHop(
    [id0, claim, 2, bytesToHex(victim.refused.get(`${E}:${bytesToHex(honest.tags[2]!)}`)!)],
    { account: victim.wallet.account },
  );
  const forged = w.claim(
    second,
    second.tags.map(() => new Uint8Array(randomBytes(32))),
  );
  const frontRun = await w.shopper.write
    .reveal([sender.address, E, 1, bytesToHex(second.proof), forged], { account: attacker.wallet.account })
    .then(
      () => true,
      () => false,
    );
  const stakeBefore = (await w.registry.read.relayInfo([sender.address])).stake;
  // The sender was slashed for the malformed loop; it still reveals its honest loop while staked.
  if (stakeBefore >= 100n * 10n ** 18n || !frontRun) {
    await w.shopper.write
      .reveal([sender.address, E, 1, bytesToHex(second.proof), w.claim(second)], { account: sender.wallet.account })
      .catch(() => {});
  }
  const id1 = w.auditIdOf(sender.address, E, 1);
  if ((await w.shopper.read.audit([id1])).status === 1) {
    const all = [0, 1, 2, 3, 4];
    await w.shopper.write.proveHops([
      id1,
      w.claim(second),
      all,
      all.map((h) => w.proofFor(E, second.route[h]!.relay, second.tags[h]!)!),
    ]);
  }
  await w.gotoEpoch(E + 4n);
  if ((await w.shopper.read.audit([id1])).status === 1) await w.shopper.write.finalize([id1]);
  const attackers = new Set([sender.address, attacker.address, sybil.address].map((a) => a.toLowerCase()));
  let honestFaults = 0n;
  for (const r of w.relays)
    if (!attackers.has(r.address.toLowerCase())) honestFaults += await w.registry.read.faults([r.address]);
  return [
    {
      metric: "shopper.framing.faults_on_honest",
      value: Number(honestFaults),
      unit: "faults",
      note: `front-run reveal accepted: ${frontRun}; stakeless Sybil reveal accepted: ${sybilRevealed}; copied VRF key accepted: ${copied}; malformed hop 2 voided by disputeHop, sender faults ${await w.registry.read.faults([sender.address])}`,
    },
  ];
}

/**
 * Gas of the per-epoch calls with `n` registered relays (issue 11, finding 6):
 * the directory snapshot, the first commitment of the epoch (which snapshots)
 * and a loop's on-chain route (`loopRoute`, what reveal, proveHops, disputes
 * and finalize compute). Relays beyond the fixture's are registered from
 * impersonated accounts as mixes.
 */
export async function scaleFigures(quick: boolean): Promise<Metric[]> {
  const out: Metric[] = [];
  for (const n of quick ? [10, 100] : [10, 100, 1000]) {
    const w = await createWorld();
    const extra = n - w.relays.length;
    for (let i = 0; i < extra; i++) {
      const a = `0x${(0x5000_0000 + i).toString(16).padStart(40, "0")}` as Hex;
      await w.networkHelpers.impersonateAccount(a);
      await w.networkHelpers.setBalance(a, 10n ** 20n);
      await w.token.write.transfer([a, 100n * 10n ** 18n]);
      await w.token.write.approve([w.registry.address, 2n ** 255n], { account: a });
      await w.registry.write.register(
        [1, bytesToHex(new Uint8Array(randomBytes(32))), "0x", "/ip4/127.0.0.1/tcp/1", 100n * 10n ** 18n],
        { account: a },
      );
    }
    await w.gotoEpoch(1n);
    const estimate = (
      functionName: "snapshotDirectory" | "commit",
      args: readonly unknown[],
      account = w.deployer.account,
    ) =>
      w.publicClient
        .estimateContractGas({ address: w.shopper.address, abi: w.shopper.abi, functionName, args, account } as never)
        .then(
          (g) => Number(g),
          () => Number.NaN,
        );
    const fails = (g: number) => (Number.isNaN(g) ? ": fails (above the block gas limit)" : "");
    const snapshot = await estimate("snapshotDirectory", [1n]);
    out.push({
      metric: `shopper.gas.snapshot.n${n}`,
      value: snapshot,
      unit: "gas",
      note: `${n} registered relays; layer sizes from the registry's frozen membership${fails(snapshot)}`,
    });
    // loopRoute is a view: its estimate minus the 21,000 base and calldata is the execution gas a reveal spends on the route.
    const data = encodeFunctionData({
      abi: w.shopper.abi,
      functionName: "loopRoute",
      args: [1n, `0x${"5a".repeat(32)}`],
    });
    const route = Number(
      (await w.publicClient.estimateGas({ to: w.shopper.address, data })) - 21_000n - calldataGas(data),
    );
    out.push({
      metric: `shopper.gas.route.n${n}`,
      value: route,
      unit: "gas",
      note: `${n} registered relays; 5 hops via RelayRegistry.layerMember (SwapOrNot, ${n} relays)`,
    });
    await w.gotoEpoch(2n);
    const commit = await estimate("commit", [1n, `0x${"11".repeat(32)}`, 1n], w.relays[0]!.wallet.account);
    out.push({
      metric: `shopper.gas.commit.n${n}`,
      value: commit,
      unit: "gas",
      note: `first commitment of the epoch (snapshots the directory)${fails(commit)}`,
    });
  }
  return out;
}

export async function run(options: BenchOptions): Promise<Metric[]> {
  return [
    ...(await gasFigures()),
    ...relayMicros(options.quick),
    ...(await framingFigures()),
    ...(await scaleFigures(options.quick)),
    ...dropperModel(),
  ];
}
