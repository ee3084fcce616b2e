/**
 * Regression (issue 10, finding 2): the order in which a client spends its
 * tokens at a relay must carry no information. The greedy chaining attack of
 * bench/tickets-chaining.ts (one relay, serials in arrival order) links a
 * token to the same sender's previous one no better than on randomly
 * ordered wallets of the same seeded workload. Before the fix (ascending
 * serial order from SQLite's index) it linked 14.2 % (all buy together,
 * chance 1.5 %) and 27.8 % (staggered purchases, chance 2.2 %): this test failed.
 */
import { describe, it, expect } from "vitest";
import { spendOrderAttack } from "../../../bench/tickets-chaining.js";

describe("spending order at one relay", () => {
  for (const staggered of [false, true]) {
    it(`links no better than chance, 50 clients, ${staggered ? "staggered purchases" : "all buy together"}`, () => {
      const r = spendOrderAttack({ seed: `spend-order-test-${staggered}`, staggered });
      // One-sided 4σ binomial bound around the measured chance level.
      const bound = r.chance + 4 * Math.sqrt((r.chance * (1 - r.chance)) / r.links);
      process.stdout.write(
        `spend order (${staggered ? "staggered" : "together"}): link rate ${(100 * r.linkRate).toFixed(1)} %, chance ${(100 * r.chance).toFixed(1)} %, bound ${(100 * bound).toFixed(1)} %\n`,
      );
      expect(r.links).toBe(50 * 19);
      expect(r.linkRate).toBeLessThanOrEqual(bound);
    });
  }
});
