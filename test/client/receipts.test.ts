import { describe, expect, it } from "vitest";
import { PendingReceipts } from "../../src/client/receipts.js";

// A client that runs for months loses some receipts (its gateway is killed, a link is cut): the refs it waits for
// must stay bounded by rate × window, not grow with uptime. Time is a fake clock, so the test counts, never waits.
describe("PendingReceipts", () => {
  it("stays bounded by rate × window when no receipt ever comes back", () => {
    let now = 0;
    const pending = new PendingReceipts({ ttlMs: 120_000, maxSize: 10_000, now: () => now });
    let largest = 0;
    // A week at 2 packets/s (one every 500 ms), every receipt lost.
    for (let i = 0; i < 7 * 24 * 3600 * 2; i++) {
      now += 500;
      pending.add(`ref-${i}`);
      largest = Math.max(largest, pending.size);
    }
    expect(largest).toBe(241); // 120 s / 0.5 s + the one just added
    expect(pending.size).toBe(241);
  });

  it("never holds more than maxSize, whatever the rate", () => {
    let now = 0;
    const pending = new PendingReceipts({ ttlMs: 120_000, maxSize: 100, now: () => now });
    for (let i = 0; i < 5_000; i++) {
      now += 1;
      pending.add(`ref-${i}`);
    }
    expect(pending.size).toBe(100);
    expect(pending.settle("ref-4999")).toBe(true); // the newest are kept
    expect(pending.settle("ref-0")).toBe(false); // the oldest were evicted
  });

  it("counts a receipt once, within the window only", () => {
    let now = 0;
    const pending = new PendingReceipts({ ttlMs: 1_000, now: () => now });
    pending.add("a");
    pending.add("b");
    now = 500;
    expect(pending.settle("a")).toBe(true);
    expect(pending.settle("a")).toBe(false); // a duplicate receipt is unknown
    now = 1_501;
    expect(pending.settle("b")).toBe(false); // too late
    expect(pending.size).toBe(0);
    expect(pending.settle("never-sent")).toBe(false);
  });
});
