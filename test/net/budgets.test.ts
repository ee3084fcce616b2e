/**
 * Connection budgets (issue 18 finding 4) against real nodes on loopback.
 * The attacker binds 127.0.0.2 where it must look like another host than the
 * honest peers (Linux routes all of 127/8 to lo).
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { multiaddr } from "@multiformats/multiaddr";
import * as net from "../../src/net/node.js";
import { createObolNode, type ObolNode } from "../../src/net/node.js";

const nodes: ObolNode[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

async function node(options: Parameters<typeof createObolNode>[0] = {}): Promise<ObolNode> {
  const n = await createObolNode(options);
  nodes.push(n);
  return n;
}

function portOf(n: ObolNode, ws: boolean): number {
  const ma = n.getMultiaddrs().find((m) => m.toString().includes("/ws") === ws)!;
  return Number(ma.getComponents().find((c) => c.name === "tcp")!.value);
}

/** Opens `count` TCP sockets from 127.0.0.2 that never send a byte. */
async function silentSockets(port: number, count: number): Promise<Socket[]> {
  const opened = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" }, () => resolve(s));
          s.on("error", () => {}); // a reset by the node is the expected outcome
          s.once("error", reject);
        }),
    ),
  );
  sockets.push(...opened);
  return opened;
}

async function until(condition: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The dial fails, or the connection it made is closed by the server. */
async function refused(client: ObolNode, server: ObolNode): Promise<void> {
  try {
    const c = await client.dial(server.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(20_000) });
    await until(() => c.status !== "open");
  } catch {
    // refused during the upgrade
  }
  expect(server.getConnections().some((c) => c.remotePeer.equals(client.peerId))).toBe(false);
}

describe("connection budgets", () => {
  it("honest peers of one host are not limited by the pending cap once their handshakes are done", async () => {
    const server = await node();
    for (let round = 0; round < 2; round++) {
      const clients = await Promise.all(Array.from({ length: 12 }, () => node({ listen: [] })));
      const connections = await Promise.all(
        clients.map((c) => c.dial(server.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(30_000) })),
      );
      expect(connections.every((c) => c.status === "open")).toBe(true);
    }
  });

  it("silent TCP sockets from one host do not lock out another host's handshake", async () => {
    const server = await node();
    await silentSockets(portOf(server, false), 70); // more than the global pending cap (64)
    const client = await node({ listen: [] });
    const connection = await client.dial(
      multiaddr(server.getMultiaddrs().find((m) => !m.toString().includes("/ws"))!),
      {
        signal: AbortSignal.timeout(20_000),
      },
    );
    expect(connection.status).toBe("open");
  });

  it("WebSocket sockets that never complete the HTTP upgrade are closed", async () => {
    const server = await node();
    const silent = await silentSockets(portOf(server, true), 20);
    let closed = 0;
    for (const s of silent) s.once("close", () => closed++);
    await until(() => closed === silent.length, 60_000);
  });

  it("a connection without streams is reaped when idle", async () => {
    const server = await node({ limits: { idleMs: 300 } });
    const client = await node({ listen: [] });
    const connection = await client.dial(server.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(20_000) });
    expect(connection.status).toBe("open");
    await until(() => connection.status !== "open");
  });

  it("per-IP budget: a directory relay is admitted past it, other peers only in place of an idle connection", async () => {
    const server = await node({ limits: { connectionsPerIp: 1 } });
    await server.handle("/obol/test/1", async (stream) => {
      for await (const chunk of stream) void chunk;
    });
    const busy = await node({ listen: [] });
    const stream = await busy.dialProtocol(server.getMultiaddrs()[0]!, "/obol/test/1", {
      signal: AbortSignal.timeout(20_000),
    });
    expect(stream.status).toBe("open");
    // The budget of 127.0.0.1 is full with a connection that carries a stream: a new peer is refused…
    const other = await node({ listen: [] });
    await refused(other, server);
    // …but a relay of the directory is admitted.
    const relay = await node({ listen: [] });
    net.guardOf(server)!.allow([relay.peerId.toString()]);
    const admitted = await relay.dial(server.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(20_000) });
    expect(admitted.status).toBe("open");
    // Once the busy connection goes idle, a new peer takes its place.
    stream.abort(new Error("done"));
    await until(() => server.getConnections().find((c) => c.remotePeer.equals(busy.peerId))?.streams.length === 0);
    const third = await node({ listen: [] });
    const replaced = await third.dial(server.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(20_000) });
    expect(replaced.status).toBe("open");
    await until(() => busy.getConnections().length === 0);
  });
});
