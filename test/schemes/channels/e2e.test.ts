/**
 * Scheme A end to end on the real network: Hardhat node, Ignition deployment
 * (ObolCore + PaymentChannels), the channels devnet hook, 5 relays (2
 * gateways + 3 mixes, to keep the channel mesh small) on loopback libp2p
 * running the real pipeline (Sphinx peel, payment check, delays, receipts),
 * paying each other for their Loopix cover loops. Then
 * every relay claims; the chain's ledger must balance to the token unit.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNetwork } from "../../../src/sim/network.js";
import { silentLogger } from "../../../src/log.js";
import { openDatabase } from "../../../src/store/db.js";
import { ChannelsSettle } from "../../../src/schemes/channels/settle.js";
import { ChannelsStore } from "../../../src/schemes/channels/store.js";
import { paymentChannelsAbi } from "../../../src/chain/abi/PaymentChannels.js";
import { obolTokenAbi } from "../../../src/chain/abi/ObolToken.js";

describe("channels end to end", () => {
  it("relays pay each other per hop through the real pipeline, redeem winners, and no token is created or lost", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-channels-e2e-"));
    const log = silentLogger();
    const net = await startNetwork({
      scheme: "channels",
      dataDir,
      log,
      signal: new AbortController().signal,
      mixesPerLayer: 1,
      clients: 1,
      relayLoopPerS: 6,
      meanDelayMs: 50,
    });
    try {
      await new Promise((r) => setTimeout(r, 8_000));
      let forwarded = 0;
      for (const r of net.relays) {
        expect(r.relay.stats.dropped["scheme-rejected"] ?? 0).toBe(0);
        forwarded += r.relay.stats.forwarded ?? 0;
      }
      expect(forwarded).toBeGreaterThan(50);

      let paid = 0n;
      let redeemed = 0;
      for (const r of net.relays) {
        const db = openDatabase(join(r.dataDir, "relay.sqlite"));
        const claim = await new ChannelsSettle({ chain: r.chain, db, log, libp2p: r.node, relay: r.address }).claim();
        paid += claim.paid;
        redeemed += Number(claim.details.redeemed);
        expect(new ChannelsStore(db).counts().submitted).toBe(0);
        db.close();
      }
      expect(redeemed).toBeGreaterThan(0);
      expect(paid).toBeGreaterThan(0n);

      // Ledger identity on chain: funded − refunded − redeemed = what the contract holds.
      const pc = net.deployment.contracts.PaymentChannels!;
      const pub = net.deployer.publicClient;
      const ev = async (eventName: "ChannelFunded" | "ChannelClosed" | "TicketRedeemed") =>
        pub.getContractEvents({ address: pc, abi: paymentChannelsAbi, eventName, fromBlock: 0n });
      const funded = (await ev("ChannelFunded")).reduce((s, l) => s + (l.args as { amount: bigint }).amount, 0n);
      const refunded = (await ev("ChannelClosed")).reduce((s, l) => s + (l.args as { refunded: bigint }).refunded, 0n);
      const out = (await ev("TicketRedeemed")).reduce((s, l) => s + (l.args as { amount: bigint }).amount, 0n);
      const held = await pub.readContract({
        address: net.deployment.contracts.ObolToken,
        abi: obolTokenAbi,
        functionName: "balanceOf",
        args: [pc],
      });
      expect(funded - refunded - out).toBe(held);
      expect(out).toBeGreaterThanOrEqual(paid); // relays may also have redeemed on their own threshold
    } finally {
      await net.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
