import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DelayQueue } from "../../src/relay/delay-queue.js";
import { exponentialDelay } from "../../src/relay/cover.js";
import { InvalidInputError } from "../../src/errors.js";

/** Polls until `done()`; the deadline only ends a stuck test (timers run late on a loaded machine). */
async function waitUntil(done: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("DelayQueue", () => {
  it("releases items in due order (ties in arrival order), whatever the push order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 40 }), async (delays) => {
        const out: number[] = [];
        // The clock is frozen while pushing, so every item's due time is exactly push time + delay.
        let frozen: number | null = performance.now();
        const queue = new DelayQueue<number>({
          onDue: (i) => out.push(i),
          capacity: 100,
          now: () => frozen ?? performance.now(),
        });
        delays.forEach((d, i) => {
          queue.push(i, d);
        });
        frozen = null;
        await waitUntil(() => out.length === delays.length);
        const expected = delays
          .map((d, i) => ({ d, i }))
          .sort((a, b) => a.d - b.d || a.i - b.i)
          .map((x) => x.i);
        expect(out).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it("holds each item at least its delay", async () => {
    const start = performance.now();
    const times: number[] = [];
    const queue = new DelayQueue<number>({ onDue: () => times.push(performance.now() - start), capacity: 10 });
    queue.push(1, 40);
    queue.push(2, 10);
    await waitUntil(() => times.length === 2);
    expect(times[0]).toBeGreaterThanOrEqual(9);
    expect(times[1]).toBeGreaterThanOrEqual(39);
  });

  it("refuses beyond capacity and rejects invalid delays", () => {
    const queue = new DelayQueue<number>({ onDue: () => {}, capacity: 2 });
    expect(queue.push(1, 1_000)).toBe(true);
    expect(queue.push(2, 1_000)).toBe(true);
    expect(queue.push(3, 1_000)).toBe(false);
    expect(queue.size).toBe(2);
    expect(() => queue.push(4, -1)).toThrow(InvalidInputError);
    expect(() => queue.push(4, Number.NaN)).toThrow(/delayMs/);
    expect(queue.takeAll()).toEqual([1, 2]);
    expect(queue.size).toBe(0);
  });

  it("takeAll drains in due order and cancels the timer", async () => {
    const released: number[] = [];
    const queue = new DelayQueue<number>({ onDue: (i) => released.push(i), capacity: 10 });
    queue.push(1, 30);
    queue.push(2, 10);
    expect(queue.takeAll()).toEqual([2, 1]);
    await new Promise((r) => setTimeout(r, 50));
    expect(released).toEqual([]);
  });
});

describe("exponentialDelay", () => {
  it("has the requested mean (Exp(μ), 20k draws, within 5%)", () => {
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += exponentialDelay(100);
    expect(sum / 20_000).toBeGreaterThan(95);
    expect(sum / 20_000).toBeLessThan(105);
  });
});
