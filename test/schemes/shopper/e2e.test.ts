/**
 * End to end on real components: a Hardhat node on 127.0.0.1 deployed by
 * Ignition, 2 gateways + 6 mixes running the real relay pipeline with the
 * shopper scheme on loopback libp2p, one auditor per relay (the scheme's
 * devnet hook) sending verifiable loops; the chain is moved through the audit
 * timeline epoch by epoch. Honest relays are paid per audited loop they
 * carried and nobody is recorded.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNetwork } from "../../../src/sim/network.js";
import { createLogger, silentLogger } from "../../../src/log.js";
import { advanceDevChainToEpoch, currentEpoch } from "../../../src/chain/epochs.js";
import { shopperAuditAbi } from "../../../src/chain/abi/ShopperAudit.js";
import { relayRegistryAbi } from "../../../src/chain/abi/RelayRegistry.js";
import { revealedLoops } from "../../../src/schemes/shopper/chain.js";

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("shopper end to end", () => {
  it("audits loops carried by real relays over the whole timeline and pays every hop", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-shopper-e2e-"));
    const net = await startNetwork({ scheme: "shopper", dataDir, gateways: 2, mixesPerLayer: 2, clients: 0, relayLoopPerS: 0.5, meanDelayMs: 50, log: process.env.SHOPPER_E2E_LOG ? createLogger({ level: "info", destination: process.env.SHOPPER_E2E_LOG }) : silentLogger(), signal: new AbortController().signal });
    try {
      const chain = net.deployer;
      const shopper = chain.deployment.contracts.ShopperAudit!;
      const read = <T>(functionName: string, args: unknown[]) =>
        chain.publicClient.readContract({ address: shopper, abi: shopperAuditAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
      // Keys registered by the hook are in force from the next epoch: loops run there.
      const E = (await currentEpoch(chain)) + 1n;
      await advanceDevChainToEpoch(chain, E);
      // Every auditor sends its loops through the live relays (8 per relay).
      await until("loops carried", async () => {
        let tags = 0;
        for (const r of net.relays) tags += Number(await chain.publicClient.readContract({ address: shopper, abi: shopperAuditAbi, functionName: "layerMembers", args: [E, 0] }).then(() => 1));
        return tags > 0;
      });
      await new Promise((r) => setTimeout(r, 8_000));
      await advanceDevChainToEpoch(chain, E + 1n);
      await until("commitments", async () => {
        let n = 0;
        for (const r of net.relays) if ((await read<readonly [string, bigint]>("commitment", [E, r.address]))[1] > 0n) n++;
        return n === net.relays.length;
      });
      await advanceDevChainToEpoch(chain, E + 2n);
      await until("reveals", async () => (await revealedLoops(chain, E)).length > 0 && (await read<string>("beaconOf", [E])) !== `0x${"00".repeat(32)}`);
      await new Promise((r) => setTimeout(r, 8_000)); // proofs from relays and auditors
      await advanceDevChainToEpoch(chain, E + 3n);
      await new Promise((r) => setTimeout(r, 5_000));
      await advanceDevChainToEpoch(chain, E + 4n);
      const loops = await revealedLoops(chain, E);
      await until("finalized", async () => {
        for (const l of loops) if ((await read<{ status: number }>("audit", [l.auditId])).status === 1) return false;
        return true;
      });
      let paid = 0;
      const carried = new Map<string, bigint>();
      for (const l of loops) {
        const a = await read<{ status: number }>("audit", [l.auditId]);
        expect(a.status).toBe(2);
        paid++;
        for (const h of l.route) carried.set(h.toLowerCase(), (carried.get(h.toLowerCase()) ?? 0n) + 1n);
      }
      expect(paid).toBeGreaterThan(0);
      const reward = await read<bigint>("rewardPerHop", []);
      for (const r of net.relays) {
        expect(await read<bigint>("owed", [r.address])).toBe((carried.get(r.address.toLowerCase()) ?? 0n) * reward);
        expect(await chain.publicClient.readContract({ address: chain.deployment.contracts.RelayRegistry, abi: relayRegistryAbi, functionName: "faults", args: [r.address] })).toBe(0n);
      }
    } finally {
      await net.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
