import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { unframeMessage } from "../../src/crypto/sphinx/body.js";
import { createObolNode, type ObolNode } from "../../src/net/node.js";
import { mailboxId, pullInbox } from "../../src/net/inbox.js";
import { multiaddr } from "@multiformats/multiaddr";
import { buildPacket, layout, openClientLink, randomAddress, startRelays, waitFor, type TestRelay } from "./harness.js";

let net: Awaited<ReturnType<typeof startRelays>>;
let client: ObolNode;
let gwIn: TestRelay, mix1: TestRelay, mix2: TestRelay, mix3: TestRelay, gwOut: TestRelay;

beforeAll(async () => {
  net = await startRelays([
    { role: "gateway", layer: 0 },
    { role: "mix", layer: 1 },
    { role: "mix", layer: 2 },
    { role: "mix", layer: 3 },
    { role: "gateway", layer: 4 },
  ]);
  [gwIn, mix1, mix2, mix3, gwOut] = net.relays as [TestRelay, TestRelay, TestRelay, TestRelay, TestRelay];
  client = await createObolNode({ listen: [] });
});
afterAll(async () => {
  await client?.stop();
  await net?.stop();
});

const route = () => [gwIn.entry, mix1.entry, mix2.entry, mix3.entry, gwOut.entry];

