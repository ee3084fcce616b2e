/**
 * `obol devnet --processes` machinery: relays (`obol relay`) and clients as
 * real child processes, each relay on its own loopback address, a real
 * Hardhat node as the only meeting point. Kills one relay with SIGKILL to see
 * the crash reported, then stops the rest with SIGTERM and expects every one
 * to exit 0 (clean shutdown).
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hexToBytes } from "viem";
import { relayRegistryAbi } from "../../src/chain/abi/RelayRegistry.js";
import { advanceDevChainToEpoch, currentEpoch, ensureEpochOpen } from "../../src/chain/epochs.js";
import type { ChainClients } from "../../src/chain/types.js";
import { DEFAULT_RATES } from "../../src/client/loopix.js";
import { scrapeRow } from "../../src/cli/watch.js";
import { silentLogger } from "../../src/log.js";
import { deliveries } from "../../src/sim/processes/devnet.js";
import { startProcessNetwork, type ProcessNetwork } from "../../src/sim/processes/network.js";
import { describeExit, type ChildExit } from "../../src/sim/processes/supervisor.js";

let net: ProcessNetwork | undefined;
afterAll(async () => {
  await net?.stop();
});

async function until(what: string, condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function keyAt(chain: ChainClients, epoch: bigint): Promise<Uint8Array> {
  const [mixKey] = await chain.publicClient.readContract({
    address: chain.deployment.contracts.RelayRegistry,
    abi: relayRegistryAbi,
    functionName: "keysAt",
    args: [chain.account, epoch],
  });
  return hexToBytes(mixKey);
}
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("devnet with one process per relay and client", () => {
  it("delivers messages between client processes across a mix-key rotation, reports a SIGKILLed relay, and shuts the rest down cleanly", {
    timeout: 600_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-procs-"));
    const crashes: ChildExit[] = [];
    net = await startProcessNetwork({
      scheme: "free",
      dataDir,
      gateways: 2,
      mixesPerLayer: 1,
      clients: 2,
      rates: { ...DEFAULT_RATES, meanDelayMs: 50 },
      messagesPerS: 1,
      seed: "procs",
      log: silentLogger(),
      signal: new AbortController().signal,
      onCrash: (e) => crashes.push(e),
    });
    // Five relays, five different hosts, five different OS processes.
    const hosts = net.relays.map((r) => r.host);
    expect(new Set(hosts).size).toBe(5);
    for (const r of net.relays) expect(r.multiaddr.startsWith(`/ip4/${r.host}/tcp/`)).toBe(true);
    expect(new Set(net.relays.map((r) => r.child.child.pid)).size).toBe(5);
    expect(JSON.parse(readFileSync(join(dataDir, "metrics-targets.json"), "utf8"))).toHaveLength(5);

    await until("a message delivered across processes", () => deliveries(net!).latencies.length >= 2, 240_000);
    const rows = await Promise.all(net.relays.map((r) => scrapeRow({ name: r.name, url: r.metricsUrl })));
    for (const row of rows) expect(row.error).toBeUndefined();
    expect(rows.reduce((s, r) => s + r.packetsIn, 0)).toBeGreaterThan(0);

    // Epoch boundary: every relay has registered its next key; after the switch clients build
    // for the new keys and messages still get through (relays also accept the old key in grace).
    const epoch = await currentEpoch(net.deployer);
    await until(
      "every relay registered next epoch's key",
      async () => {
        for (const r of net!.relays)
          if (equal(await keyAt(r.chain, epoch + 1n), await keyAt(r.chain, epoch))) return false;
        return true;
      },
      240_000,
    );
    const boundary = Date.now();
    await advanceDevChainToEpoch(net.deployer, epoch + 1n);
    await ensureEpochOpen(net.deployer);
    await until(
      "messages sent after the key switch delivered",
      () => {
        const { sent } = deliveries(net!);
        const after = [...sent.entries()].filter(([, at]) => at > boundary + 5_000).map(([id]) => id);
        const received = new Set(
          net!.clients.flatMap((c) => c.child.lines.filter((l) => l.type === "received").map((l) => String(l.id))),
        );
        return after.filter((id) => received.has(id)).length >= 2;
      },
      240_000,
    );

    // A crash nobody asked for: reported with its signal and log file.
    const victim = net.relays.find((r) => r.role === "mix")!;
    process.kill(victim.child.child.pid!, "SIGKILL");
    await until("the crash reported", () => crashes.length === 1, 60_000);
    expect(crashes[0]).toMatchObject({ name: victim.name, code: null, signal: "SIGKILL", expected: false });
    expect(existsSync(crashes[0]!.logFile)).toBe(true);
    expect(describeExit(crashes[0]!)).toContain(`log: ${join(dataDir, victim.name, "process.log")}`);

    // Everyone else stops on SIGTERM with exit code 0 (queues drained, stores closed).
    const exits = await net.stop();
    expect(exits.map((e) => e.name).sort()).toEqual(
      [...net.clients.map((c) => c.name), ...net.relays.filter((r) => r !== victim).map((r) => r.name)].sort(),
    );
    for (const e of exits) expect(e, describeExit(e)).toMatchObject({ code: 0, expected: true });
    expect(crashes).toHaveLength(1);
  });
});
