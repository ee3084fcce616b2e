import { describe, expect, it, vi } from "vitest";
import { checkRates, DEFAULT_RATES, poissonStream, sampleExponential, sleep } from "../../src/client/loopix.js";
import { seededRandom } from "../../src/sim/random.js";
import { percentile } from "../../src/sim/metrics.js";
import { InvalidInputError } from "../../src/errors.js";

describe("Loopix timing", () => {
  it("samples Exp(μ) with the requested mean and a memoryless shape", () => {
    const random = seededRandom("exp");
    const xs = Array.from({ length: 20_000 }, () => sampleExponential(200, random));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(190);
    expect(mean).toBeLessThan(210);
    // Median of Exp is mean·ln 2 ≈ 139 ms; p95 is mean·ln 20 ≈ 599 ms.
    expect(Math.abs(percentile(xs, 50) - 139)).toBeLessThan(10);
    expect(Math.abs(percentile(xs, 95) - 599)).toBeLessThan(30);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
    expect(sampleExponential(0)).toBe(0);
    expect(() => sampleExponential(-1)).toThrow(InvalidInputError);
  });

  it("ticks at about λ per second and stops on abort", async () => {
    // Fake timers: one simulated second, whatever the machine's load.
    vi.useFakeTimers();
    const controller = new AbortController();
    let ticks = 0;
    const done = poissonStream({
      ratePerS: 50,
      signal: controller.signal,
      onError: () => {},
      random: seededRandom("ticks"),
      tick: async () => void ticks++,
    });
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    await done;
    vi.useRealTimers();
    expect(ticks).toBeGreaterThan(25); // Poisson(50): 25 is > 3.5 σ below
    expect(ticks).toBeLessThan(80);
    const after = ticks;
    await sleep(100);
    expect(ticks).toBe(after);
  });

  it("keeps streaming when a tick fails, reporting the error", async () => {
    const controller = new AbortController();
    const errors: unknown[] = [];
    const done = poissonStream({
      ratePerS: 100,
      signal: controller.signal,
      onError: (e) => errors.push(e),
      tick: async () => {
        throw new Error("boom");
      },
    });
    await sleep(300);
    controller.abort();
    await done;
    expect(errors.length).toBeGreaterThan(5);
  });

  it("validates rates, naming the field", () => {
    expect(checkRates(DEFAULT_RATES)).toBe(DEFAULT_RATES);
    expect(() => checkRates({ ...DEFAULT_RATES, payloadPerS: 0 })).toThrow(/payloadPerS/);
    expect(() => checkRates({ ...DEFAULT_RATES, loopPerS: Number.NaN })).toThrow(/loopPerS/);
    expect(() => checkRates({ ...DEFAULT_RATES, meanDelayMs: -5 })).toThrow(/meanDelayMs/);
  });

  it("seeded randomness repeats per seed and differs across seeds", () => {
    const a = seededRandom(7),
      b = seededRandom(7),
      c = seededRandom(8);
    const xa = Array.from({ length: 1000 }, a),
      xb = Array.from({ length: 1000 }, b),
      xc = Array.from({ length: 1000 }, c);
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
    expect(xa.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
