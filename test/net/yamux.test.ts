import { afterAll, describe, expect, it } from "vitest";
import { multiaddr } from "@multiformats/multiaddr";
import { createAttacker, writeRaw, yamuxHeader, type Attacker } from "./attacker.js";
import { rssMiB, spawnFixture, stopFixture } from "./processes.js";

const fixture = new URL("./fixtures/node-process.ts", import.meta.url).pathname;
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

/** Megabytes the attacker streams after the oversized header. */
const ATTACK_MIB = 96;

describe("yamux frame bound (issue 18 finding 1)", () => {
  it.each(["tcp", "ws"])(
    "%s: closes a connection that declares a 4 GiB data frame after the Noise handshake; memory stays bounded",
    async (transport) => {
      const server = await spawnFixture<{ ready: true; multiaddrs: string[] }>(fixture);
      cleanup.push(() => stopFixture(server.child));
      const pid = server.child.pid!;
      const attacker: Attacker = await createAttacker();
      cleanup.push(async () => {
        await attacker.node.stop();
      });

      const address = server.ready.multiaddrs.find((a) => a.includes("/ws") === (transport === "ws"))!;
      const connection = await attacker.node.dial(multiaddr(address), { signal: AbortSignal.timeout(20_000) });
      expect(connection.status).toBe("open"); // Noise handshake and yamux negotiation done
      const wire = attacker.wires.at(-1)!;
      const baseline = rssMiB(pid);

      // Data frame, SYN on a fresh client stream, length 2^32 - 1, then the "body".
      let open = await writeRaw(wire, yamuxHeader(0, 1, 1, 0xffff_ffff));
      const chunk = new Uint8Array(256 * 1024).fill(7);
      let peak = baseline;
      for (let sent = 0; open && sent < ATTACK_MIB * 4; sent++) {
        open = await writeRaw(wire, chunk);
        if (sent % 16 === 0) peak = Math.max(peak, rssMiB(pid));
      }
      // The node closes the connection: the attacker sees it go away.
      const deadline = Date.now() + 30_000;
      while (connection.status === "open" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      peak = Math.max(peak, rssMiB(pid));
      expect(connection.status).not.toBe("open");
      // Before the fix the node buffered every byte sent (≥ ATTACK_MIB MiB); now it stops at the header.
      expect(peak - baseline).toBeLessThan(ATTACK_MIB / 2);

      // And it still serves an honest connection afterwards.
      const honest = await createAttacker();
      cleanup.push(async () => {
        await honest.node.stop();
      });
      const stream = await honest.node.dialProtocol(multiaddr(address), "/obol/test/1", {
        signal: AbortSignal.timeout(20_000),
      });
      expect(stream.status).toBe("open");
      await stream.close();
    },
  );
});
