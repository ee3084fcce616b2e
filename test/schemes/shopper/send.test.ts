/**
 * Issue 11, finding 1: an auditor's loops enter like a client's packets. The
 * gateway (a real libp2p node on loopback) must see them on one long-lived
 * link from a peer that is not the auditing relay, as a client's link looks,
 * not on a fresh stream per packet.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Libp2p } from "@libp2p/interface";
import { createObolNode } from "../../../src/net/node.js";
import { MIX_PROTOCOL } from "../../../src/net/constants.js";
import { LinkPool } from "../../../src/net/links.js";
import { obolNetwork } from "../../../src/client/packet.js";
import { silentLogger } from "../../../src/log.js";
import { mixSender } from "../../../src/schemes/shopper/send.js";
import { scheme } from "../../../src/schemes/shopper/scheme.js";
import { createWorld } from "./fixture.js";
import { chainOf } from "./traffic.js";

const nodes: Libp2p[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

describe("finding 1: loops enter over a client-like link", () => {
  it("reuses one link to the gateway for every loop, from the auditor's own peer id", async () => {
    const w = await createWorld();
    await w.gotoEpoch(1n);
    const gateway = w.relays[0]!;
    const auditing = w.relays[3]!;
    const layout = obolNetwork(scheme).layout;
    const gw = await createObolNode({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    nodes.push(gw);
    const frames: string[] = [];
    let streams = 0;
    const pool = new LinkPool({
      libp2p: gw,
      layout,
      log: silentLogger(),
      onFrame: (f, link) => void frames.push(`${f.type}:${link.peer}`),
      onBadInput: () => {},
    });
    await gw.handle(MIX_PROTOCOL, (stream, connection) => {
      streams++;
      pool.accept(stream, connection);
    });
    await w.registry.write.updateMultiaddr([gw.getMultiaddrs()[0]!.toString()], { account: gateway.wallet.account });
    const auditorNode = await createObolNode({ listen: [] });
    nodes.push(auditorNode);
    const sender = mixSender({ chain: chainOf(w, auditing), libp2p: auditorNode, layout, log: silentLogger() });
    const n = 5;
    for (let j = 0; j < n; j++) {
      const loop = await w.loop(auditing, 1n, j);
      await sender.send(loop.packet, { ...loop.route[0]!, relay: gateway.address });
    }
    const deadline = Date.now() + 60_000;
    while (frames.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(frames).toHaveLength(n);
    expect(new Set(frames)).toEqual(new Set([`packet:${auditorNode.peerId.toString()}`]));
    expect(streams).toBe(1);
    await sender.close();
    await pool.close();
  }, 120_000);
});
