/**
 * The shopper scheme's off-chain side on real components: sqlite stores on
 * disk, the real contracts on Hardhat's in-process chain, real Sphinx packets,
 * real libp2p nodes for `/obol/proof/1`.
 */
import { describe, expect, it, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { getAddress, hexToBytes, type Address } from "viem";
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import { createObolNode } from "../../../src/net/node.js";
import { x25519Group } from "../../../src/crypto/sphinx/group.js";
import { createPacket, peelPacket, replayTag } from "../../../src/crypto/sphinx/packet.js";
import { deriveHopSecrets } from "../../../src/crypto/sphinx/header.js";
import { headerSize } from "../../../src/crypto/sphinx/params.js";
import { processPacket, type PipelineParameters } from "../../../src/relay/pipeline.js";
import { GroupCommitter } from "../../../src/store/commit.js";
import { ReplayStore } from "../../../src/store/replay.js";
import { headerHashOf, leafValue } from "../../../src/schemes/shopper/loop.js";
import type { ChainClients } from "../../../src/chain/types.js";
import type { RouteHop } from "../../../src/schemes/scheme.js";
import { ShopperRelay } from "../../../src/schemes/shopper/relay.js";
import { ShopperSettle } from "../../../src/schemes/shopper/settle.js";
import { Auditor } from "../../../src/schemes/shopper/auditor.js";
import { serveProofs, requestProof } from "../../../src/schemes/shopper/proofs.js";
import { scheme } from "../../../src/schemes/shopper/scheme.js";
import { loadScheme } from "../../../src/schemes/registry.js";
import { virtualClock } from "./traffic.js";
import { createWorld, PARAMS, REWARD, type World, type Relay } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "obol-shopper-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = silentLogger();

function chainOf(w: World, wallet: Relay["wallet"] | World["deployer"]): ChainClients {
  return {
    publicClient: w.publicClient as never,
    walletClient: wallet as never,
    account: getAddress(wallet.account.address),
    deployment: {
      chainId: w.chainId,
      rpcUrl: "hardhat:in-process",
      startBlock: 0n,
      contracts: { ObolToken: w.token.address, RelayRegistry: w.registry.address, ShopperAudit: w.shopper.address },
    },
  };
}

type Node = { relay: Relay; scheme: ShopperRelay; db: DatabaseSync; path: string; chain: ChainClients };

function openNode(w: World, relay: Relay, tag = ""): Node {
  const path = join(dir, `${relay.address}${tag}.sqlite`);
  const db = openDatabase(path);
  const chain = chainOf(w, relay.wallet);
  return {
    relay,
    db,
    path,
    chain,
    scheme: new ShopperRelay({ chain, db, log, libp2p: undefined as never, relay: relay.address }),
  };
}

/** The relay pipeline's part that matters here: peel, then `onPacket` with the tag, then forward. */
async function deliver(nodes: Map<string, Node>, epoch: bigint, packet: Uint8Array, first: Address, dropAt?: Address) {
  let current: Address | null = first;
  let p: Uint8Array | null = packet;
  while (current && p) {
    const n = nodes.get(current.toLowerCase())!;
    const peeled = peelPacket({ group: x25519Group, params: PARAMS, secretKey: n.relay.mixSecret, packet: p });
    const verdict = await n.scheme.onPacket({
      slot: new Uint8Array(0),
      attachment: new Uint8Array(0),
      ss: peeled.ss,
      replayTag: peeled.replayTag,
      packetRef: peeled.mac,
      fromPeer: "test",
      nextHop: peeled.hop.action === "forward" ? peeled.hop.next : null,
      epoch,
      header: p.subarray(0, headerSize(x25519Group, PARAMS.routingInfoSize)),
    });
    expect(verdict).toEqual({ accept: true, attachment: new Uint8Array(0) });
    if (dropAt && current.toLowerCase() === dropAt.toLowerCase()) return;
    p = peeled.next;
    current = peeled.hop.action === "forward" ? peeled.hop.next : null;
  }
}

describe("shopper scheme in the real relay pipeline", () => {
  it("stores each packet's leaf keccak256(tag ‖ header hash), and keeps the header of a hop it refuses", async () => {
    const w = await createWorld({ gateways: 1, mixesPerLayer: 1 });
    const n = openNode(w, w.relays[1]!, "-pipe");
    const context: PipelineParameters = {
      group: x25519Group,
      params: PARAMS,
      secretKey: n.relay.mixSecret,
      scheme: n.scheme,
      replay: new ReplayStore(n.db),
      committer: new GroupCommitter({ db: n.db }),
      inbox: null,
      maxDelayMs: 1_000,
      knowsRelay: () => true,
      log,
    };
    const next = w.relays[2]!.address;
    const packetWithDelay = (delayMs: number) => {
      const keys = deriveHopSecrets({
        group: x25519Group,
        sessionKey: x25519Group.randomSecretKey(),
        publicKeys: [n.relay.mixKey, w.relays[2]!.mixKey],
      });
      const slot = new Uint8Array(0);
      const packet = createPacket({
        group: x25519Group,
        params: PARAMS,
        ...keys,
        hops: [
          { action: "forward", next, delayMs, slot },
          { action: "loop", delayMs: 0, slot },
        ],
        message: new Uint8Array(0),
      });
      return {
        packet,
        tag: replayTag(keys.secrets[0]!),
        header: packet.slice(0, headerSize(x25519Group, PARAMS.routingInfoSize)),
      };
    };
    const good = packetWithDelay(10);
    expect(
      (await processPacket(context, { packet: good.packet, attachment: new Uint8Array(0), fromPeer: "p", epoch: 3n }))
        .kind,
    ).toBe("forward");
    expect(n.scheme.store.leafOf(3n, good.tag)).toEqual(leafValue(good.tag, headerHashOf(good.header)));
    expect(n.scheme.store.refusedOf(3n, good.tag)).toBeNull();
    const bad = packetWithDelay(5_000);
    const outcome = await processPacket(context, {
      packet: bad.packet,
      attachment: new Uint8Array(0),
      fromPeer: "p",
      epoch: 3n,
    });
    expect(outcome).toMatchObject({ kind: "drop", reason: "delay-too-large" });
    expect(n.scheme.store.leafOf(3n, bad.tag)).toBeNull();
    expect(n.scheme.store.refusedOf(3n, bad.tag)).toEqual(bad.header);
    n.db.close();
  });
});

describe("shopper scheme plumbing", () => {
  it("loads through the scheme registry with zero-byte slots, attachments and receipts", async () => {
    expect(await loadScheme("shopper")).toBe(scheme);
    expect([scheme.slotSize, scheme.attachmentSize, scheme.receiptSize]).toEqual([0, 0, 0]);
    const pay = await scheme
      .client(undefined as never)
      .pay({ route: [{}, {}, {}] as never, secrets: [], epoch: 1n, kind: "payload" });
    expect(pay.slots.map((s) => s.length)).toEqual([0, 0, 0]);
    expect(pay.attachment.length).toBe(0);
  });

  it("serves inclusion proofs over /obol/proof/1 between real libp2p nodes", async () => {
    const server = await createObolNode();
    const client = await createObolNode({ listen: [] });
    try {
      const tag = new Uint8Array(32).fill(3);
      const siblings = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
      const handle = await serveProofs(
        server,
        (epoch, t) => (epoch === 7n && Buffer.from(t).equals(Buffer.from(tag)) ? siblings : null),
        log,
      );
      const addr = server.getMultiaddrs()[0]!;
      expect(await requestProof(client, addr, { epoch: 7n, tag })).toEqual(siblings);
      expect(await requestProof(client, addr, { epoch: 8n, tag })).toBeNull();
      await expect(requestProof(client, addr, { epoch: 7n, tag: new Uint8Array(31) })).rejects.toThrow(/tag/);
      await handle.stop();
    } finally {
      await client.stop();
      await server.stop();
    }
  });
});

describe("relay, auditor and settlement over several epochs", () => {
  it("keeps tags and commitments across a crash, proves hops, pays complete routes, records the dropper", async () => {
    const w = await createWorld({ gateways: 2, mixesPerLayer: 2, jMax: 6 });
    const E = 1n;
    await w.gotoEpoch(E);
    const nodes = new Map(w.relays.map((r) => [r.address.toLowerCase(), openNode(w, r)]));
    const sender = w.relays[0]!;
    const senderNode = nodes.get(sender.address.toLowerCase())!;
    // A dropping relay: the mix at index 4 records tags but forwards nothing.
    const dropper = w.relays[4]!;
    const auditor = new Auditor({
      chain: senderNode.chain,
      db: senderNode.db,
      log,
      vrfSecretKey: sender.vrf.secretKey,
      params: PARAMS,
      meanDelayMs: 50,
      guardMs: 0,
      clock: virtualClock(),
      send: (packet: Uint8Array, first: RouteHop) => deliver(nodes, E, packet, first.relay, dropper.address),
    });
    expect(await auditor.sendLoops(E)).toBe(6);
    // A restart never re-sends (the jMax cap holds across crashes).
    expect(await auditor.sendLoops(E)).toBe(0);
    // Kill one hop mid-epoch: its tags survive in the file.
    const victim = w.relays[1]!;
    const before = nodes.get(victim.address.toLowerCase())!;
    const count = before.scheme.store.tagCount(E);
    before.db.close();
    const restarted = openNode(w, victim);
    nodes.set(victim.address.toLowerCase(), restarted);
    expect(restarted.scheme.store.tagCount(E)).toBe(count);

    await w.gotoEpoch(E + 1n);
    for (const n of nodes.values()) await n.scheme.onEpoch(E + 1n);
    for (const n of nodes.values()) {
      const tags = n.scheme.store.tagCount(E);
      const [root] = await w.shopper.read.commitment([E, n.relay.address]);
      if (tags > 0) expect(root).not.toBe(`0x${"00".repeat(32)}`);
      // A second call after "restart" sends nothing and marks it committed.
      expect(await n.scheme.commit(E)).toBeNull();
      if (tags > 0) expect(n.scheme.store.commitOf(E)?.state).toBe("committed");
    }

    await w.gotoEpoch(E + 2n);
    const ids = await auditor.revealWinners(E);
    expect(ids.length).toBeGreaterThan(0); // win threshold 1 in the fixture
    for (const n of nodes.values()) await n.scheme.answerAudits(E);
    await w.gotoEpoch(E + 4n);
    const statuses = await auditor.finalize(E);
    expect(statuses.size).toBe(ids.length);

    const loops = auditor.store.loopsOf(E).filter((l) => l.state === "finalized");
    const complete = loops.filter((l) => !l.route.some((r) => r.toLowerCase() === dropper.address.toLowerCase()));
    const broken = loops.length - complete.length;
    for (const l of loops) expect(statuses.get(l.auditId!)).toBe(complete.includes(l) ? 2 : 3);
    // Honest relays are paid exactly rewardPerHop per audited complete route they carried.
    for (const r of w.relays) {
      const carried = complete.reduce(
        (s, l) => s + l.route.filter((a) => a.toLowerCase() === r.address.toLowerCase()).length,
        0,
      );
      expect(await w.shopper.read.owed([r.address])).toBe(BigInt(carried) * REWARD);
    }
    // The dropper broke every route it was on; fault counts are by distinct senders (one auditor here), so once.
    expect(await w.registry.read.faults([dropper.address])).toBe(broken > 0 ? 1n : 0n);
    expect(await w.shopper.read.owed([dropper.address])).toBe(0n);

    // Settlement: claim pays once; a second claim pays nothing.
    const paidRelay = w.relays.find((r) =>
      complete.some((l) => l.route.some((a) => a.toLowerCase() === r.address.toLowerCase())),
    )!;
    const settle = new ShopperSettle({
      chain: chainOf(w, paidRelay.wallet),
      db: nodes.get(paidRelay.address.toLowerCase())!.db,
      log,
      libp2p: undefined as never,
      relay: paidRelay.address,
    });
    const owed = await w.shopper.read.owed([paidRelay.address]);
    const first = await settle.claim();
    expect(first.paid).toBe(owed);
    expect(first.transactions).toHaveLength(1);
    expect((await settle.claim()).paid).toBe(0n);
    for (const n of nodes.values()) n.db.close();
  });

  it("a relay disputes a false tag it never saw instead of taking the fault", async () => {
    const w = await createWorld({ gateways: 1, mixesPerLayer: 1, jMax: 1 });
    const E = 1n;
    await w.gotoEpoch(E);
    const nodes = new Map(w.relays.map((r) => [r.address.toLowerCase(), openNode(w, r, "-d")]));
    const s = await w.loop(w.relays[0]!, E, 0);
    await deliver(nodes, E, s.packet, s.route[0]!.relay);
    await w.gotoEpoch(E + 1n);
    for (const n of nodes.values()) await n.scheme.onEpoch(E + 1n);
    await w.gotoEpoch(E + 2n);
    await w.fixBeacon(E);
    const lie = [...s.tags];
    lie[2] = new Uint8Array(32).fill(5);
    await w.shopper.write.reveal(
      [w.relays[0]!.address, E, 0, `0x${Buffer.from(s.proof).toString("hex")}`, w.claim(s, lie)],
      { account: w.relays[0]!.wallet.account },
    );
    const victim = nodes.get(s.route[2]!.relay.toLowerCase())!;
    const answer = await victim.scheme.answerAudits(E);
    expect(answer.disputed).toBe(1);
    const id = w.auditIdOf(w.relays[0]!.address, E, 0);
    expect((await w.shopper.read.audit([id])).status).toBe(4);
    expect(await w.registry.read.faults([victim.relay.address])).toBe(0n);
    expect(hexToBytes((await w.shopper.read.audit([id])).vrfOutput)).toEqual(s.beta);
    for (const n of nodes.values()) n.db.close();
  });
});
