import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { withDeadline } from "../../src/net/deadline.js";

/** Node's internal set of signals composed from `s` (AbortSignal.any); empty or absent when nothing holds on. */
function dependants(s: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(s).find((k) => k.description === "kDependantSignals");
  return key ? ((s as unknown as Record<symbol, Set<unknown>>)[key]?.size ?? 0) : 0;
}

describe("withDeadline", () => {
  // A client's stop signal lives as long as the process and every inbox pull (4 a second) derives a deadline from
  // it. With AbortSignal.any, Node 20 keeps a ref per derived signal in the stop signal forever (10,000 here).
  it("leaves nothing behind on a long-lived caller signal after 10,000 operations", () => {
    const stop = new AbortController().signal;
    for (let i = 0; i < 10_000; i++) withDeadline(60_000, stop).dispose();
    expect(dependants(stop)).toBe(0);
    expect(getEventListeners(stop, "abort")).toHaveLength(0);
  });

  it("holds one listener on the caller's signal while the operation runs", () => {
    const stop = new AbortController().signal;
    const d = withDeadline(60_000, stop);
    expect(getEventListeners(stop, "abort")).toHaveLength(1);
    d.dispose();
    expect(getEventListeners(stop, "abort")).toHaveLength(0);
  });

  it("aborts with the caller's reason when the caller aborts", () => {
    const stop = new AbortController();
    const d = withDeadline(60_000, stop.signal);
    const reason = new Error("client stopped");
    stop.abort(reason);
    expect(d.signal.aborted).toBe(true);
    expect(d.signal.reason).toBe(reason);
    d.dispose();
  });

  it("is aborted at once when the caller's signal already is", () => {
    const stop = new AbortController();
    stop.abort(new Error("gone"));
    const d = withDeadline(60_000, stop.signal);
    expect(d.signal.aborted).toBe(true);
    d.dispose();
  });

  it("aborts with a TimeoutError when the time is up", async () => {
    const d = withDeadline(1);
    await new Promise<void>((resolve) => d.signal.addEventListener("abort", () => resolve(), { once: true }));
    expect((d.signal.reason as DOMException).name).toBe("TimeoutError");
    d.dispose();
  });

  it("does not abort after dispose", async () => {
    const d = withDeadline(1);
    d.dispose();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(d.signal.aborted).toBe(false);
  });
});
