/**
 * The scale figures' arithmetic on known inputs: the log–log exponent and its
 * interval, and how an operation that fails at some N is kept out of the fit
 * and reported failing.
 */
import { describe, expect, it } from "vitest";
import { fitExponent } from "../../src/sim/compare/fit.js";
import { growthOf, type ScaleProbe } from "../../src/sim/compare/scale-probe.js";

describe("fitExponent", () => {
  it("recovers an exact power law with a zero-width interval", () => {
    const fit = fitExponent([
      [10, 3 * 10 ** 2],
      [100, 3 * 100 ** 2],
      [1000, 3 * 1000 ** 2],
    ])!;
    expect(fit.exponent).toBeCloseTo(2, 10);
    expect(fit.low).toBeCloseTo(2, 10);
    expect(fit.high).toBeCloseTo(2, 10);
  });

  it("widens the interval with noise (t with one degree of freedom) and covers the true exponent", () => {
    const fit = fitExponent([
      [10, 10 * 1.2],
      [100, 100 / 1.2],
      [1000, 1000 * 1.2],
    ])!;
    expect(fit.exponent).toBeCloseTo(1, 1);
    expect(fit.low!).toBeLessThan(1);
    expect(fit.high!).toBeGreaterThan(1);
    // se = |log 1.44| ... the half width is 12.706 × se
    const half = fit.high! - fit.exponent;
    expect(half).toBeGreaterThan(0.5);
  });

  it("has no interval with two points and no fit with one N", () => {
    expect(
      fitExponent([
        [10, 5],
        [100, 50],
      ]),
    ).toEqual({ exponent: 1, low: null, high: null, points: 2 });
    expect(
      fitExponent([
        [10, 5],
        [10, 6],
      ]),
    ).toBeNull();
    expect(fitExponent([])).toBeNull();
  });
});

describe("growthOf", () => {
  const op = (name: string, calls: number, gas: number, failed: string | null = null) => ({
    op: name,
    calls,
    gasPerEpoch: gas,
    meanGas: calls ? gas / calls : 0,
    failed,
  });
  const probes: ScaleProbe[] = [
    { relays: 10, seconds: 1, operations: [op("S.commit", 10, 1_000), op("S.snapshot", 1, 100)] },
    { relays: 100, seconds: 1, operations: [op("S.commit", 100, 10_000), op("S.snapshot", 1, 10_000)] },
    {
      relays: 1000,
      seconds: 1,
      operations: [op("S.commit", 0, 0, "block gas limit"), op("S.snapshot", 0, 0, "block gas limit")],
    },
  ];

  it("fits only where the operation ran and keeps the failure at its N", () => {
    const [commit, snapshot] = growthOf(probes);
    expect(commit!.op).toBe("S.commit");
    expect(commit!.perEpoch!.exponent).toBeCloseTo(1, 10); // N calls of constant gas
    expect(commit!.perCall!.exponent).toBeCloseTo(0, 10);
    expect(snapshot!.perEpoch!.exponent).toBeCloseTo(2, 10); // one call growing as N²
    expect(snapshot!.points.at(-1)).toEqual({ relays: 1000, gasPerEpoch: null, calls: 0, failed: "block gas limit" });
  });

  it("marks every operation failing at an N whose whole probe failed", () => {
    const [commit] = growthOf([
      probes[0]!,
      probes[1]!,
      { relays: 1000, seconds: 1, operations: [], failed: "probe failed: timeout" },
    ]);
    expect(commit!.points.at(-1)).toEqual({
      relays: 1000,
      gasPerEpoch: null,
      calls: 0,
      failed: "probe failed: timeout",
    });
    expect(commit!.perEpoch!.points).toBe(2);
  });
});

describe("measureScale on a real chain", () => {
  it("measures one epoch of a scheme's recurring calls per relay, without its one-off preparation", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { measureScale } = await import("../../src/sim/compare/scale-probe.js");
    const { devnet } = await import("../../src/schemes/channels/devnet.js");
    const { silentLogger } = await import("../../src/log.js");
    const dataDir = mkdtempSync(join(tmpdir(), "obol-scale-test-"));
    try {
      const { probes, growth } = await measureScale(devnet, {
        relayCounts: [3, 6],
        dataDir,
        log: silentLogger(),
        signal: new AbortController().signal,
      });
      expect(probes.map((p) => p.relays)).toEqual([3, 6]);
      const calls = (op: string) => growth.find((g) => g.op === op)?.points.map((p) => p.calls);
      expect(calls("PaymentChannels.commitRound")).toEqual([3, 6]);
      expect(calls("PaymentChannels.fundChannel")).toEqual([3, 6]);
      expect(calls("RelayRegistry.openEpoch")).toEqual([1, 1]);
      // Opening channels is preparation (once per pair), not the epoch's.
      expect(calls("PaymentChannels.openChannel")).toBeUndefined();
      const commit = growth.find((g) => g.op === "PaymentChannels.commitRound")!;
      expect(commit.points.every((p) => p.failed === null && p.gasPerEpoch! > 0)).toBe(true);
      expect(commit.perEpoch!.exponent).toBeCloseTo(1, 1); // N calls of (nearly) constant gas
      // The per-hop redemption ran at every N: a winning ticket redeemed by each sampled relay, its per-call exponent fitted.
      const redeem = growth.find((g) => g.op === "PaymentChannels.redeemTickets")!;
      expect(redeem.sampled).toBe(true);
      expect(redeem.points.map((p) => [p.calls, p.failed])).toEqual([
        [3, null],
        [6, null],
      ]);
      expect(redeem.perCall).not.toBeNull();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe("every scheme's scale epoch", () => {
  it.each(["tickets", "shopper"])(
    "%s runs its epoch at two N on one chain without a failing operation",
    async (name) => {
      const { mkdtempSync, rmSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      const { measureScale } = await import("../../src/sim/compare/scale-probe.js");
      const { loadSchemeDevnet } = await import("../../src/schemes/devnet.js");
      const { silentLogger } = await import("../../src/log.js");
      const dataDir = mkdtempSync(join(tmpdir(), "obol-scale-test-"));
      try {
        const devnet = await loadSchemeDevnet(name);
        const { probes, growth } = await measureScale(devnet, {
          relayCounts: [5, 8], // 2 gateways and 3 mixes at least: a shopper loop needs every layer
          dataDir,
          log: silentLogger(),
          signal: new AbortController().signal,
        });
        expect(probes.map((p) => p.failed ?? null)).toEqual([null, null]);
        const failing = growth.flatMap((g) =>
          g.points.filter((p) => p.failed !== null).map((p) => `${g.op} at ${p.relays}: ${p.failed}`),
        );
        expect(failing).toEqual([]);
        // Every operation the scheme only samples (its per-hop and audit steps) has gas at every N, so its growth is fitted.
        expect(Object.keys(devnet.sampled ?? {}).length, name).toBeGreaterThan(0);
        for (const op of Object.keys(devnet.sampled ?? {})) {
          const g = growth.find((x) => x.op === op);
          expect(
            g?.points.map((p) => p.calls > 0 && p.gasPerEpoch! > 0),
            `${name} ${op}`,
          ).toEqual([true, true]);
          expect(g!.perCall, `${name} ${op}`).not.toBeNull();
        }
        // At least one scheme operation (not only the common epoch opening) ran once per relay.
        expect(
          growth.some((g) => !g.op.startsWith("RelayRegistry.") && g.points.map((p) => p.calls).join() === "5,8"),
        ).toBe(true);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    600_000,
  );
});
