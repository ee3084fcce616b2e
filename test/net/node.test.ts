import { describe, expect, it, afterAll } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { multiaddr } from "@multiformats/multiaddr";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { createObolNode, loadOrCreatePeerKey, type ObolNode } from "../../src/net/node.js";

const nodes: ObolNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

describe("libp2p node", () => {
  it("persists its peer id in the data dir", async () => {
    const dir = mkdtempSync(join(tmpdir(), "obol-node-"));
    const a = await loadOrCreatePeerKey(dir);
    const b = await loadOrCreatePeerKey(dir);
    expect(b.equals(a)).toBe(true);
    const node = await createObolNode({ privateKey: a, listen: [] });
    nodes.push(node);
    expect(node.peerId.equals(peerIdFromPrivateKey(b))).toBe(true);
  });

  it("exchanges bytes both ways over TCP and WebSockets (pins the libp2p 3 stream API)", async () => {
    const server = await createObolNode();
    const client = await createObolNode({ listen: [] });
    nodes.push(server, client);
    await server.handle("/obol/test/1", async (stream) => {
      for await (const chunk of stream) {
        stream.send(chunk.subarray().map((b) => b ^ 0xff));
      }
      await stream.close();
    });
    for (const addr of server.getMultiaddrs()) {
      const stream = await client.dialProtocol(addr, "/obol/test/1", { signal: AbortSignal.timeout(5000) });
      stream.send(new Uint8Array([1, 2, 3]));
      await stream.close();
      const got: number[] = [];
      for await (const chunk of stream) got.push(...chunk.subarray());
      expect(got, String(addr)).toEqual([0xfe, 0xfd, 0xfc]);
    }
    expect(server.getMultiaddrs().some((a) => a.toString().includes("/ws"))).toBe(true);
    expect(multiaddr(server.getMultiaddrs()[0]!.toString()).toString()).toContain("/p2p/");
  });
});
