/**
 * The measurement behind `shopper.epochs_to_catch_strategic_dropper`
 * (bench/shopper-classifier.bench.ts, docs/shopper.md §11), on seeded inputs:
 * - the transcript a mix is scored on times loops from the epoch's start, as
 *   user packets are (it put every loop the chain's time into the epoch too
 *   early: failed before, each loop 1 000 ms before its VRF-fixed offset);
 * - the strategic dropper drops 10% of its packets, not fewer: binned scores
 *   tie, and the strict cut it used dropped fewer than the uniform dropper it
 *   is compared with (failed before: 7–9.5% in the bench's runs; 0 here).
 */
import { describe, expect, it } from "vitest";
import { createWorld, EPOCH } from "./fixture.js";
import { auditorSends, seededRandom } from "./traffic.js";
import { loopSendOffsetMs } from "../../../src/schemes/shopper/loop.js";
import { dropRule } from "../../../bench/shopper-classifier.bench.js";

describe("strategic-dropper measurement", () => {
  it("records each loop at its VRF-fixed offset from the epoch's start", async () => {
    const w = await createWorld({ gateways: 2, mixesPerLayer: 2, jMax: 4 });
    const e = 1n;
    await w.gotoEpoch(e); // the chain is now a second or more into the epoch
    const { sent, auditors } = await auditorSends(w, e, { loops: 4 });
    const expected = auditors
      .flatMap((a) => a.store.loopsOf(e).map((l) => loopSendOffsetMs(l.beta, EPOCH * 1000, 3_000)))
      .sort((a, b) => a - b);
    expect(sent).toHaveLength(w.relays.length * 4);
    expect(sent.map((s) => s.at).sort((a, b) => a - b)).toEqual(expected);
  }, 300_000);

  it("drops the requested fraction even when the scores tie at the cut", () => {
    // Scores of a binned classifier: few distinct values, the 10% quantile inside a large tie.
    const random = seededRandom(7);
    const scores = Array.from(
      { length: 2000 },
      () => [-1, 0, 0.5][Math.floor(random() * 3)]! + (random() < 0.05 ? -2 : 0),
    );
    const strictCut = [...scores].sort((a, b) => a - b)[200]!;
    expect(scores.filter((s) => s < strictCut).length / scores.length).toBeLessThan(0.08); // the old rule
    const drop = dropRule(scores, 0.1, seededRandom(8));
    const dropped = scores.filter((s) => drop(s)).length / scores.length;
    expect(dropped).toBeGreaterThan(0.09);
    expect(dropped).toBeLessThan(0.11);
    // Nothing above the cut is ever dropped, everything below it always is.
    expect(dropRule(scores, 0.1, () => 0)(0.5)).toBe(false);
    expect(dropRule(scores, 0.1, () => 0.999)(-3)).toBe(true);
  });
});