describe("relays on loopback", () => {
  it("carries a real Sphinx packet through 5 hops into the exit gateway's inbox, with receipts hop by hop", async () => {
    const pullKey = randomBytes(32);
    const message = new TextEncoder().encode("hello through five hops");
    const packet = buildPacket(
      route(),
      { action: "deliver", mailbox: mailboxId(pullKey), delayMs: 0, slot: new Uint8Array(0) },
      message,
      3,
    );
    const link = await openClientLink(client, gwIn.entry.multiaddr);
    link.send(packet);
    await waitFor(() => gwOut.relay.stats.delivered === 1);
    // Receipts: the client from the entry gateway, every relay from its next hop.
    await waitFor(() => link.received.some((f) => f.type === "receipt"));
    await waitFor(() => [gwIn, mix1, mix2, mix3].every((r) => r.relay.stats.receiptsReceived === 1));
    for (const r of [gwIn, mix1, mix2, mix3]) expect(r.relay.stats.forwarded).toBe(1);

    const pulled = await pullInbox(client, {
      gateway: multiaddr(gwOut.entry.multiaddr),
      pullKey,
      bodySize: layout.bodySize,
    });
    expect(pulled.remaining).toBe(0);
    expect(pulled.bodies).toHaveLength(1);
    expect(unframeMessage(pulled.bodies[0]!)).toEqual(message);
    // Pulled messages are gone.
    const again = await pullInbox(client, {
      gateway: multiaddr(gwOut.entry.multiaddr),
      pullKey,
      bodySize: layout.bodySize,
    });
    expect(again.bodies).toHaveLength(0);
    link.stream.abort(new Error("done"));
  });

  it("drops a replayed packet at the first hop with reason 'replay' and never forwards it", async () => {
    const packet = buildPacket(route(), { action: "drop", delayMs: 0, slot: new Uint8Array(0) });
    const link = await openClientLink(client, gwIn.entry.multiaddr);
    const before = { fwd: gwIn.relay.stats.forwarded, replay: gwIn.relay.stats.dropped.replay ?? 0 };
    link.send(packet);
    await waitFor(() => gwOut.relay.stats.dropHops >= 1);
    link.send(packet);
    await waitFor(() => (gwIn.relay.stats.dropped.replay ?? 0) === before.replay + 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(gwIn.relay.stats.forwarded).toBe(before.fwd + 1);
    link.stream.abort(new Error("done"));
  });

  it("drops tampered, low-order-point, over-delayed and unknown-next-hop packets with their reasons", async () => {
    const link = await openClientLink(client, gwIn.entry.multiaddr);
    const drop = { action: "drop" as const, delayMs: 0, slot: new Uint8Array(0) };
    const tampered = buildPacket(route(), drop);
    tampered[40]! ^= 1; // inside the routing info: header MAC fails
    const lowOrder = buildPacket(route(), drop);
    lowOrder.fill(0, 1, 33); // E = 0, a low-order point
    const slow = buildPacket(route(), drop, new Uint8Array(0), 10_001);
    const stranger = buildPacket([gwIn.entry, { ...mix1.entry, relay: randomAddress() }], drop);
    const fwdBefore = gwIn.relay.stats.forwarded;
    for (const p of [tampered, lowOrder, slow, stranger]) link.send(p);
    const d = gwIn.relay.stats.dropped;
    await waitFor(
      () => d["bad-hmac"] === 1 && d["bad-point"] === 1 && d["delay-too-large"] === 1 && d["unknown-next-hop"] === 1,
    );
    expect(gwIn.relay.stats.forwarded).toBe(fwdBefore);
    link.stream.abort(new Error("done"));
  });

  it("resets a peer that sends garbage frames and counts the reason; keeps serving others", async () => {
    const link = await openClientLink(client, mix1.entry.multiaddr);
    const before = mix1.relay.stats.dropped["frame-version"] ?? 0;
    link.stream.send(randomBytes(layout.packetSize + 2).fill(7, 0, 1));
    await waitFor(() => (mix1.relay.stats.dropped["frame-version"] ?? 0) === before + 1);
    await waitFor(() => link.stream.status !== "open");
    const bad = await openClientLink(client, mix1.entry.multiaddr);
    bad.stream.send(Uint8Array.of(1, 9, 0, 0));
    await waitFor(() => (mix1.relay.stats.dropped["frame-type"] ?? 0) === 1);
    // Still healthy: a good packet from layer 1 onward is delivered.
    const pullKey = randomBytes(32);
    const good = await openClientLink(client, mix1.entry.multiaddr);
    const delivered = gwOut.relay.stats.delivered;
    good.send(
      buildPacket([mix1.entry, mix2.entry, mix3.entry, gwOut.entry], {
        action: "deliver",
        mailbox: mailboxId(pullKey),
        delayMs: 0,
        slot: new Uint8Array(0),
      }),
    );
    await waitFor(() => gwOut.relay.stats.delivered === delivered + 1);
    good.stream.abort(new Error("done"));
  });

  it("answers every inbox pull with the same number of bytes whether 0 or N messages wait", async () => {
    const measure = async (pullKey: Uint8Array) => {
      const stream = await client.dialProtocol(multiaddr(gwOut.entry.multiaddr), "/obol/inbox/1");
      stream.send(Uint8Array.of(1, 3, ...pullKey));
      await stream.close();
      let bytes = 0;
      for await (const chunk of stream) bytes += chunk.byteLength;
      return bytes;
    };
    const empty = randomBytes(32);
    const full = randomBytes(32);
    const link = await openClientLink(client, mix3.entry.multiaddr);
    for (let i = 0; i < 3; i++)
      link.send(
        buildPacket([mix3.entry, gwOut.entry], {
          action: "deliver",
          mailbox: mailboxId(full),
          delayMs: 0,
          slot: new Uint8Array(0),
        }),
      );
    const delivered = gwOut.relay.stats.delivered;
    await waitFor(() => gwOut.relay.stats.delivered === delivered + 3 || gwOut.relay.stats.delivered >= delivered + 3);
    const expected = 8 * (2 + 5 + layout.bodySize);
    expect(await measure(empty)).toBe(expected);
    expect(await measure(full)).toBe(expected);
    const after = await pullInbox(client, {
      gateway: multiaddr(gwOut.entry.multiaddr),
      pullKey: full,
      bodySize: layout.bodySize,
    });
    expect(after.bodies).toHaveLength(0); // the measured pull already took the three
    link.stream.abort(new Error("done"));
  });
});

describe("random packets over the wire", () => {
  it("500 well-framed random packets: every one dropped with a reason, none forwarded, relay still healthy", async () => {
    const link = await openClientLink(client, mix2.entry.multiaddr);
    const stats = mix2.relay.stats;
    const droppedBefore = Object.values(stats.dropped).reduce((a, b) => a + (b ?? 0), 0);
    const forwardedBefore = stats.forwarded;
    for (let i = 0; i < 500; i++) link.send(randomBytes(layout.packetSize));
    const dropped = () => Object.values(stats.dropped).reduce((a, b) => a + (b ?? 0), 0) - droppedBefore;
    await waitFor(() => dropped() === 500, 20_000);
    expect(stats.forwarded).toBe(forwardedBefore);
    expect(link.received).toHaveLength(0); // no receipt for any of them
    const pullKey = randomBytes(32);
    const delivered = gwOut.relay.stats.delivered;
    link.send(
      buildPacket([mix2.entry, mix3.entry, gwOut.entry], {
        action: "deliver",
        mailbox: mailboxId(pullKey),
        delayMs: 0,
        slot: new Uint8Array(0),
      }),
    );
    await waitFor(() => gwOut.relay.stats.delivered === delivered + 1);
    link.stream.abort(new Error("done"));
  });
});

describe("inbox protocol abuse", () => {
  it("counts garbage and truncated pulls by reason and keeps serving", async () => {
    const d = gwOut.relay.stats.dropped;
    const before = { version: d["frame-version"] ?? 0, truncated: d["frame-truncated"] ?? 0 };
    const garbage = await client.dialProtocol(multiaddr(gwOut.entry.multiaddr), "/obol/inbox/1");
    garbage.send(Uint8Array.of(9, 3, ...randomBytes(32)));
    await waitFor(() => (d["frame-version"] ?? 0) === before.version + 1);
    const short = await client.dialProtocol(multiaddr(gwOut.entry.multiaddr), "/obol/inbox/1");
    short.send(Uint8Array.of(1, 3, 1, 2, 3));
    await short.close();
    await waitFor(() => (d["frame-truncated"] ?? 0) === before.truncated + 1);
    const fine = await pullInbox(client, {
      gateway: multiaddr(gwOut.entry.multiaddr),
      pullKey: randomBytes(32),
      bodySize: layout.bodySize,
    });
    expect(fine.bodies).toHaveLength(0);
  });
});

describe("link reuse", () => {
  it("one connection and one outbound mix stream per next hop, however many packets", async () => {
    const conns = gwIn.node.getConnections(mix1.node.peerId);
    expect(conns).toHaveLength(1);
    const streams = conns[0]!.streams.filter((s) => s.protocol === "/obol/mix/1" && s.direction === "outbound");
    expect(streams).toHaveLength(1);
    expect(gwIn.relay.stats.forwarded).toBeGreaterThanOrEqual(2);
  });
});
