/**
 * A relay files packets under the epoch as soon as its epoch source says the epoch turned, even while
 * the directory read of the new epoch is still under way (on a chain: opening the epoch, a transaction
 * and its receipt, then the directory's reads, seconds under load). `relayEpochLagMs` promises the
 * auditors that bound; a relay that waited for the directory filed audit loops sent after their guard
 * under the previous epoch, so an honest hop could not prove them (issue 11).
 */
import { describe, expect, it } from "vitest";
import type { DirectorySnapshot } from "../../src/chain/types.js";
import { createObolNode } from "../../src/net/node.js";
import type { IncomingPacket, PacketVerdict, RelayScheme } from "../../src/schemes/scheme.js";
import { buildPacket, openClientLink, startRelays, waitFor } from "./harness.js";

/** Pays nothing, like `free`, and remembers the epoch each packet was filed under and the epochs it was told of. */
class EpochRecorder implements RelayScheme {
  readonly filed: bigint[] = [];
  readonly told: bigint[] = [];
  async start() {}
  async stop() {}
  async onPacket(p: IncomingPacket): Promise<PacketVerdict> {
    this.filed.push(p.epoch);
    return { accept: true, attachment: new Uint8Array(0) };
  }
  receipt() {
    return new Uint8Array(0);
  }
  async onReceipt() {}
  async onEpoch(epoch: bigint) {
    this.told.push(epoch);
  }
}

describe("relay at an epoch turn", () => {
  it("files packets under the new epoch while the new epoch's directory read is still pending", async () => {
    let epoch = 1n;
    let epochReads = 0;
    // The directory of epoch 2 arrives only when released (the chain sources' openEpoch and directory reads).
    let release: (() => void) | null = null;
    const held = new Promise<void>((resolve) => (release = resolve));
    const scheme = new EpochRecorder();
    const net = await startRelays([{ role: "mix", layer: 1 }], {
      relayScheme: () => scheme,
      epoch: () => {
        epochReads++;
        return epoch;
      },
      directory: async (snapshot: DirectorySnapshot) => {
        if (epoch === 1n) return snapshot;
        await held;
        return { ...snapshot, epoch };
      },
    });
    const client = await createObolNode({ listen: [] });
    try {
      const [mix] = net.relays;
      epoch = 2n;
      const readsAtTurn = epochReads;
      // A refresh after the turn has read the epoch (its directory read stays pending).
      await waitFor(() => epochReads > readsAtTurn + 1);
      const link = await openClientLink(client, mix!.entry.multiaddr);
      link.send(buildPacket([mix!.entry], { action: "drop", delayMs: 0, slot: new Uint8Array(0) }));
      await waitFor(() => scheme.filed.length === 1);
      expect(scheme.filed).toEqual([2n]);
      // The scheme hears of the epoch once its directory is read, as before.
      expect(scheme.told).toEqual([1n]);
      release!();
      await waitFor(() => scheme.told.length === 2);
      expect(scheme.told).toEqual([1n, 2n]);
      link.stream.abort(new Error("done"));
    } finally {
      release!();
      await client.stop();
      await net.stop();
    }
  });
});
