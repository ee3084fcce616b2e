/**
 * Abuse bench (issue 18): one real relay process A (free scheme, TCP +
 * WebSockets on loopback), an honest client sending 20 packets/s through A
 * to a sink B, and one attack at a time for a bounded time. Per attack:
 * `abuse.<attack>.honest_delivered_ratio`, `.honest_p95_ms`, `.rss_peak_mib`,
 * `.fds_peak`, `.log_bytes` of A; `baseline` is the same without attack.
 * `npm run bench -- --only abuse [--quick]`.
 */
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stream } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { DirectoryEntry } from "../src/chain/types.js";
import { x25519Group } from "../src/crypto/sphinx/group.js";
import { peelPacket } from "../src/crypto/sphinx/packet.js";
import { MIX_PROTOCOL } from "../src/net/constants.js";
import { encodeFrame, FrameReader } from "../src/net/frame.js";
import { createObolNode, type ObolNode } from "../src/net/node.js";
import { buildPacket, layout, openClientLink, params, randomAddress } from "../test/relay/harness.js";
import { createAttacker, writeRaw, yamuxHeader } from "../test/net/attacker.js";
import { openFds, rssMiB, spawnFixture, stopFixture } from "../test/net/processes.js";
import type { BenchOptions, Metric } from "./metric.js";
import { sleep } from "../src/sleep.js";

const fixture = new URL("../test/relay/fixtures/abuse-relay.ts", import.meta.url).pathname;
const HONEST_PER_S = 20;
const GRACE_MS = 5_000;
const drop = { action: "drop", delayMs: 0, slot: new Uint8Array(0) } as const;

function entryOf(node: ObolNode, secretKey: Uint8Array): DirectoryEntry {
  return {
    relay: randomAddress(),
    role: "mix",
    mixKey: x25519Group.publicKey(secretKey),
    blsKey: new Uint8Array(0),
    multiaddr: node.getMultiaddrs()[0]!.toString(),
    stake: 1n,
    layer: 1,
  };
}

/** B: peels what A forwards and records when each honest sequence number arrived. */
async function startSink(arrivals: Map<number, number>) {
  const node = await createObolNode({ listen: ["/ip4/127.0.0.1/tcp/0"] });
  const secretKey = x25519Group.randomSecretKey();
  await node.handle(
    MIX_PROTOCOL,
    async (stream: Stream) => {
      const reader = new FrameReader(layout, ["packet", "receipt"]);
      try {
        for await (const chunk of stream)
          for (const frame of reader.push(chunk)) {
            if (frame.type !== "packet") continue;
            const { message } = peelPacket({ group: x25519Group, params, secretKey, packet: frame.packet });
            if (message?.length === 5 && message[0] === 1)
              arrivals.set(Buffer.from(message).readUInt32BE(1), performance.now());
          }
      } catch {
        // A closed the link
      }
    },
    { maxInboundStreams: 64 },
  );
  return { node, entry: entryOf(node, secretKey) };
}

type Context = { a: DirectoryEntry; aTcp: string; aWs: string; b: DirectoryEntry; dead: DirectoryEntry };
type Attack = (ctx: Context, signal: AbortSignal) => Promise<void>;

async function until(signal: AbortSignal, step: () => Promise<void>): Promise<void> {
  while (!signal.aborted) await step().catch(() => sleep(50));
}

