/**
 * End to end on real components: a Hardhat node on 127.0.0.1 deployed by
 * Ignition, 2 gateways + 6 mixes running the real relay pipeline with the
 * shopper scheme on loopback libp2p, one auditor per relay (the scheme's
 * devnet hook) sending verifiable loops; the chain is moved through the audit
 * timeline epoch by epoch. Honest relays are paid per audited loop they
 * carried; only loops the network really lost are broken and recorded.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startNetwork } from "../../../src/sim/network.js";
import { createLogger, silentLogger } from "../../../src/log.js";
import { advanceDevChainToEpoch, currentEpoch } from "../../../src/chain/epochs.js";
import { shopperAuditAbi } from "../../../src/chain/abi/ShopperAudit.js";
import { relayRegistryAbi } from "../../../src/chain/abi/RelayRegistry.js";
import { revealedLoops } from "../../../src/schemes/shopper/chain.js";
import { ShopperStore } from "../../../src/schemes/shopper/store.js";
import { DEVNET_SHOPPER } from "../../../src/schemes/shopper/devnet.js";
import { openDatabase } from "../../../src/store/db.js";

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Polls `cond` for up to `timeoutMs`; whether it came true (for waits that may legitimately not). */
async function within(timeoutMs: number, cond: () => Promise<boolean>): Promise<boolean> {
  return until("", cond, timeoutMs).then(
    () => true,
    () => false,
  );
}

describe("shopper end to end", () => {
  it("audits loops carried by real relays over the whole timeline and pays every hop", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-shopper-e2e-"));
    const net = await startNetwork({
      scheme: "shopper",
      dataDir,
      gateways: 2,
      mixesPerLayer: 2,
      clients: 0,
      relayLoopPerS: 0.5,
      meanDelayMs: 50,
      log: process.env.SHOPPER_E2E_LOG
        ? createLogger({ level: "debug", destination: process.env.SHOPPER_E2E_LOG })
        : silentLogger(),
      signal: new AbortController().signal,
    });
    try {
      const chain = net.deployer;
      const shopper = chain.deployment.contracts.ShopperAudit!;
      const read = <T>(functionName: string, args: unknown[]) =>
        chain.publicClient.readContract({
          address: shopper,
          abi: shopperAuditAbi,
          functionName: functionName as never,
          args: args as never,
        }) as Promise<T>;
      // Keys registered by the hook are in force from the next epoch: loops run there.
      const E = (await currentEpoch(chain)) + 1n;
      await advanceDevChainToEpoch(chain, E);
      // Every auditor sends its loops through the live relays (8 per relay, spread over 3.75–6.75 s
      // from when it sees the epoch: `auditTiming` with these relays' 2.5 s lag); read from their stores.
      const dbs = net.relays.map((r) => openDatabase(join(r.dataDir, "shopper-auditor.sqlite")));
      const stores = dbs.map((db) => new ShopperStore(db));
      // Each loop is stored just before its send; one whose send failed stays unsent and is never revealed.
      await until(
        "loops sent",
        async () => stores.every((s) => s.loopsOf(E).length === DEVNET_SHOPPER.loopsPerEpoch),
        300_000,
      );
      for (const db of dbs) db.close();
      await new Promise((r) => setTimeout(r, 5_000)); // the last loops drain (mean delay 3 × 200 ms)
      await advanceDevChainToEpoch(chain, E + 1n);
      await until("commitments", async () => {
        let n = 0;
        for (const r of net.relays)
          if ((await read<readonly [string, bigint]>("commitment", [E, r.address]))[1] > 0n) n++;
        return n === net.relays.length;
      });
      await advanceDevChainToEpoch(chain, E + 2n);
      await until(
        "reveals",
        async () =>
          (await revealedLoops(chain, E)).length > 0 &&
          (await read<string>("beaconOf", [E])) !== `0x${"00".repeat(32)}`,
      );
      // Proofs from relays and auditors: wait until every revealed loop is proven, or 90 s per
      // window (a loop the network really lost never is), not a fixed time a loaded machine overruns.
      const allProven = async () => {
        for (const l of await revealedLoops(chain, E))
          if ((await read<{ provenMask: number }>("audit", [l.auditId])).provenMask !== 31) return false;
        return true;
      };
      if (!(await within(90_000, allProven))) {
        await advanceDevChainToEpoch(chain, E + 3n);
        await within(90_000, allProven);
      }
      await advanceDevChainToEpoch(chain, E + 4n);
      const loops = await revealedLoops(chain, E);
      await until("finalized", async () => {
        for (const l of loops) if ((await read<{ status: number }>("audit", [l.auditId])).status === 1) return false;
        return true;
      });
      // Loops are only lost when the relay network itself loses a packet (a
      // failed libp2p forward happens now and then on loopback); the audit
      // must then be broken and recorded, never paid.
      let paid = 0;
      let broken = 0;
      const carried = new Map<string, bigint>();
      for (const l of loops) {
        const a = await read<{ status: number }>("audit", [l.auditId]);
        expect([2, 3]).toContain(a.status);
        if (a.status === 3) {
          broken++;
          continue;
        }
        paid++;
        for (const h of l.route) carried.set(h.toLowerCase(), (carried.get(h.toLowerCase()) ?? 0n) + 1n);
      }
      expect(paid).toBeGreaterThan(broken);
      const reward = await read<bigint>("rewardPerHop", []);
      let faults = 0n;
      for (const r of net.relays) {
        // Honest relays are paid exactly rewardPerHop per complete audited loop they carried.
        expect(await read<bigint>("owed", [r.address])).toBe((carried.get(r.address.toLowerCase()) ?? 0n) * reward);
        faults += await chain.publicClient.readContract({
          address: chain.deployment.contracts.RelayRegistry,
          abi: relayRegistryAbi,
          functionName: "faults",
          args: [r.address],
        });
      }
      // Each broken loop records exactly its broken link (two ends), nothing else.
      expect(faults).toBe(2n * BigInt(broken));
      // `obol audit status --epoch E --json` reads the same outcome.
      const { command } = await import("../../../src/cli/commands/audit.js");
      let text = "";
      const out = new Writable({
        write(chunk, _enc, cb) {
          text += String(chunk);
          cb();
        },
      });
      const code = await command.run(
        [
          "status",
          "--epoch",
          String(E),
          "--json",
          "--data-dir",
          join(dataDir, "deployer"),
          "--rpc-url",
          net.deployment.rpcUrl,
        ],
        { out, log: silentLogger(), signal: new AbortController().signal },
      );
      expect(code).toBe(0);
      const status = JSON.parse(text) as { loops: { status: string }[]; commitments: { tagCount: string }[] };
      expect(status.loops).toHaveLength(loops.length);
      expect(status.loops.filter((l) => l.status === "paid")).toHaveLength(paid);
      expect(status.commitments.every((c) => BigInt(c.tagCount) > 0n)).toBe(true);
      // `obol claim --scheme shopper` (the scheme's settlement) pays a relay its rewards once.
      const earner = net.relays.find((r) => (carried.get(r.address.toLowerCase()) ?? 0n) > 0n)!;
      const { scheme } = await import("../../../src/schemes/shopper/scheme.js");
      const settle = scheme.settle({
        chain: earner.chain,
        db: earner.db,
        log: silentLogger(),
        libp2p: earner.node,
        relay: earner.address,
      });
      const first = await settle.claim();
      expect(first.paid).toBe((carried.get(earner.address.toLowerCase()) ?? 0n) * reward);
      expect((await settle.claim()).paid).toBe(0n);
    } finally {
      await net.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 900_000);
});
