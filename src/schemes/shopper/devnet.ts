/**
 * Devnet hook of scheme C (docs/shopper.md §6): deploys ShopperAudit (Ignition,
 * with FAULT_RECORDER_ROLE), funds its reward pool, gives every relay a VRF
 * key (registered as its blsKey, in force from the next epoch) and runs one
 * auditor per relay that sends verifiable loops each epoch and audits them.
 * The relays themselves commit and answer audits from their scheme epoch loop.
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
import { obolNetwork } from "../../client/packet.js";
import type { SchemeDevnet } from "../../sim/types.js";
import ShopperAuditModule from "../../../ignition/modules/ShopperAudit.js";
import { Auditor } from "./auditor.js";
import { loadOrCreateVrfKey } from "./keys.js";
import { mixSender } from "./send.js";
import { scheme } from "./scheme.js";

/**
 * Reward pool funded at setup, loops per relay per epoch, and where in each
 * epoch they go out: a devnet's chain is advanced by hand through hour-long
 * epochs (the e2e test and the comparison wait about 10 s), so loops are spread
 * over 2–5 s after the auditor sees the epoch, not the whole hour as on a live
 * network (docs/shopper.md §3).
 */
export const DEVNET_SHOPPER = { pool: 100_000n * 10n ** 18n, loopsPerEpoch: 8, meanDelayMs: 200, spreadMs: 7_000, guardMs: 2_000 } as const;

export const devnet: SchemeDevnet = {
  module: ShopperAuditModule,
  async setup({ deployer, relays, log, signal }) {
    const l = forComponent(log, "obol:shopper:devnet");
    const shopper = deployer.deployment.contracts.ShopperAudit!;
    await sendContractTx(deployer, { address: deployer.deployment.contracts.ObolToken, abi: obolTokenAbi, functionName: "approve", args: [shopper, DEVNET_SHOPPER.pool] }, "approve shopper pool");
    await sendContractTx(deployer, { address: shopper, abi: shopperAuditAbi, functionName: "fund", args: [DEVNET_SHOPPER.pool] }, "fund shopper pool");
    const network = obolNetwork(scheme);
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
      const [mixKey] = await r.chain.publicClient.readContract({ address: registry, abi: relayRegistryAbi, functionName: "keysAt", args: [r.chain.account, next] });
      await sendContractTx(r.chain, { address: registry, abi: relayRegistryAbi, functionName: "updateKeys", args: [mixKey, bytesToHex(vrf.publicKey)] }, `register VRF key of ${r.name}`);
      const db = openDatabase(join(r.dataDir, "shopper-auditor.sqlite"));
      dbs.push(db);
      // Each auditor is its own dial-only node with a fresh peer id: a gateway sees one more client link,
      // not the relay and not one identity carrying every auditor's loops.
      const libp2p = await createObolNode({ listen: [] });
      nodes.push(libp2p);
      const sender = mixSender({ chain: r.chain, libp2p, layout: network.layout, log: l });
      senders.push(sender);
      const auditor = new Auditor({ chain: r.chain, db, log: forComponent(l, r.name), libp2p, vrfSecretKey: vrf.secretKey, params: network.params, meanDelayMs: DEVNET_SHOPPER.meanDelayMs, spreadMs: DEVNET_SHOPPER.spreadMs, guardMs: DEVNET_SHOPPER.guardMs, send: sender.send });
      runs.push(
        watchEpochs(r.chain, {
          signal: both,
          onError: (error) => l.debug({ err: error, relay: r.name }, "auditor epoch error"),
          onEpoch: async (epoch) => {
            await auditor.onEpoch(epoch).catch((error) => l.warn({ err: error, relay: r.name }, "audit step failed"));
            const [, bls] = await r.chain.publicClient.readContract({ address: registry, abi: relayRegistryAbi, functionName: "keysAt", args: [r.chain.account, epoch] });
            // Then the epoch's loops, sent across it (times from the VRF) beside the epoch loop: after the
            // audit steps, whose transactions share this account's nonces with the snapshot `sendLoops` may send.
            if (bls.toLowerCase() === bytesToHex(vrf.publicKey)) {
              const run: Promise<void> = auditor.sendLoops(epoch, DEVNET_SHOPPER.loopsPerEpoch, { signal: both })
                .then(() => {}, (error) => l.warn({ err: error, relay: r.name }, "loops failed"))
                .finally(() => sending.delete(run));
              sending.add(run);
            }
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
