/**
 * Devnet hook of scheme C (docs/shopper.md §6): deploys ShopperAudit (Ignition,
 * with FAULT_RECORDER_ROLE), funds its reward pool, gives every relay a VRF
 * key (registered as its blsKey, in force from the next epoch) and runs one
 * auditor per relay that sends verifiable loops each epoch and audits them.
 * The relays themselves commit and answer audits from their scheme epoch loop.
 *
 * Settlement (docs/compare.md §Settlement): relays are paid only after later
 * epochs (loops in E, commitments in E+1, beacon and reveals in E+2, proofs
 * in E+3, finalisation in E+4), so the comparison enters E halfway through
 * the workload and then moves the chain through the rest while relays and
 * auditors keep running.
 */
import { join } from "node:path";
import { bytesToHex } from "viem";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { sendContractTx } from "../../chain/tx.js";
import { currentEpoch, watchEpochs } from "../../chain/epochs.js";
import { forComponent } from "../../log.js";
import { openDatabase } from "../../store/db.js";
import { createObolNode } from "../../net/node.js";
import type { SchemeDevnet, SettlementContext, SettlementResult } from "../devnet.js";
import ShopperAuditModule from "../../../ignition/modules/ShopperAudit.js";
import { Auditor } from "./auditor.js";
import { loadOrCreateVrfKey } from "./keys.js";
import { mixSender } from "./send.js";
import { revealedLoops } from "./chain.js";
import { copiedVrfKey } from "./attacks.js";
import { framingAuditor, frontRunningAuditor } from "./attacks-audit.js";
import { strategicDropper } from "./attacks-dropper.js";
import { shopperScaleEpoch } from "./scale.js";
import { InvalidInputError } from "../../errors.js";

/**
 * Reward pool funded at setup, loops per relay per epoch, and where in each
 * epoch they go out: a devnet's chain is advanced by hand through hour-long
 * epochs (the e2e test waits about 10 s), so loops are spread over 3 s after a
 * guard (`auditTiming`) from when the auditor sees the epoch, not the whole hour as on a live network
 * (docs/shopper.md §3). The comparison instead says how long client traffic
 * runs in the epoch it enters (`DevnetContext.epochTrafficMs`) and loops are
 * spread over that (`auditTiming`).
 */
export const DEVNET_SHOPPER = {
  pool: 100_000n * 10n ** 18n,
  loopsPerEpoch: 8,
  meanDelayMs: 200,
  spreadMs: 7_000,
  guardMs: 2_000,
} as const;

/**
 * When the auditors send their loops: over `epochTrafficMs` from when each sees the epoch, when the
 * comparison gives it (so loops arrive at a mix over the same stretch as the epoch's client packets,
 * issue 11 finding 1), with a guard of 1.5 × the relays' epoch lag (the lag plus room for their chain
 * read), and watching the epoch as often as that lag; else the devnet's fixed 3 s of sends after a
 * guard of at least `DEVNET_SHOPPER.guardMs` and of 1.5 × the lag (loops count from when the auditor
 * saw the epoch, so a shorter guard would send some before every relay saw it).
 *
 * @example
 * auditTiming({ relayEpochLagMs: 400, epochTrafficMs: 15_000 }); // { spreadMs: 15000, guardMs: 600, pollMs: 400 }
 */
export function auditTiming(c: { relayEpochLagMs: number; epochTrafficMs?: number | undefined }): {
  spreadMs: number;
  guardMs: number;
  pollMs: number;
} {
  const guardMs = Math.ceil(1.5 * c.relayEpochLagMs);
  if (c.epochTrafficMs === undefined) {
    // Never inside the relays' lag: loops count from the sighting, and the e2e test's relays lag 2.5 s.
    const guard = Math.max(DEVNET_SHOPPER.guardMs, guardMs);
    const sending = DEVNET_SHOPPER.spreadMs - 2 * DEVNET_SHOPPER.guardMs;
    return { spreadMs: 2 * guard + sending, guardMs: guard, pollMs: 1_000 };
  }
  if (!(c.epochTrafficMs > 4 * guardMs))
    throw new InvalidInputError("epochTrafficMs", `must exceed four guards (${4 * guardMs} ms)`, {
      hint: "run a longer workload (--duration)",
    });
  return { spreadMs: c.epochTrafficMs, guardMs, pollMs: Math.min(1_000, c.relayEpochLagMs) };
}

