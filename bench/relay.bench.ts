/**
 * Relay benchmarks (DESIGN §8): the pipeline in-process (free scheme, real
 * sqlite file in WAL/FULL with group commit, real Sphinx), two relays over
 * libp2p loopback, and the replay store's insert rate.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { Metric, BenchOptions } from "./metric.js";
import { x25519Group } from "../src/crypto/sphinx/group.js";
import { sharedSecret } from "../src/crypto/sphinx/header.js";
import { peelPacket } from "../src/crypto/sphinx/packet.js";
import { silentLogger } from "../src/log.js";
import { processPacket, type PipelineParameters } from "../src/relay/pipeline.js";
import { scheme as free } from "../src/schemes/free/scheme.js";
import type { SchemeDeps } from "../src/schemes/scheme.js";
import { GroupCommitter } from "../src/store/commit.js";
import { openDatabase } from "../src/store/db.js";
import { ReplayStore } from "../src/store/replay.js";
import { createObolNode } from "../src/net/node.js";
import { buildPacket, openClientLink, params, randomAddress, startRelays, waitFor } from "../test/relay/harness.js";
import type { DirectoryEntry } from "../src/chain/types.js";

const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), "obol-bench-"));
  return { path: join(dir, "relay.sqlite"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
};

function fakeEntry(): DirectoryEntry {
  const sk = x25519Group.randomSecretKey();
  return {
    relay: randomAddress(),
    role: "mix",
    mixKey: x25519Group.publicKey(sk),
    blsKey: new Uint8Array(0),
    multiaddr: "",
    stake: 1n,
    layer: 1,
  };
}

/**
 * Packets per second through processPacket (hop 0 of 5-hop routes, up to 256
 * in flight), and the bare Sphinx peel rate on the same packets in the same
 * run, so the pipeline's own overhead shows as their ratio.
 */
async function pipelineRate(count: number): Promise<{ pipeline: number; peel: number }> {
  const { path, cleanup } = tempDb();
  const db = openDatabase(path);
  const secretKey = x25519Group.randomSecretKey();
  const self = { ...fakeEntry(), mixKey: x25519Group.publicKey(secretKey) };
  const rest = [fakeEntry(), fakeEntry(), fakeEntry(), fakeEntry()];
  const known = new Set(rest.map((e) => e.relay));
  const context: PipelineParameters = {
    group: x25519Group,
    params,
    secretKey,
    scheme: free.relay({ db, log: silentLogger() } as unknown as SchemeDeps & { relay: `0x${string}` }),
    replay: new ReplayStore(db),
    committer: new GroupCommitter({ db }),
    inbox: null,
    maxDelayMs: 60_000,
    knowsRelay: (a) => known.has(a),
    log: silentLogger(),
  };
  const packets = Array.from({ length: count }, () =>
    buildPacket([self, ...rest], { action: "drop", delayMs: 0, slot: new Uint8Array(0) }),
  );
  let start = performance.now();
  for (const packet of packets) {
    const ss = sharedSecret({ group: x25519Group, secretKey, packet });
    peelPacket({ group: x25519Group, params, secretKey, packet, ss });
  }
  const peel = (count / (performance.now() - start)) * 1_000;
  const window = 256;
  start = performance.now();
  let forwarded = 0;
  for (let i = 0; i < packets.length; i += window) {
    const outcomes = await Promise.all(
      packets
        .slice(i, i + window)
        .map((packet) =>
          processPacket(context, { packet, attachment: new Uint8Array(0), fromPeer: "bench", epoch: 1n }),
        ),
    );
    forwarded += outcomes.filter((o) => o.kind === "forward").length;
  }
  const rate = (count / (performance.now() - start)) * 1_000;
  if (forwarded !== count) throw new Error(`pipeline forwarded ${forwarded} of ${count}`);
  db.close();
  cleanup();
  return { pipeline: rate, peel };
}

/** Replay-tag inserts per second: through the group committer (the relay's path) and one fsync per insert. */
async function replayRates(count: number): Promise<{ grouped: number; autocommit: number }> {
  const { path, cleanup } = tempDb();
  const db = openDatabase(path);
  const replay = new ReplayStore(db);
  const committer = new GroupCommitter({ db });
  const tags = Array.from({ length: count }, () => randomBytes(32));
  let start = performance.now();
  await Promise.all(tags.map((tag) => committer.run(() => replay.checkAndInsert(tag, 1n))));
  const grouped = (count / (performance.now() - start)) * 1_000;
  const few = tags.slice(0, Math.max(50, count / 20)).map(() => randomBytes(32));
  start = performance.now();
  for (const tag of few) replay.checkAndInsert(tag, 2n); // autocommit: one durable transaction each
  const autocommit = (few.length / (performance.now() - start)) * 1_000;
  db.close();
  cleanup();
  return { grouped, autocommit };
}

/** Packets per second entering relay A and ending at relay B, over libp2p TCP loopback. */
async function loopbackRate(count: number): Promise<number> {
  const net = await startRelays([
    { role: "gateway", layer: 0 },
    { role: "mix", layer: 1 },
  ]);
  const client = await createObolNode({ listen: [] });
  try {
    const [a, b] = net.relays;
    const packets = Array.from({ length: count }, () =>
      buildPacket([a!.entry, b!.entry], { action: "drop", delayMs: 0, slot: new Uint8Array(0) }),
    );
    const link = await openClientLink(client, a!.entry.multiaddr);
    const start = performance.now();
    for (const p of packets) {
      link.send(p);
      if (link.stream.writableNeedsDrain) await link.stream.onDrain();
    }
    await waitFor(() => b!.relay.stats.dropHops === count, 120_000);
    const rate = (count / (performance.now() - start)) * 1_000;
    link.stream.abort(new Error("bench done"));
    return rate;
  } finally {
    await client.stop();
    await net.stop();
  }
}

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const pipeline = await pipelineRate(quick ? 1_000 : 8_000);
  const replay = await replayRates(quick ? 5_000 : 50_000);
  const loopback = await loopbackRate(quick ? 1_000 : 5_000);
  return [
    {
      metric: "relay.pipeline.per_s",
      value: pipeline.pipeline,
      unit: "packets/s",
      note: "in-process, free scheme, x25519 (sodium), sqlite WAL+FULL group commit, 1 core",
    },
    {
      metric: "relay.pipeline.ratio_to_peel",
      value: pipeline.pipeline / pipeline.peel,
      unit: "ratio",
      note: "pipeline rate ÷ bare sharedSecret+peelPacket rate on the same packets, same run",
    },
    {
      metric: "relay.forward.loopback.per_s",
      value: loopback,
      unit: "packets/s",
      note: "client → relay A → relay B over libp2p TCP loopback, both relays in one process",
    },
    {
      metric: "relay.replay_store.insert_per_s",
      value: replay.grouped,
      unit: "inserts/s",
      note: "group commit (the relay's path), fsync per group",
    },
    {
      metric: "relay.replay_store.insert_autocommit_per_s",
      value: replay.autocommit,
      unit: "inserts/s",
      note: "one durable transaction per insert",
    },
  ];
}
