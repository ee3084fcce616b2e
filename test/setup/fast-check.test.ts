/**
 * The suite's properties are reproducible: the vitest setup file fixes fast-check's seed, so a
 * property checked twice draws the same values (unseeded, fast-check seeds from the clock and
 * Math.random and the two runs differ).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FAST_CHECK_SEED } from "./fast-check-seed.js";

const draws = (): number[][] => {
  const seen: number[][] = [];
  fc.assert(fc.property(fc.array(fc.integer()), (xs) => void seen.push(xs)));
  return seen;
};

describe("fast-check in this suite", () => {
  it("runs every property from the fixed seed: two runs draw the same values", () => {
    expect(fc.readConfigureGlobal().seed).toBe(FAST_CHECK_SEED);
    const first = draws();
    expect(first.length).toBe(100);
    expect(draws()).toEqual(first);
  });
});