/** `IShopperAudit.AuditStatus` values: revealed and waiting for proofs (Open), then Paid. */
const AUDIT_OPEN = 1;
const AUDIT_PAID = 2;

export const devnet: SchemeDevnet = {
  // The copied key last: its relay stays registered, and the worlds before it need a directory of their own relays.
  attacks: [frontRunningAuditor, framingAuditor, strategicDropper, copiedVrfKey],
  module: ShopperAuditModule,
  contracts: [{ name: "ShopperAudit", abi: shopperAuditAbi }],
  settlement: { enterNextEpochDuringTraffic: true, run: settle },
  scaleEpoch: (c) => shopperScaleEpoch(c, DEVNET_SHOPPER.pool),
  // Audits per epoch are set by the auditors' loop rate, not by N: the run's audits per relay scale them.
  sampled: {
    "ShopperAudit.reveal": "relay",
    "ShopperAudit.proveHops": "relay",
    "ShopperAudit.finalize": "relay",
  },
  unprobed: [
    { op: "ShopperAudit.dispute", why: "only when a hop refused a loop (the framing scenario measures it)" },
    { op: "ShopperAudit.claim", why: "a relay withdraws its credit when it chooses, not per epoch" },
  ],
  expectedSeconds: { setup: 3, settlement: 65 },
  async setup({ deployer, relays, packet, log, signal, relayEpochLagMs, epochTrafficMs }) {
    const l = forComponent(log, "obol:shopper:devnet");
    const timing = auditTiming({ relayEpochLagMs, epochTrafficMs });
    const shopper = deployer.deployment.contracts.ShopperAudit!;
    await sendContractTx(
      deployer,
      {
        address: deployer.deployment.contracts.ObolToken,
        abi: obolTokenAbi,
        functionName: "approve",
        args: [shopper, DEVNET_SHOPPER.pool],
      },
      "approve shopper pool",
    );
    await sendContractTx(
      deployer,
      { address: shopper, abi: shopperAuditAbi, functionName: "fund", args: [DEVNET_SHOPPER.pool] },
      "fund shopper pool",
    );
    const nodes: Awaited<ReturnType<typeof createObolNode>>[] = [];
    const senders: ReturnType<typeof mixSender>[] = [];
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    const runs: Promise<void>[] = [];
    const sending = new Set<Promise<void>>();
    const dbs: ReturnType<typeof openDatabase>[] = [];
    for (const r of relays) {
      const vrf = loadOrCreateVrfKey(r.dataDir);
      const registry = r.chain.deployment.contracts.RelayRegistry;
      const next = (await currentEpoch(r.chain)) + 1n;
      const [mixKey] = await r.chain.publicClient.readContract({
        address: registry,
        abi: relayRegistryAbi,
        functionName: "keysAt",
        args: [r.chain.account, next],
      });
      await sendContractTx(
        r.chain,
        {
          address: registry,
          abi: relayRegistryAbi,
          functionName: "updateKeys",
          args: [mixKey, bytesToHex(vrf.publicKey)],
        },
        `register VRF key of ${r.name}`,
      );
      const db = openDatabase(join(r.dataDir, "shopper-auditor.sqlite"));
      dbs.push(db);
      // Each auditor is its own dial-only node with a fresh peer id: a gateway sees one more client link,
      // not the relay and not one identity carrying every auditor's loops.
      const libp2p = await createObolNode({ listen: [] });
      nodes.push(libp2p);
      const sender = mixSender({ chain: r.chain, libp2p, layout: packet.layout, log: l });
      senders.push(sender);
      const auditor = new Auditor({
        chain: r.chain,
        db,
        log: forComponent(l, r.name),
        libp2p,
        vrfSecretKey: vrf.secretKey,
        params: packet.params,
        meanDelayMs: DEVNET_SHOPPER.meanDelayMs,
        spreadMs: timing.spreadMs,
        guardMs: timing.guardMs,
        send: sender.send,
        pull: sender.pull,
      });
      runs.push(
        watchEpochs(r.chain, {
          signal: both,
          pollMs: timing.pollMs,
          onError: (error) => l.debug({ err: error, relay: r.name }, "auditor epoch error"),
          onEpoch: async (epoch) => {
            // The epoch's stretch starts here, when the auditor sees the epoch, not after its reads below.
            const seenAt = Date.now();
            const [, bls] = await r.chain.publicClient.readContract({
              address: registry,
              abi: relayRegistryAbi,
              functionName: "keysAt",
              args: [r.chain.account, epoch],
            });
            // The next epoch's VRF proofs, made ahead (they fix its send times): after this epoch's loops, or now.
            const prepareNext = () =>
              auditor
                .prepareLoops(epoch + 1n, DEVNET_SHOPPER.loopsPerEpoch)
                .catch((error) => l.debug({ err: error, relay: r.name }, "preparing loops failed"));
            // First the epoch's loops, sent across it (times from the VRF) beside the epoch loop, so their
            // stretch starts when the epoch is seen, not after the audit steps (seconds of transactions);
            // every transaction of this account (the snapshot `sendLoops` may send, the steps') takes its nonce in turn.
            if (bls.toLowerCase() === bytesToHex(vrf.publicKey)) {
              const run: Promise<void> = auditor
                .sendLoops(epoch, DEVNET_SHOPPER.loopsPerEpoch, { signal: both, seenAt })
                .then(
                  () => {},
                  (error) => l.warn({ err: error, relay: r.name }, "loops failed"),
                )
                .then(prepareNext)
                .finally(() => sending.delete(run));
              sending.add(run);
            } else void prepareNext();
            await auditor.onEpoch(epoch).catch((error) => l.warn({ err: error, relay: r.name }, "audit step failed"));
          },
        }),
      );
    }
    l.info({ relays: relays.length, pool: DEVNET_SHOPPER.pool }, "shopper pool funded, auditors running");
    return async () => {
      stop.abort();
      await Promise.allSettled([...runs, ...sending]);
      await Promise.allSettled(senders.map((s) => s.close()));
      await Promise.allSettled(nodes.map((n) => n.stop()));
      for (const db of dbs) db.close();
    };
  },
};

