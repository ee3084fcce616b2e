/**
 * A relay keeps forwarding after the connection to its next hop is cut
 * (peer restart, idle reset): the stale link is replaced, nothing is counted
 * as forward-failed and no packet is lost.
 */
import { describe, expect, it } from "vitest";
import { createObolNode } from "../../src/net/node.js";
import { buildPacket, openClientLink, startRelays, waitFor } from "./harness.js";

const drop = { action: "drop", delayMs: 0, slot: new Uint8Array(0) } as const;

describe("forwarding across a cut connection", () => {
  it("reopens the link to the next hop and forwards every packet", async () => {
    const net = await startRelays([
      { role: "gateway", layer: 0 },
      { role: "mix", layer: 1 },
      { role: "gateway", layer: 4 },
    ]);
    const client = await createObolNode({ listen: [] });
    try {
      const [a, b, c] = net.relays;
      const route = [a!.entry, b!.entry, c!.entry];
      const link = await openClientLink(client, a!.entry.multiaddr);
      link.send(buildPacket(route, drop));
      await waitFor(() => c!.relay.stats.dropHops === 1);

      // The next hop drops every connection from the forwarding relay.
      for (const conn of b!.node.getConnections(a!.node.peerId)) await conn.close();
      await waitFor(() => b!.node.getConnections(a!.node.peerId).length === 0);

      for (let i = 0; i < 5; i++) link.send(buildPacket(route, drop));
      await waitFor(() => c!.relay.stats.dropHops === 6, 10_000);
      expect(a!.relay.stats.forwarded).toBe(6);
      expect(a!.relay.stats.dropped["forward-failed"] ?? 0).toBe(0);
      link.stream.abort(new Error("done"));
    } finally {
      await client.stop();
      await net.stop();
    }
  });
});
