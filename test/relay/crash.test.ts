import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { DirectoryEntry } from "../../src/chain/types.js";
import { createObolNode } from "../../src/net/node.js";
import { buildPacket, openClientLink, randomAddress, waitFor } from "./harness.js";

const fixture = new URL("./fixtures/relay-process.ts", import.meta.url).pathname;
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

type Line = { ready?: boolean; multiaddr?: string; mixKey?: string; msg?: string; reason?: string };

/** Spawns the relay process and collects its JSON log lines. */
async function spawnRelay(dataDir: string, address: string) {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, JSON.stringify({ dataDir, address })], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  children.push(child);
  const lines: Line[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      lines.push(JSON.parse(line) as Line);
    } catch {
      // not a log line
    }
  });
  await waitFor(() => lines.some((l) => l.ready), 30_000);
  return { child, lines, ready: lines.find((l) => l.ready)! };
}

describe("crash safety", () => {
  it("a relay killed with SIGKILL and restarted on the same data dir still rejects packets it saw before", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-crash-"));
    const address = randomAddress();
    const client = await createObolNode({ listen: [] });
    try {
      const first = await spawnRelay(dataDir, address);
      const entry: DirectoryEntry = {
        relay: address,
        role: "gateway",
        mixKey: Buffer.from(first.ready.mixKey!, "hex"),
        blsKey: new Uint8Array(0),
        multiaddr: first.ready.multiaddr!,
        stake: 1n,
        layer: 0,
      };
      const packet = buildPacket([entry], { action: "drop", delayMs: 0, slot: new Uint8Array(0) });
      const link = await openClientLink(client, first.ready.multiaddr!);
      link.send(packet);
      // The receipt is sent only after the durable commit: from here on the tag is on disk.
      await waitFor(() => link.received.some((f) => f.type === "receipt"), 10_000);
      first.child.kill("SIGKILL");
      await new Promise((r) => first.child.once("exit", r));
      expect(first.child.signalCode).toBe("SIGKILL");

      const second = await spawnRelay(dataDir, address);
      expect(second.ready.mixKey).toBe(first.ready.mixKey); // same persisted mix key
      const again = await openClientLink(client, second.ready.multiaddr!);
      again.send(packet);
      await waitFor(() => second.lines.some((l) => l.msg === "dropped" && l.reason === "replay"), 10_000);
      // A fresh packet is still accepted: the relay rejects replays, not everything.
      again.send(buildPacket([entry], { action: "drop", delayMs: 0, slot: new Uint8Array(0) }));
      await waitFor(() => again.received.filter((f) => f.type === "receipt").length === 1, 10_000);
      await new Promise((r) => setTimeout(r, 200));
      expect(again.received.filter((f) => f.type === "receipt")).toHaveLength(1); // none for the replay
      second.child.kill("SIGTERM");
      await new Promise((r) => second.child.once("exit", r));
      expect(second.child.exitCode).toBe(0);
    } finally {
      await client.stop();
    }
  });
});
