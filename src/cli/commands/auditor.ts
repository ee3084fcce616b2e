/**
 * `obol auditor`: a secret-shopper loop sender (docs/shopper.md §Auditor).
 * Sends up to jMax verifiable loops per epoch through the network, reveals
 * winners, collects proofs over `/obol/proof/1`, finalizes.
 */
import { join } from "node:path";
import { bytesToHex } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs, requireKey } from "../options.js";
import { openChain } from "../session.js";

export const command: Command = {
  name: "auditor",
  summary: "send verifiable cover loops and audit relays (secret-shopper scheme)",
  usage: `Usage: obol auditor --key 0x… [--loops N] [--mean-delay-ms MS] [--data-dir D]

Runs until Ctrl-C. The account must be a registered relay: its VRF key
(<data-dir>/vrf.key, created on first run) must be its registry blsKey; when
it is not, the auditor calls updateKeys (in force from the next epoch) and
starts sending loops once it is. Each epoch: sends N ≤ jMax loops (default
jMax), reveals winners two epochs later, fetches inclusion proofs from the
relays, finalizes four epochs later. Loops go out spread over the epoch (times
fixed by their VRF outputs) over long-lived links to the gateways, from the
auditor's own libp2p key (<data-dir>/auditor), never the relay's.
State: <data-dir>/relay.sqlite.

${COMMON_USAGE}`,
  async run(argv, { out, log, signal }) {
    const { common, values } = parseCommandArgs("auditor", argv, {
      options: { loops: { type: "string" }, "mean-delay-ms": { type: "string" } },
    });
    requireKey(common, "auditor");
    const chain = await openChain(common);
    const { openDatabase } = await import("../../store/db.js");
    const { createObolNode, loadOrCreatePeerKey } = await import("../../net/node.js");
    const { loadScheme } = await import("../../schemes/registry.js");
    const { obolNetwork } = await import("../../client/packet.js");
    const { mixSender } = await import("../../schemes/shopper/send.js");
    const { relayRegistryAbi } = await import("../../chain/abi/RelayRegistry.js");
    const { sendContractTx } = await import("../../chain/tx.js");
    const { watchEpochs, currentEpoch } = await import("../../chain/epochs.js");
    const { loadOrCreateVrfKey } = await import("../../schemes/shopper/keys.js");
    const { Auditor } = await import("../../schemes/shopper/auditor.js");

    const vrf = loadOrCreateVrfKey(common.dataDir);
    const registry = chain.deployment.contracts.RelayRegistry;
    const keysIn = (epoch: bigint) =>
      chain.publicClient.readContract({
        address: registry,
        abi: relayRegistryAbi,
        functionName: "keysAt",
        args: [chain.account, epoch],
      });
    const now = await currentEpoch(chain);
    const [mixKey, blsNext] = await keysIn(now + 1n);
    if (blsNext.toLowerCase() !== bytesToHex(vrf.publicKey)) {
      await sendContractTx(
        chain,
        {
          address: registry,
          abi: relayRegistryAbi,
          functionName: "updateKeys",
          args: [mixKey, bytesToHex(vrf.publicKey)],
        },
        "register VRF key",
      );
      out.write(`registered the VRF key; loops start in epoch ${now + 1n}\n`);
    }
    const network = obolNetwork(await loadScheme("shopper"));
    const db = openDatabase(join(common.dataDir, "relay.sqlite"));
    const libp2p = await createObolNode({
      listen: [],
      privateKey: await loadOrCreatePeerKey(join(common.dataDir, "auditor")),
    });
    const { DEFAULT_RATES } = await import("../../client/loopix.js");
    const sender = mixSender({ chain, libp2p, layout: network.layout, log });
    const auditor = new Auditor({
      chain,
      db,
      log,
      libp2p,
      vrfSecretKey: vrf.secretKey,
      params: network.params,
      // Clients' delay distribution: loops must not stand out by the delays they ask hops to hold.
      meanDelayMs: numberOption(values["mean-delay-ms"], "--mean-delay-ms", "auditor", DEFAULT_RATES.meanDelayMs),
      send: sender.send,
      pull: sender.pull,
    });
    // Each epoch's loops are sent across that whole epoch, beside the audit steps of the epoch loop.
    const sending = new Set<Promise<void>>();
    const loops = values.loops === undefined ? undefined : numberOption(values.loops, "--loops", "auditor", 0);
    try {
      await watchEpochs(chain, {
        signal,
        open: true,
        onError: (error) => log.warn({ err: error }, "epoch watch error"),
        onEpoch: async (epoch: bigint) => {
          await auditor.onEpoch(epoch).catch((error) => log.warn({ err: error }, "audit step failed"));
          // Then the epoch's loops, in the background: the audit steps' transactions come first,
          // since they share this account's nonces with the snapshot `sendLoops` may send.
          const [, bls] = await keysIn(epoch);
          if (bls.toLowerCase() === bytesToHex(vrf.publicKey)) {
            const run: Promise<void> = auditor
              .sendLoops(epoch, loops, { signal })
              .then((sent) => void out.write(`epoch ${epoch}: sent ${sent} loops\n`))
              .catch((error) => log.warn({ err: error }, "sending loops failed"))
              .finally(() => sending.delete(run));
            sending.add(run);
          }
        },
      });
    } finally {
      await Promise.allSettled([...sending]);
      await sender.close();
      await libp2p.stop();
      db.close();
    }
    return 0;
  },
};
