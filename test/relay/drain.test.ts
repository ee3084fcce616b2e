import { describe, expect, it } from "vitest";
import { createObolNode } from "../../src/net/node.js";
import { buildPacket, openClientLink, startRelays, waitFor } from "./harness.js";

describe("relay stop", () => {
  it("drains: a packet still waiting out a long mixing delay is forwarded when the relay stops", async () => {
    const net = await startRelays([
      { role: "gateway", layer: 0 },
      { role: "mix", layer: 1 },
    ]);
    const client = await createObolNode({ listen: [] });
    try {
      const [a, b] = net.relays;
      const link = await openClientLink(client, a!.entry.multiaddr);
      link.send(
        buildPacket(
          [a!.entry, b!.entry],
          { action: "drop", delayMs: 0, slot: new Uint8Array(0) },
          new Uint8Array(0),
          9_000,
        ),
      );
      await waitFor(() => a!.relay.queued === 1);
      expect(b!.relay.stats.received).toBe(0);
      await a!.relay.stop();
      // stop() forwarded it (a stopped relay forwards nothing later), long before its 9 s delay.
      expect(a!.relay.stats.forwarded).toBe(1);
      expect(a!.relay.queued).toBe(0);
      await waitFor(() => b!.relay.stats.dropHops === 1);
      // Stopped: no more input is taken.
      await expect(openClientLink(client, a!.entry.multiaddr)).rejects.toThrow();
    } finally {
      await client.stop();
      await net.stop();
    }
  });
});
