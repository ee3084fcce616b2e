/**
 * Scheme B end to end on the devnet: Hardhat node, Ignition (ObolCore +
 * TicketBank), issuer registered, every participant buys blind tokens, 2
 * gateways + 9 mixes + 2 clients run Loopix traffic paying one token per hop,
 * relays verify in batches and finally redeem everything on chain.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { withE2eDevnet } from "../../helpers/devnet.js";
import { DEVNET_TOKENS } from "../../../src/schemes/tickets/devnet.js";
import { openDatabase } from "../../../src/store/db.js";
import { RelayTokenStore } from "../../../src/schemes/tickets/store.js";

describe("devnet end to end (tickets scheme)", () => {
  it("delivers every message with every hop paid by a token, and relays redeem exactly what they accepted", async () => {
    // Fewer tokens than the devnet's default keep the purchases short; 8 s of traffic spends far fewer.
    await withE2eDevnet(
      { scheme: "tickets", seed: "e2e-tickets", prepaid: { gateway: 50, mix: 12 } },
      (report, dataDir) => {
        expect(report.aborted).toBe(false);
        expect(report.messages.sent).toBeGreaterThanOrEqual(3);
        expect(report.messages.delivered).toBe(report.messages.sent);
        expect(report.drops).toEqual({});
        let paid = 0n;
        for (const r of report.relays) {
          expect(r.claimError).toBeUndefined();
          // Ground truth from the relay's own store: what the claim paid is exactly its redeemed tokens
          // at the deterministic price; no token was invalid or left pending / half-submitted (packets
          // still in flight after the claim stay 'valid' for the next claim).
          const db = openDatabase(join(dataDir, r.name, "relay.sqlite"));
          const counts = new RelayTokenStore(db).counts();
          db.close();
          expect({ invalid: counts.invalid, pending: counts.pending, submitted: counts.submitted }).toEqual({
            invalid: undefined,
            pending: undefined,
            submitted: undefined,
          });
          expect(r.paid).toBe(DEVNET_TOKENS.price * BigInt(counts.redeemed ?? 0));
          expect((counts.redeemed ?? 0) + (counts.valid ?? 0)).toBeGreaterThanOrEqual(r.received);
          paid += r.paid;
        }
        expect(paid).toBeGreaterThan(0n);
      },
    );
  }, 300_000);
});
