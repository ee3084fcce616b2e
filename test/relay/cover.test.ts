import { afterAll, describe, expect, it } from "vitest";
import { loopRoute } from "../../src/relay/cover.js";
import { startRelays, waitFor } from "./harness.js";

let net: Awaited<ReturnType<typeof startRelays>> | undefined;
afterAll(async () => {
  await net?.stop();
});

describe("relay cover loops", () => {
  it("loop routes have a client route's shape and pass the sender at its own layer", async () => {
    net = await startRelays(
      [
        { role: "gateway", layer: 0 },
        { role: "gateway", layer: 0 },
        { role: "mix", layer: 1 },
        { role: "mix", layer: 2 },
        { role: "mix", layer: 3 },
      ],
      { coverRate: 20 },
    );
    const [gw, , m1, m2, m3] = net.relays.map((r) => r.entry);
    const layersOf = (route: ReturnType<typeof loopRoute>) => route!.map((e) => (e.role === "gateway" ? "g" : e.layer));
    for (const self of [gw, m1, m2, m3])
      expect(layersOf(loopRoute(net.snapshot, self!.relay))).toEqual(["g", 1, 2, 3, "g"]);
    expect(loopRoute(net.snapshot, gw!.relay)!.at(-1)!.relay).toBe(gw!.relay);
    expect(loopRoute(net.snapshot, gw!.relay)![0]!.relay).not.toBe(gw!.relay);
    expect(loopRoute(net.snapshot, m2!.relay)![2]!.relay).toBe(m2!.relay);
    expect(loopRoute({ epoch: 1n, entries: [gw!] }, gw!.relay)).toBeNull(); // empty layers: no loop

    // Every relay's own loops come back to it, with receipts along the way.
    await waitFor(() => net!.relays.every((r) => r.relay.stats.loopsReturned >= 2), 20_000);
    for (const { relay } of net.relays) {
      expect(relay.stats.loopsSent).toBeGreaterThanOrEqual(relay.stats.loopsReturned);
      expect(relay.stats.receiptsReceived).toBeGreaterThan(0);
      expect(relay.stats.dropped["receipt-unknown"] ?? 0).toBe(0);
    }
  });
});
