/**
 * Mix-key rotation against a real RelayRegistry on a Hardhat node: the relay
 * registers next epoch's key, accepts packets for the epoch's key, for next
 * epoch's key and (within the grace window) for the previous one, rejects
 * replays across the boundary, then deletes the retired secret and prunes its
 * replay tags. The pipeline, replay store and committer are the relay's own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, hexToBytes } from "viem";
import { connectChain } from "../../src/chain/client.js";
import { deployObol } from "../../src/chain/deploy.js";
import { readDirectory } from "../../src/chain/directory.js";
import { advanceDevChainToEpoch, currentEpoch, ensureEpochOpen } from "../../src/chain/epochs.js";
import { devAccounts, startLocalChain, type LocalChain } from "../../src/chain/node.js";
import { registerRelay } from "../../src/chain/registry.js";
import type { ChainClients, DirectoryEntry } from "../../src/chain/types.js";
import { x25519Group } from "../../src/crypto/sphinx/group.js";
import { silentLogger } from "../../src/log.js";
import { processPacket, type PipelineParameters } from "../../src/relay/pipeline.js";
import { chainKeyDirectory, KeyRotator, MIX_KEYS_DIR, MixKeyRing } from "../../src/relay/rotation.js";
import { scheme as free } from "../../src/schemes/free/scheme.js";
import type { SchemeDeps } from "../../src/schemes/scheme.js";
import { GroupCommitter } from "../../src/store/commit.js";
import { openDatabase } from "../../src/store/db.js";
import { ReplayStore } from "../../src/store/replay.js";
import { buildPacket, params } from "./harness.js";

let chain: LocalChain;
let relayChain: ChainClients;
let deployer: ChainClients;

beforeAll(async () => {
  chain = await startLocalChain({ port: 0 });
  const deployment = await deployObol({
    rpcUrl: chain.rpcUrl,
    dataDir: mkdtempSync(join(tmpdir(), "obol-rot-deploy-")),
    parameters: { ObolCore: { epochDuration: 3_600n } },
  });
  const [admin, operator] = devAccounts(2);
  deployer = await connectChain({ rpcUrl: chain.rpcUrl, deployment, account: admin! });
  relayChain = await connectChain({ rpcUrl: chain.rpcUrl, deployment, account: operator! });
  const { sendContractTx } = await import("../../src/chain/tx.js");
  const { obolTokenAbi } = await import("../../src/chain/abi/ObolToken.js");
  await sendContractTx(
    deployer,
    {
      address: deployment.contracts.ObolToken,
      abi: obolTokenAbi,
      functionName: "transfer",
      args: [relayChain.account, 10n ** 21n],
    },
    "fund",
  );
}, 300_000);
afterAll(async () => {
  await chain?.stop();
});

async function toEpoch(epoch: bigint) {
  await advanceDevChainToEpoch(deployer, epoch);
  await ensureEpochOpen(deployer);
}

describe("mix-key rotation per epoch", () => {
  it("rotates the key every epoch, honours the grace window, then forgets the old key and its replay tags", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-rot-"));
    const ring = MixKeyRing.open(dataDir);
    const first = ring.any().publicKey;
    const { activeFrom } = await registerRelay(relayChain, {
      role: "gateway",
      mixKey: first,
      multiaddr: "/ip4/127.0.0.1/tcp/1",
      stake: 10n ** 21n,
    });
    const db = openDatabase(join(dataDir, "relay.sqlite"));
    const replay = new ReplayStore(db);
    let clock = 0;
    const rotator = new KeyRotator({
      ring,
      directory: chainKeyDirectory(relayChain),
      replay,
      log: silentLogger(),
      graceMs: 60_000,
      now: () => clock,
    });
    const pipeline: PipelineParameters = {
      group: x25519Group,
      params,
      secretKey: ring.any().secretKey,
      mixKeys: ring,
      scheme: free.relay({ db, log: silentLogger() } as unknown as SchemeDeps & { relay: `0x${string}` }),
      replay,
      committer: new GroupCommitter({ db }),
      inbox: null,
      maxDelayMs: 10_000,
      knowsRelay: () => true,
      log: silentLogger(),
    };
    const entryFor = async (epoch: bigint): Promise<DirectoryEntry> =>
      (await readDirectory(relayChain, { epoch })).entries.find((e) => getAddress(e.relay) === relayChain.account)!;
    const packetFor = (mixKey: Uint8Array) =>
      buildPacket(
        [
          {
            relay: relayChain.account,
            role: "gateway",
            mixKey,
            blsKey: new Uint8Array(0),
            multiaddr: "",
            stake: 1n,
            layer: 0,
          },
        ],
        { action: "drop", delayMs: 0, slot: new Uint8Array(0) },
      );
    const run = (packet: Uint8Array, epoch: bigint) =>
      processPacket(pipeline, { packet, attachment: new Uint8Array(0), fromPeer: "p", epoch });

    // Epoch E: the registered key is in force; the relay registers E+1's key.
    const E = activeFrom;
    await toEpoch(E);
    await rotator.onEpoch(E);
    const inE = await entryFor(E);
    expect(inE.mixKey).toEqual(first);
    const [nextOnChain] = await relayChain.publicClient.readContract({
      address: relayChain.deployment.contracts.RelayRegistry,
      abi: (await import("../../src/chain/abi/RelayRegistry.js")).relayRegistryAbi,
      functionName: "keysAt",
      args: [relayChain.account, E + 1n],
    });
    const second = hexToBytes(nextOnChain);
    expect(second).not.toEqual(first);
    expect(ring.secretFor(second)).toBeDefined(); // the secret was on disk before the transaction
    expect(readdirSync(join(dataDir, MIX_KEYS_DIR))).toHaveLength(2);

    const oldPacket = packetFor(first);
    expect((await run(oldPacket, E)).kind).toBe("drop-hop");
    const early = packetFor(second); // a client already in E+1
    expect((await run(early, E)).kind).toBe("drop-hop");
    expect(replay.countForEpoch(E + 1n)).toBe(1); // filed under the key's epoch, so E's pruning keeps it

    // Epoch E+1: clients build for the new key; the old one is still accepted during the grace window.
    await toEpoch(E + 1n);
    await rotator.onEpoch(E + 1n);
    expect((await entryFor(E + 1n)).mixKey).toEqual(second);
    expect((await run(packetFor(second), E + 1n)).kind).toBe("drop-hop");
    const late = packetFor(first); // built in E, arriving after the boundary
    expect((await run(late, E + 1n)).kind).toBe("drop-hop");
    expect(await run(oldPacket, E + 1n)).toMatchObject({ kind: "drop", reason: "replay" }); // tags survive the boundary
    expect(await run(early, E + 1n)).toMatchObject({ kind: "drop", reason: "replay" });
    rotator.tick();
    expect(ring.secretFor(first)).toBeDefined(); // grace not over yet

    // Grace over: the old secret is deleted and the tags of epochs before E+1 pruned.
    clock += 60_001;
    rotator.tick();
    expect(ring.secretFor(first)).toBeUndefined();
    expect(readdirSync(join(dataDir, MIX_KEYS_DIR)).some((f) => f.startsWith(Buffer.from(first).toString("hex")))).toBe(
      false,
    );
    expect(replay.countForEpoch(E)).toBe(0);
    expect(replay.countForEpoch(E + 1n)).toBe(3);
    expect(await run(packetFor(first), E + 1n)).toMatchObject({ kind: "drop", reason: "bad-hmac" });
    expect(await run(early, E + 1n)).toMatchObject({ kind: "drop", reason: "replay" }); // still protected

    // A restart reads the same keys back from disk.
    const reopened = MixKeyRing.open(dataDir);
    expect(reopened.size).toBe(ring.size);
    expect(reopened.secretFor(second)).toEqual(ring.secretFor(second));
    expect(existsSync(join(dataDir, "mix.key"))).toBe(false);
    expect(await currentEpoch(relayChain)).toBe(E + 1n);
    db.close();
  });
});
