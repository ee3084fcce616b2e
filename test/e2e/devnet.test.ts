/**
 * End to end on real components: a Hardhat node on 127.0.0.1, Ignition
 * deployment, 2 gateways + 9 mixes registered on chain and running on
 * loopback libp2p, 2 clients exchanging sealed messages through 5 hops with
 * Loopix cover traffic, and SURB replies back to the senders.
 */
import { describe, expect, it } from "vitest";
import { withE2eDevnet } from "../helpers/devnet.js";

describe("devnet end to end (free scheme)", () => {
  it("delivers every message through gateway → 3 mixes → gateway and every SURB reply back", async () => {
    await withE2eDevnet({ scheme: "free", seed: "e2e" }, (report) => {
      expect(report.aborted).toBe(false);
      expect(report.messages.sent).toBeGreaterThanOrEqual(3);
      expect(report.messages.delivered).toBe(report.messages.sent);
      expect(report.replies.sent).toBe(report.messages.delivered);
      expect(report.replies.received).toBe(report.replies.sent);
      // Mixing delays make latency positive (the 5 s p95 goal is a bench figure, not a timed test).
      expect(report.latency.p50).toBeGreaterThan(0);
      expect(report.latency.p95).toBeGreaterThanOrEqual(report.latency.p50);
      // Traffic crossed every layer: both gateways delivered, every mix forwarded something.
      const gateways = report.relays.filter((r) => r.role === "gateway");
      expect(gateways).toHaveLength(2);
      for (const g of gateways) expect(g.delivered).toBeGreaterThan(0);
      const mixes = report.relays.filter((r) => r.role === "mix");
      expect(mixes).toHaveLength(9);
      expect(mixes.filter((m) => m.forwarded > 0).length).toBeGreaterThanOrEqual(6);
      // Loopix cover: clients sent loops and drops, and got hop receipts from their gateway.
      for (const c of report.clients) {
        expect(c.sent.loop! + c.sent.drop!).toBeGreaterThan(0);
        expect(c.receipts).toBeGreaterThan(0);
        expect(c.unreadable).toBe(0);
      }
      expect(report.drops).toEqual({});
      // Every relay ran its settlement; under the free scheme nothing is owed and no gas is spent.
      for (const r of report.relays)
        expect({ error: r.claimError, paid: r.paid, gas: r.claimGas }).toEqual({ error: undefined, paid: 0n, gas: 0n });
    });
  }, 120_000);
});
