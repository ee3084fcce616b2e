/**
 * Real relays on loopback for tests and benchmarks: real libp2p nodes, real
 * sqlite files, real Sphinx, the free scheme. Nothing here is a mock.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { getAddress, type Address } from "viem";
import type { Stream } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { DirectoryEntry, DirectorySnapshot, RelayRole } from "../../src/chain/types.js";
import { x25519Group } from "../../src/crypto/sphinx/group.js";
import { deriveHopSecrets } from "../../src/crypto/sphinx/header.js";
import type { HopInstruction } from "../../src/crypto/sphinx/hop.js";
import { createPacket } from "../../src/crypto/sphinx/packet.js";
import { obolParams, packetSize, type SphinxParams } from "../../src/crypto/sphinx/params.js";
import { silentLogger } from "../../src/log.js";
import { MIX_PROTOCOL } from "../../src/net/constants.js";
import { encodeFrame, FrameReader, type Frame, type WireLayout } from "../../src/net/frame.js";
import { createObolNode, type ObolNode } from "../../src/net/node.js";
import { createRelay, type Relay } from "../../src/relay/relay.js";
import { scheme as free } from "../../src/schemes/free/scheme.js";
import type { RelayScheme, SchemeDeps } from "../../src/schemes/scheme.js";
import { openDatabase } from "../../src/store/db.js";

export const params: SphinxParams = obolParams({ slotSize: 0 });
export const layout: WireLayout = {
  packetSize: packetSize(x25519Group, params),
  attachmentSize: 0,
  receiptSize: 0,
  bodySize: params.bodySize,
};

export type TestRelay = { relay: Relay; node: ObolNode; entry: DirectoryEntry; secretKey: Uint8Array; dbPath: string };

export function randomAddress(): Address {
  return getAddress(`0x${randomBytes(20).toString("hex")}`);
}

/** Starts relays with the given roles/layers; the directory lists all of them. */
export async function startRelays(
  specs: { role: RelayRole; layer: number }[],
  options: {
    coverRate?: number;
    maxDelayMs?: number;
    epoch?: () => bigint;
    /** Directory source of every relay over the test's snapshot (default: the snapshot at once). */
    directory?: (snapshot: DirectorySnapshot) => DirectorySnapshot | Promise<DirectorySnapshot>;
    /** Relay side of the scheme per relay (default: the free scheme's). */
    relayScheme?: (deps: SchemeDeps & { relay: Address }) => RelayScheme;
    /** Mixing queue capacity of every relay (default: the relay's). */
    queueCapacity?: number;
    /** More directory entries (nodes that are not Obol relays, e.g. a hostile next hop). */
    extraEntries?: DirectoryEntry[];
    /** Logger of every relay (default: silent). */
    log?: () => import("../../src/log.js").Logger;
  } = {},
): Promise<{ relays: TestRelay[]; snapshot: DirectorySnapshot; stop: () => Promise<void> }> {
  const snapshot: DirectorySnapshot = { epoch: 1n, entries: [...(options.extraEntries ?? [])] };
  const relays: TestRelay[] = [];
  for (const spec of specs) {
    const node = await createObolNode({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    const secretKey = x25519Group.randomSecretKey();
    const entry: DirectoryEntry = {
      relay: randomAddress(),
      role: spec.role,
      mixKey: x25519Group.publicKey(secretKey),
      blsKey: new Uint8Array(0),
      multiaddr: node.getMultiaddrs()[0]!.toString(),
      stake: 1n,
      layer: spec.layer,
    };
    snapshot.entries.push(entry);
    const dbPath = join(mkdtempSync(join(tmpdir(), "obol-relay-")), "relay.sqlite");
    const db = openDatabase(dbPath);
    const deps = { db, log: silentLogger(), libp2p: node } as unknown as SchemeDeps; // free needs no chain
    // A test's own relay side replaces the free scheme's; everything else stays the free scheme.
    const scheme = options.relayScheme ? { ...free, relay: options.relayScheme } : free;
    const components = {
      ...deps,
      db,
      log: options.log?.() ?? silentLogger(),
      scheme,
      directory: options.directory ? () => options.directory!(snapshot) : () => snapshot,
      epoch: options.epoch ?? (() => 1n),
    };
    const relay = createRelay(components, {
      address: entry.relay,
      ...(options.queueCapacity ? { queueCapacity: options.queueCapacity } : {}),
      role: spec.role,
      mixSecretKey: secretKey,
      params,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      refreshMs: 200,
      ...(options.coverRate ? { cover: { ratePerSecond: options.coverRate, meanDelayMs: 5 } } : {}),
    });
    relays.push({ relay, node, entry, secretKey, dbPath });
  }
  for (const r of relays) await r.relay.start();
  return {
    relays,
    snapshot,
    stop: async () => {
      for (const r of relays) await r.relay.stop();
      for (const r of relays) await r.node.stop();
    },
  };
}

/** Builds a free-scheme packet along `route`; the last hop gets `final`. */
export function buildPacket(
  route: readonly DirectoryEntry[],
  final: HopInstruction,
  message = new Uint8Array(0),
  delayMs = 0,
): Uint8Array {
  const keys = deriveHopSecrets({
    group: x25519Group,
    sessionKey: x25519Group.randomSecretKey(),
    publicKeys: route.map((e) => e.mixKey),
  });
  const hops: HopInstruction[] = route.map((_, i) =>
    i < route.length - 1 ? { action: "forward", next: route[i + 1]!.relay, delayMs, slot: new Uint8Array(0) } : final,
  );
  return createPacket({ group: x25519Group, params, ...keys, hops, message });
}

/** A client-side mix link: send frames to a relay, collect the frames it sends back. */
export async function openClientLink(
  node: ObolNode,
  target: string,
): Promise<{ stream: Stream; received: Frame[]; send: (packet: Uint8Array) => void }> {
  const stream = await node.dialProtocol(multiaddr(target), MIX_PROTOCOL, { signal: AbortSignal.timeout(5_000) });
  const received: Frame[] = [];
  const reader = new FrameReader(layout, ["packet", "receipt"]);
  void (async () => {
    try {
      for await (const chunk of stream) received.push(...reader.push(chunk));
    } catch {
      // the relay reset the stream (garbage tests); received keeps what came before
    }
  })();
  return {
    stream,
    received,
    send: (packet) => void stream.send(encodeFrame({ type: "packet", packet, attachment: new Uint8Array(0) }, layout)),
  };
}

/** Polls `condition` every 20 ms until it holds or `ms` passes. */
// Generous by default: a condition that holds is met at once; the deadline only ends a
// genuinely stuck test, and a loaded 2-core machine can be 10x slower than an idle one.
export async function waitFor(condition: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