/**
 * The audit timeline after the workload: VRF keys set at setup are in force
 * from E = traffic epoch + 1; each step waits for what the relays and
 * auditors must do in it (pauses leave them time to act on the new epoch).
 */
async function settle(c: SettlementContext): Promise<SettlementResult> {
  const shopper = c.chain.deployment.contracts.ShopperAudit!;
  const { publicClient } = c.chain;
  const status = async (auditId: `0x${string}`) =>
    (
      await publicClient.readContract({
        address: shopper,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [auditId],
      })
    ).status;
  const E = c.trafficEpoch + 1n;
  if (c.enteredDuringTraffic === undefined) {
    await c.advance(E, "auditors send verifiable loops");
    await c.pause(10_000);
  }
  await c.advance(E + 1n, "relays commit their replay-tag roots");
  await c.until(30_000, async () => {
    for (const relay of c.relays) {
      const [, tagCount] = await publicClient.readContract({
        address: shopper,
        abi: shopperAuditAbi,
        functionName: "commitment",
        args: [E, relay],
      });
      if (tagCount === 0n) return false;
    }
    return true;
  });
  await c.advance(E + 2n, "beacon, reveals");
  await c.until(30_000, async () => (await revealedLoops(c.chain, E)).length > 0);
  await c.pause(8_000);
  await c.advance(E + 3n, "inclusion proofs");
  await c.pause(5_000);
  await c.advance(E + 4n, "finalisation");
  const loops = await revealedLoops(c.chain, E);
  await c.until(30_000, async () => {
    for (const loop of loops) if ((await status(loop.auditId)) === AUDIT_OPEN) return false;
    return true;
  });
  let paid = 0;
  for (const loop of loops) if ((await status(loop.auditId)) === AUDIT_PAID) paid++;
  return { audits: { revealed: loops.length, paid } };
}
