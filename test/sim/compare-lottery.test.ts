/**
 * The win-probability sweep on the chain (docs/compare.md §Win-probability
 * sweep): the channels relays and contract at p = 1 and at the smallest p the
 * 56-bit threshold expresses, over 3 epochs of traffic. At p = 1 every paid
 * hop wins, so relays redeem on chain and are paid; at 2^−56 nothing can win,
 * so no redemption and no payout happen and the steady gas is the per-epoch
 * round commitments alone. Both rows reach the written, schema-validated
 * report with their charts. Then the pure pieces on known inputs: the σ/μ of
 * pay per relay per epoch (zeros count), the model, and each scheme's
 * rounding of p to what it can deploy.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { silentLogger } from "../../src/log.js";
import { modelCv, payCv } from "../../src/sim/compare/lottery-sweep.js";
import { runComparison } from "../../src/sim/compare/run.js";
import { writeReport } from "../../src/sim/report/write.js";
import { winProbFor } from "../../src/schemes/channels/lottery.js";
import { winBitsFor } from "../../src/schemes/tickets/lottery.js";
import { InvalidInputError } from "../../src/errors.js";

const A = "0x00000000000000000000000000000000000000aa" as Address;
const B = "0x00000000000000000000000000000000000000bb" as Address;

describe("win-probability sweep", () => {
  it("channels at p = 1 redeems and pays every epoch's wins; at 2^-56 nothing is redeemed or paid; the report carries both", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-lottery-test-"));
    const out = mkdtempSync(join(tmpdir(), "obol-lottery-out-"));
    try {
      const report = await runComparison({
        schemes: ["channels"],
        gateways: 1,
        mixesPerLayer: 1,
        clients: 2,
        durationS: 3,
        seeds: 1,
        seed: "3",
        lotterySweep: { epochs: 3, durationS: 9, probabilities: [1, 2 ** -56] },
        dataDir,
        log: silentLogger(),
        signal: new AbortController().signal,
      });
      // Written, validated against report.schema.json, with both sweep charts (measured beside the model).
      const dir = await writeReport(report, { out });
      expect(report.charts.map((c) => c.file)).toEqual(expect.arrayContaining(["sweep-gas.svg", "sweep-variance.svg"]));
      expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("### Measured on the chain");
      const rows = report.sweep.measured!.rows;
      expect(rows.map((r) => r.error)).toEqual([undefined, undefined]);
      const [all, none] = rows as [(typeof rows)[0], (typeof rows)[0]];
      expect(all.winProbability).toBe(1);
      expect(none.winProbability).toBe(2 ** -56);
      // Three traffic epochs after setup, and setup gas (deployment, channel mesh) counted apart.
      for (const r of rows) {
        expect(r.epochs).toBeGreaterThanOrEqual(3);
        expect(r.hops).toBeGreaterThan(0);
        expect(r.setupGas).toBeGreaterThan(0);
      }
      const redeemed = (r: typeof all) =>
        r.operations.find((o) => o.op === "PaymentChannels.redeemTickets")?.count ?? 0;
      expect(redeemed(all)).toBeGreaterThan(0);
      expect(all.payouts).toBeGreaterThan(0);
      expect(all.payoutCv).not.toBeNull();
      expect(all.modelCv).toBe(0);
      expect(redeemed(none)).toBe(0);
      expect(none.payouts).toBe(0);
      expect(none.payoutCv).toBeNull();
      expect(none.operations.map((o) => o.op)).toEqual(["PaymentChannels.commitRound"]);
      expect(none.gasPer1000Hops!).toBeLessThan(all.gasPer1000Hops!);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  }, 1_200_000);

  it("σ/μ of pay per relay per epoch counts epochs without pay as zeros", () => {
    // A paid 10 in epochs 1 and 2, B paid 10 in epoch 1 only: cells 10, 10, 10, 0 → μ = 7.5, σ = 4.33.
    const payouts = [
      { relay: A, value: 10n, epoch: 1n },
      { relay: A, value: 10n, epoch: 2n },
      { relay: B, value: 10n, epoch: 1n },
      { relay: "0x00000000000000000000000000000000000000cc" as Address, value: 99n, epoch: 1n }, // not a listed relay
      { relay: A, value: 99n, epoch: 3n }, // outside the epochs
    ];
    expect(payCv(payouts, [A, B], 1n, 2n)).toBeCloseTo(Math.sqrt(18.75) / 7.5, 12);
    expect(payCv([], [A, B], 1n, 2n)).toBeNull();
    expect(payCv([{ relay: A, value: 5n, epoch: 1n }], [A], 1n, 1n)).toBeNull(); // one cell
  });

  it("the model is √((1 − p)/(p·H)), and each scheme deploys the nearest p it can express", () => {
    expect(modelCv(1, 100)).toBe(0);
    expect(modelCv(0.01, 100)).toBeCloseTo(Math.sqrt(0.99), 12);
    expect(modelCv(0.5, 0)).toBeNull();
    expect(winProbFor(1)).toBe(2n ** 56n - 1n);
    expect(winProbFor(1 / 8)).toBe(2n ** 53n - 1n);
    expect(winProbFor(2 ** -60)).toBe(0n);
    expect(winBitsFor(1)).toBe(0);
    expect(winBitsFor(0.01)).toBe(7);
    expect(winBitsFor(1e-9)).toBe(16);
    expect(() => winProbFor(0)).toThrow(InvalidInputError);
    expect(() => winBitsFor(1.5)).toThrow(InvalidInputError);
  });
});
