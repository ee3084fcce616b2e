/**
 * Replay store size under mix-key rotation (issue 14): one relay on a real
 * Hardhat node rotates its key every epoch for 100 epochs (updateKeys on
 * chain, grace window, retirement), taking `perEpoch` real Sphinx packets per
 * epoch through its own pipeline, half built for the previous epoch's key and
 * arriving late. Reports the replay_tags rows left after 100 epochs against
 * one epoch's traffic: bounded means about two epochs' worth, never 100.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectChain } from "../src/chain/client.js";
import { obolTokenAbi } from "../src/chain/abi/ObolToken.js";
import { deployObol } from "../src/chain/deploy.js";
import { readDirectory } from "../src/chain/directory.js";
import { advanceDevChainToEpoch, ensureEpochOpen } from "../src/chain/epochs.js";
import { devAccounts, startLocalChain } from "../src/chain/node.js";
import { registerRelay } from "../src/chain/registry.js";
import { sendContractTx } from "../src/chain/tx.js";
import { x25519Group } from "../src/crypto/sphinx/group.js";
import { silentLogger } from "../src/log.js";
import { processPacket, type PipelineParameters } from "../src/relay/pipeline.js";
import { chainKeyDirectory, KeyRotator, MIX_KEYS_DIR, MixKeyRing } from "../src/relay/rotation.js";
import { scheme as free } from "../src/schemes/free/scheme.js";
import type { SchemeDeps } from "../src/schemes/scheme.js";
import { GroupCommitter } from "../src/store/commit.js";
import { openDatabase } from "../src/store/db.js";
import { ReplayStore } from "../src/store/replay.js";
import { buildPacket, params } from "../test/relay/harness.js";
import type { BenchOptions, Metric } from "./metric.js";

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const epochs = 100;
  const perEpoch = quick ? 20 : 100;
  const chain = await startLocalChain({ port: 0 });
  try {
    const deployment = await deployObol({
      rpcUrl: chain.rpcUrl,
      dataDir: mkdtempSync(join(tmpdir(), "obol-bench-rot-")),
      parameters: { ObolCore: { epochDuration: 3_600n } },
    });
    const [admin, operator] = devAccounts(2);
    const deployer = await connectChain({ rpcUrl: chain.rpcUrl, deployment, account: admin! });
    const relayChain = await connectChain({ rpcUrl: chain.rpcUrl, deployment, account: operator! });
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
    const dataDir = mkdtempSync(join(tmpdir(), "obol-bench-rot-relay-"));
    const ring = MixKeyRing.open(dataDir);
    const { activeFrom } = await registerRelay(relayChain, {
      role: "gateway",
      mixKey: ring.any().publicKey,
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
      graceMs: 1_000,
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
    const keyIn = async (epoch: bigint) =>
      (await readDirectory(relayChain, { epoch })).entries.find(
        (e) => e.relay.toLowerCase() === relayChain.account.toLowerCase(),
      )!.mixKey;
    const send = async (mixKey: Uint8Array, epoch: bigint) => {
      const packet = buildPacket(
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
      const outcome = await processPacket(pipeline, {
        packet,
        attachment: new Uint8Array(0),
        fromPeer: "bench",
        epoch,
      });
      if (outcome.kind !== "drop-hop") throw new Error(`packet refused in epoch ${epoch}: ${JSON.stringify(outcome)}`);
    };
    let accepted = 0;
    let previousKey: Uint8Array | null = null;
    let maxRows = 0;
    for (let i = 0; i < epochs; i++) {
      const epoch = activeFrom + BigInt(i);
      await advanceDevChainToEpoch(deployer, epoch);
      await ensureEpochOpen(deployer);
      await rotator.onEpoch(epoch);
      const key = await keyIn(epoch);
      // Late packets first (built for the previous key, inside the grace window), then the epoch's own.
      for (let n = 0; n < perEpoch / 2 && previousKey; n++, accepted++) await send(previousKey, epoch);
      maxRows = Math.max(maxRows, countRows(db)); // the peak: last epoch's tags and the late packets, before pruning
      clock += 2_000; // the grace window ends
      rotator.tick();
      for (let n = 0; n < perEpoch; n++, accepted++) await send(key, epoch);
      previousKey = key;
      maxRows = Math.max(maxRows, countRows(db));
    }
    const rows = countRows(db);
    const oneEpoch = perEpoch * 1.5;
    return [
      {
        metric: "relay.replay_store.rows_after_100_epochs",
        value: rows,
        unit: "rows",
        note: `${accepted} packets accepted over ${epochs} epochs; one epoch's traffic is ${oneEpoch} packets`,
      },
      {
        metric: "relay.replay_store.rows_per_epoch_traffic",
        value: rows / oneEpoch,
        unit: "epochs",
        note: "rows left ÷ one epoch's packets (bounded: ≤ 2)",
      },
      { metric: "relay.replay_store.max_rows_during_run", value: maxRows, unit: "rows" },
      {
        metric: "relay.mix_keys.on_disk_after_100_epochs",
        value: readdirSync(join(dataDir, MIX_KEYS_DIR)).length,
        unit: "keys",
      },
    ];
  } finally {
    await chain.stop();
  }
}

function countRows(db: ReturnType<typeof openDatabase>): number {
  return Number((db.prepare("SELECT count(*) AS n FROM replay_tags").get() as { n: number }).n);
}
