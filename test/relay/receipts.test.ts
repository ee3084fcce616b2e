/**
 * Receipts reach the scheme of the hop that forwarded the packet, named by
 * the same packetRef that hop's scheme saw in onPacket.
 */
import { describe, expect, it } from "vitest";
import { createObolNode } from "../../src/net/node.js";
import type { IncomingPacket, PacketVerdict, RelayScheme } from "../../src/schemes/scheme.js";
import { buildPacket, openClientLink, startRelays, waitFor } from "./harness.js";

/** Pays nothing, like `free`, and remembers the refs it sees. */
class RecordingScheme implements RelayScheme {
  readonly accepted: string[] = [];
  readonly receipted: { ref: string; fromPeer: string }[] = [];
  async start() {}
  async stop() {}
  async onPacket(p: IncomingPacket): Promise<PacketVerdict> {
    this.accepted.push(Buffer.from(p.packetRef).toString("hex"));
    return { accept: true, attachment: new Uint8Array(0) };
  }
  receipt() {
    return new Uint8Array(0);
  }
  async onReceipt(p: { packetRef: Uint8Array; receipt: Uint8Array; fromPeer: string }) {
    this.receipted.push({ ref: Buffer.from(p.packetRef).toString("hex"), fromPeer: p.fromPeer });
  }
  async onEpoch() {}
}

describe("receipts", () => {
  it("onReceipt gets the packetRef onPacket saw, from the next hop's peer", async () => {
    const schemes: RecordingScheme[] = [];
    const net = await startRelays(
      [
        { role: "gateway", layer: 0 },
        { role: "mix", layer: 1 },
        { role: "gateway", layer: 4 },
      ],
      {
        relayScheme: () => {
          const s = new RecordingScheme();
          schemes.push(s);
          return s;
        },
      },
    );
    const client = await createObolNode({ listen: [] });
    try {
      const [a, b, c] = net.relays;
      const link = await openClientLink(client, a!.entry.multiaddr);
      for (let i = 0; i < 3; i++)
        link.send(buildPacket([a!.entry, b!.entry, c!.entry], { action: "drop", delayMs: 0, slot: new Uint8Array(0) }));
      await waitFor(() => schemes[0]!.receipted.length === 3 && schemes[1]!.receipted.length === 3);
      for (const [i, next] of [
        [0, b!],
        [1, c!],
      ] as const) {
        expect(schemes[i]!.receipted.map((r) => r.ref).sort()).toEqual([...schemes[i]!.accepted].sort());
        expect(new Set(schemes[i]!.receipted.map((r) => r.fromPeer))).toEqual(new Set([next.node.peerId.toString()]));
      }
      expect(schemes[2]!.receipted).toHaveLength(0); // the last hop forwards nothing
      link.stream.abort(new Error("done"));
    } finally {
      await client.stop();
      await net.stop();
    }
  });
});
