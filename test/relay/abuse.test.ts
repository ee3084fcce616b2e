/**
 * Hostile peers against real relays on loopback (issue 18). Each test is an
 * attack that succeeded on 148d789; assertions are bounds that do not depend
 * on machine speed (counts, caps), with generous deadlines for liveness.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Stream } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { DirectoryEntry } from "../../src/chain/types.js";
import { x25519Group } from "../../src/crypto/sphinx/group.js";
import { MIX_PROTOCOL } from "../../src/net/constants.js";
import { encodeFrame } from "../../src/net/frame.js";
import { createObolNode } from "../../src/net/node.js";
import { scheme as free } from "../../src/schemes/free/scheme.js";
import { buildPacket, layout, openClientLink, randomAddress, startRelays, waitFor } from "./harness.js";

const drop = { action: "drop", delayMs: 0, slot: new Uint8Array(0) } as const;
const frameSize = layout.packetSize + 2;

describe("mixing queue fair share and receipts (finding 5)", () => {
  it("one sender cannot fill the queue; receipts and credit only for packets actually queued", async () => {
    let credited = 0;
    const net = await startRelays(
      [
        { role: "gateway", layer: 0 },
        { role: "mix", layer: 1 },
      ],
      {
        queueCapacity: 200,
        maxDelayMs: 60_000,
        relayScheme: (deps) => {
          const inner = free.relay(deps);
          const onPacket = inner.onPacket.bind(inner);
          inner.onPacket = async (input) => {
            credited++;
            return onPacket(input);
          };
          return inner;
        },
      },
    );
    const attackerNode = await createObolNode({ listen: [] });
    const honestNode = await createObolNode({ listen: [] });
    try {
      const [a, b] = net.relays;
      const route = [a!.entry, b!.entry];
      const attacker = await openClientLink(attackerNode, a!.entry.multiaddr);
      const sent = 600;
      for (let i = 0; i < sent; i++) attacker.send(buildPacket(route, drop, new Uint8Array(0), 50_000));
      await waitFor(() => a!.relay.stats.received >= sent, 60_000);
      await waitFor(
        () => a!.relay.stats.accepted + Object.values(a!.relay.stats.dropped).reduce((x, y) => x + y, 0) >= sent,
        60_000,
      );
      const credit = credited; // onPacket calls of both relays; b saw nothing yet (delays are 50 s)
      expect(b!.relay.stats.received).toBe(0);
      // Every receipt and every credit is for a packet that waits in the queue.
      await waitFor(() => attacker.received.length >= a!.relay.queued, 30_000);
      expect(attacker.received.length).toBe(a!.relay.queued);
      expect(credit).toBe(a!.relay.queued);
      expect(a!.relay.queued).toBeLessThan(200);

      // An honest sender still gets its packets in.
      const honest = await openClientLink(honestNode, a!.entry.multiaddr);
      for (let i = 0; i < 20; i++) honest.send(buildPacket(route, drop, new Uint8Array(0), 50_000));
      await waitFor(() => honest.received.length === 20, 30_000);
      expect(credited).toBe(a!.relay.queued);
    } finally {
      await attackerNode.stop();
      await honestNode.stop();
      await net.stop();
    }
  });
});

describe("a next hop that never reads (findings 2, 3)", () => {
  it("stalls only its own traffic; packets count as forwarded only once written", async () => {
    // D accepts the mix link and never reads: it pauses the stream, so yamux grants no more window.
    const dead = await createObolNode({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    await dead.handle(MIX_PROTOCOL, (stream: Stream) => stream.pause());
    const deadEntry: DirectoryEntry = {
      relay: randomAddress(),
      role: "mix",
      mixKey: x25519Group.publicKey(x25519Group.randomSecretKey()),
      blsKey: new Uint8Array(0),
      multiaddr: dead.getMultiaddrs()[0]!.toString(),
      stake: 1n,
      layer: 1,
    };
    const net = await startRelays(
      [
        { role: "gateway", layer: 0 },
        { role: "mix", layer: 1 },
      ],
      { extraEntries: [deadEntry] },
    );
    const client = await createObolNode({ listen: [] });
    try {
      const [a, b] = net.relays;
      const link = await openClientLink(client, a!.entry.multiaddr);
      // More forwards to D than the old shared in-flight limit (2,048).
      const toDead = 2_300;
      for (let i = 0; i < toDead; i++) {
        link.send(buildPacket([a!.entry, deadEntry], drop));
        if (i % 100 === 99) await waitFor(() => a!.relay.stats.received > i - 100, 60_000);
      }
      await waitFor(() => a!.relay.stats.received >= toDead, 60_000);
      // Honest packets to B, a healthy next hop, all get through.
      for (let i = 0; i < 20; i++) link.send(buildPacket([a!.entry, b!.entry], drop));
      await waitFor(() => b!.relay.stats.dropHops === 20, 30_000);
      // Written to D is bounded by the yamux window D granted (256 KiB per stream, two streams
      // with the retry); before the fix every packet queued was counted forwarded.
      const toD = a!.relay.stats.forwarded - 20;
      expect(toD).toBeLessThanOrEqual(2 * Math.ceil((256 * 1024) / frameSize) + 2);
    } finally {
      await client.stop();
      await net.stop();
      await dead.stop();
    }
  });
});

describe("stream limits (finding 6)", () => {
  it("a frame dripped one byte at a time is cut at the frame deadline; streams per peer are capped", async () => {
    const net = await startRelays([{ role: "gateway", layer: 0 }]);
    const attacker = await createObolNode({ listen: [] });
    try {
      const [a] = net.relays;
      const target = multiaddr(a!.entry.multiaddr);
      const streams: Stream[] = [];
      for (let i = 0; i < 8; i++)
        streams.push(await attacker.dialProtocol(target, MIX_PROTOCOL, { signal: AbortSignal.timeout(10_000) }));
      // Streams beyond the per-peer cap are reset by the relay.
      await waitFor(() => (a!.relay.stats.dropped["stream-limit"] ?? 0) >= 4, 20_000);
      await waitFor(() => streams.filter((s) => s.status === "open").length <= 4, 20_000);
    } finally {
      await attacker.stop();
      await net.stop();
    }
  });

  it("drip: a partial frame does not hold the stream past the deadline", async () => {
    const net = await startRelays([{ role: "gateway", layer: 0 }]);
    const attacker = await createObolNode({ listen: [] });
    try {
      const [a] = net.relays;
      const stream = await attacker.dialProtocol(multiaddr(a!.entry.multiaddr), MIX_PROTOCOL, {
        signal: AbortSignal.timeout(10_000),
      });
      const frame = encodeFrame(
        { type: "packet", packet: new Uint8Array(layout.packetSize), attachment: new Uint8Array(0) },
        layout,
      );
      // One byte every 200 ms would take ~9 minutes for a whole frame; every byte resets the idle timeout.
      for (let i = 0; stream.status === "open" && i < 150; i++) {
        stream.send(frame.subarray(i, i + 1));
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(stream.status).not.toBe("open");
      expect(a!.relay.stats.dropped["frame-slow"]).toBe(1);
    } finally {
      await attacker.stop();
      await net.stop();
    }
  });
});

describe("drop logging (finding 7)", () => {
  it("junk from one connection writes a bounded number of log bytes", async () => {
    let bytes = 0;
    let lines = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        lines += chunk.toString().split("\n").length - 1;
        done();
      },
    });
    const net = await startRelays([{ role: "gateway", layer: 0 }], { log: () => pino({ level: "info" }, sink) });
    const client = await createObolNode({ listen: [] });
    try {
      const [a] = net.relays;
      const link = await openClientLink(client, a!.entry.multiaddr);
      const junk = 500; // below the refusal budget (512), so the connection stays up
      const dropped = () => Object.values(a!.relay.stats.dropped).reduce((x, y) => x + y, 0);
      for (let i = 0; i < junk; i++) {
        link.send(new Uint8Array(layout.packetSize).fill(i & 0xff));
        if (i % 100 === 99) await waitFor(() => dropped() > i - 100, 60_000);
      }
      await waitFor(() => dropped() >= junk, 60_000);
      // Every drop is counted, but at most 20 lines per 10 s window are written one by one.
      expect(lines).toBeLessThan(60);
      expect(bytes).toBeLessThan(30_000);
    } finally {
      await client.stop();
      await net.stop();
    }
  });
});

describe("refusal budget (finding 8)", () => {
  it("a peer that keeps sending junk is disconnected and refused for a while; others are served", async () => {
    const net = await startRelays([
      { role: "gateway", layer: 0 },
      { role: "mix", layer: 1 },
    ]);
    const attacker = await createObolNode({ listen: [] });
    const honest = await createObolNode({ listen: [] });
    try {
      const [a, b] = net.relays;
      const link = await openClientLink(attacker, a!.entry.multiaddr);
      const dropped = () => Object.values(a!.relay.stats.dropped).reduce((x, y) => x + y, 0);
      for (let i = 0; i < 700 && link.stream.status === "open"; i++) {
        try {
          link.send(new Uint8Array(layout.packetSize).fill(i & 0xff));
        } catch {
          break; // the relay closed the stream
        }
        if (i % 50 === 49) await waitFor(() => dropped() > i - 50 || link.stream.status !== "open", 60_000);
      }
      await waitFor(() => a!.relay.stats.dropped["peer-banned"] === 1, 60_000);
      await waitFor(() => attacker.getConnections().length === 0, 30_000);
      // While banned, a new connection from the same peer id is refused.
      await expect(openClientLink(attacker, a!.entry.multiaddr)).rejects.toThrow();
      // An honest sender is still served.
      const ok = await openClientLink(honest, a!.entry.multiaddr);
      ok.send(buildPacket([a!.entry, b!.entry], drop));
      await waitFor(() => b!.relay.stats.dropHops === 1, 30_000);
    } finally {
      await attacker.stop();
      await honest.stop();
      await net.stop();
    }
  });
});