const attacks: Record<string, Attack> = {
  baseline: async (_ctx, signal) => until(signal, () => sleep(100)),
  // Finding 1: a data frame header of 4 GiB after Noise, then bytes as fast as they go.
  yamux_frame: async (ctx, signal) =>
    until(signal, async () => {
      const attacker = await createAttacker();
      try {
        await attacker.node.dial(multiaddr(ctx.aTcp), { signal: AbortSignal.timeout(5_000) });
        const wire = attacker.wires.at(-1)!;
        const chunk = new Uint8Array(256 * 1024);
        let open = await writeRaw(wire, yamuxHeader(0, 1, 1, 0xffff_ffff));
        while (open && !signal.aborted) open = await writeRaw(wire, chunk);
      } finally {
        await attacker.node.stop();
      }
    }),
  // Findings 2, 3: a registered next hop that accepts the link and never reads.
  slow_next_hop: async (ctx, signal) => {
    const node = await createObolNode({ listen: [] });
    try {
      const link = await openClientLink(node, ctx.aTcp);
      await until(signal, async () => {
        for (let i = 0; i < 20; i++) link.send(buildPacket([ctx.a, ctx.dead], drop));
        await sleep(10);
      });
    } finally {
      await node.stop();
    }
  },
  // Finding 4: silent TCP and WebSocket sockets from another host, and idle libp2p connections.
  connection_flood: async (ctx, signal) => {
    const sockets: Socket[] = [];
    const idle: ObolNode[] = [];
    const port = (ma: string) =>
      Number(
        multiaddr(ma)
          .getComponents()
          .find((c) => c.name === "tcp")!.value,
      );
    try {
      await until(signal, async () => {
        for (const target of [port(ctx.aTcp), port(ctx.aWs)])
          for (let i = 0; i < 20; i++) {
            const s = connect({ host: "127.0.0.1", port: target, localAddress: "127.0.0.2" });
            s.on("error", () => {});
            sockets.push(s);
          }
        if (idle.length < 60) {
          const n = await createObolNode({ listen: [] });
          idle.push(n);
          await n.dial(multiaddr(ctx.aTcp), { signal: AbortSignal.timeout(5_000) }).catch(() => {});
        }
        await sleep(200);
      });
    } finally {
      for (const s of sockets) s.destroy();
      await Promise.all(idle.map((n) => n.stop()));
    }
  },
  // Finding 5: one sender fills the mixing queue with packets that wait 55 s.
  queue_fill: async (ctx, signal) => {
    const node = await createObolNode({ listen: [] });
    try {
      const link = await openClientLink(node, ctx.aTcp);
      await until(signal, async () => {
        for (let i = 0; i < 20; i++) link.send(buildPacket([ctx.a, ctx.b], drop, new Uint8Array(0), 55_000));
        await sleep(10);
      });
    } finally {
      await node.stop();
    }
  },
  // Finding 6: many mix streams per peer, each dripping a frame a byte at a time.
  stream_drip: async (ctx, signal) => {
    const nodes: ObolNode[] = [];
    const streams: Stream[] = [];
    try {
      await until(signal, async () => {
        if (nodes.length < 20) {
          const n = await createObolNode({ listen: [] });
          nodes.push(n);
          for (let i = 0; i < 8; i++)
            streams.push(
              await n.dialProtocol(multiaddr(ctx.aTcp), MIX_PROTOCOL, { signal: AbortSignal.timeout(5_000) }),
            );
        }
        for (const s of streams) if (s.status === "open" && s.writeStatus === "writable") s.send(new Uint8Array([1]));
        await sleep(100);
      });
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  },
  // Findings 7, 8: junk frames as fast as they go, a fresh peer id after each ban.
  junk_frames: async (ctx, signal) =>
    until(signal, async () => {
      const node = await createObolNode({ listen: [] });
      try {
        const stream = await node.dialProtocol(multiaddr(ctx.aTcp), MIX_PROTOCOL, {
          signal: AbortSignal.timeout(5_000),
        });
        const junk = encodeFrame(
          { type: "packet", packet: new Uint8Array(layout.packetSize).fill(7), attachment: new Uint8Array(0) },
          layout,
        );
        while (!signal.aborted && stream.status === "open" && stream.writeStatus === "writable") {
          if (!stream.send(junk)) await sleep(1);
        }
      } finally {
        await node.stop();
      }
    }),
};

function p95(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;
}

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const seconds = quick ? 4 : 10;
  const dir = mkdtempSync(join(tmpdir(), "obol-abuse-"));
  const logFile = join(dir, "relay.log");
  const directoryFile = join(dir, "directory.json");
  const arrivals = new Map<number, number>();
  const sink = await startSink(arrivals);
  const deadNode = await createObolNode({ listen: ["/ip4/127.0.0.1/tcp/0"] });
  await deadNode.handle(MIX_PROTOCOL, (stream: Stream) => stream.pause());
  const dead = entryOf(deadNode, x25519Group.randomSecretKey());
  const json = (e: DirectoryEntry) => ({ ...e, mixKey: Buffer.from(e.mixKey).toString("hex"), blsKey: "", stake: "1" });
  writeFileSync(directoryFile, JSON.stringify({ entries: [json(sink.entry), json(dead)] }));
  const address = randomAddress();
  const relay = await spawnFixture<{ ready: true; multiaddrs: string[]; mixKey: string }>(fixture, [
    JSON.stringify({ dataDir: join(dir, "a"), address, directoryFile, logFile }),
  ]);
  const pid = relay.child.pid!;
  const aTcp = relay.ready.multiaddrs.find((m) => !m.includes("/ws"))!;
  const aWs = relay.ready.multiaddrs.find((m) => m.includes("/ws"))!;
  const a: DirectoryEntry = {
    ...sink.entry,
    relay: address,
    mixKey: Uint8Array.from(Buffer.from(relay.ready.mixKey, "hex")),
    multiaddr: aTcp,
  };
  const ctx: Context = { a, aTcp, aWs, b: sink.entry, dead };
  const metrics: Metric[] = [];
  let seq = 0;
  try {
    for (const [name, attack] of Object.entries(attacks)) {
      const logStart = statSync(logFile).size;
      let rss = rssMiB(pid);
      let fds = openFds(pid);
      const sampler = setInterval(() => {
        rss = Math.max(rss, rssMiB(pid));
        fds = Math.max(fds, openFds(pid));
      }, 100);
      const stop = new AbortController();
      const running = attack(ctx, stop.signal);
      await sleep(500); // let the attack get going
      // A new honest connection for every phase: it must be admitted whatever the attack holds.
      const honest = await createObolNode({ listen: [] });
      const sent = new Map<number, number>();
      try {
        const link = await openClientLink(honest, aTcp);
        const end = performance.now() + seconds * 1000;
        while (performance.now() < end) {
          const id = seq++;
          const message = Buffer.alloc(5);
          message[0] = 1;
          message.writeUInt32BE(id, 1);
          link.send(buildPacket([a, sink.entry], drop, message));
          sent.set(id, performance.now());
          await sleep(1000 / HONEST_PER_S);
        }
      } catch (error) {
        process.stderr.write(`abuse ${name}: honest client refused: ${(error as Error).message}\n`);
      }
      stop.abort();
      await running.catch(() => {});
      await sleep(GRACE_MS);
      clearInterval(sampler);
      await honest.stop();
      const latencies = [...sent].flatMap(([id, at]) => (arrivals.has(id) ? [arrivals.get(id)! - at] : []));
      const prefix = `abuse.${name}`;
      metrics.push(
        {
          metric: `${prefix}.honest_delivered_ratio`,
          value: sent.size === 0 ? 0 : latencies.length / sent.size,
          unit: "ratio",
        },
        { metric: `${prefix}.honest_p95_ms`, value: p95(latencies), unit: "ms" },
        { metric: `${prefix}.rss_peak_mib`, value: rss, unit: "MiB" },
        { metric: `${prefix}.fds_peak`, value: fds, unit: "fds" },
        { metric: `${prefix}.log_bytes`, value: statSync(logFile).size - logStart, unit: "bytes" },
      );
    }
  } finally {
    await stopFixture(relay.child);
    await sink.node.stop();
    await deadNode.stop();
  }
  return metrics;
}
