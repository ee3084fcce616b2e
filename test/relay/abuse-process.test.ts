/**
 * A real relay process (TCP + WebSockets) under a socket flood from another
 * host (127.0.0.2): its open fds and memory stay bounded and an honest peer
 * still connects and is served (issue 18 finding 4). Bounds, not speeds.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { multiaddr } from "@multiformats/multiaddr";
import { createObolNode } from "../../src/net/node.js";
import { openFds, rssMiB, spawnFixture, stopFixture } from "../net/processes.js";
import { openClientLink, randomAddress, waitFor } from "./harness.js";

const fixture = new URL("./fixtures/abuse-relay.ts", import.meta.url).pathname;

describe("relay process under a socket flood", () => {
  it("600 silent TCP and WebSocket sockets from one host: fds and RSS bounded, honest peer served", async () => {
    const dir = mkdtempSync(join(tmpdir(), "obol-abuse-"));
    const directoryFile = join(dir, "directory.json");
    writeFileSync(directoryFile, JSON.stringify({ entries: [] }));
    const relay = await spawnFixture<{ ready: true; multiaddrs: string[] }>(fixture, [
      JSON.stringify({
        dataDir: join(dir, "a"),
        address: randomAddress(),
        directoryFile,
        logFile: join(dir, "relay.log"),
      }),
    ]);
    const sockets: Socket[] = [];
    const client = await createObolNode({ listen: [] });
    try {
      const pid = relay.child.pid!;
      const baseFds = openFds(pid);
      const baseRss = rssMiB(pid);
      let fds = baseFds;
      let rss = baseRss;
      for (const address of relay.ready.multiaddrs) {
        const port = Number(
          multiaddr(address)
            .getComponents()
            .find((c) => c.name === "tcp")!.value,
        );
        for (let i = 0; i < 300; i++) {
          const s = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" });
          s.on("error", () => {});
          sockets.push(s);
          if (i % 25 === 24) {
            await new Promise((r) => setTimeout(r, 20));
            fds = Math.max(fds, openFds(pid));
            rss = Math.max(rss, rssMiB(pid));
          }
        }
      }
      // While the flood holds its sockets, a new honest peer connects and gets a receipt-bearing link.
      const link = await openClientLink(client, relay.ready.multiaddrs.find((m) => !m.includes("/ws"))!);
      expect(link.stream.status).toBe("open");
      fds = Math.max(fds, openFds(pid));
      rss = Math.max(rss, rssMiB(pid));
      // Before: every silent socket held an fd (≥ 600 more). Now: 8 pending per IP per listener, plus slack.
      expect(fds - baseFds).toBeLessThan(100);
      expect(rss - baseRss).toBeLessThan(128);
      await waitFor(() => openFds(pid) - baseFds < 100, 30_000);
    } finally {
      for (const s of sockets) s.destroy();
      await client.stop();
      await stopFixture(relay.child);
    }
  });
});
