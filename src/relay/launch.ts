/**
 * Everything a relay process needs, assembled from a data directory: the
 * persisted libp2p key and mix key, the sqlite store, the libp2p node, the
 * scheme's relay side and the relay itself. Used by `obol relay`, devnets and
 * the crash-restart test, so all of them run the same code.
 */
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { Address } from "viem";
import type { ChainClients, RelayRole } from "../chain/types.js";
import { obolParams, type SphinxParams } from "../crypto/sphinx/params.js";
import type { Logger } from "../log.js";
import { createObolNode, DEFAULT_LISTEN, loadOrCreatePeerKey, type ObolNode } from "../net/node.js";
import type { AccountingScheme, SchemeDeps } from "../schemes/scheme.js";
import { openDatabase } from "../store/db.js";
import { RelayConfigError } from "./errors.js";
import { loadOrCreateMixKey } from "./keys.js";
import { RelayMetrics } from "./metrics.js";
import { chainKeyDirectory, KeyRotator, MixKeyRing } from "./rotation.js";
import { createRelay, type DirectorySource, type EpochSource, type Relay, type RelayInit } from "./relay.js";

/** Database file of a relay inside its data directory. */
export const RELAY_DB_FILE = "relay.sqlite";

export type LaunchRelayParameters = {
  dataDir: string;
  role: RelayRole;
  /** Registry id (operator address). */
  address: Address;
  scheme: AccountingScheme;
  /** Chain clients of the operator; required by every scheme but `free`. */
  chain?: ChainClients;
  /** Directory and epoch sources; `directory`/`epoch` may depend on the node's address, so they are built late. */
  sources: (node: ObolNode) => { directory: DirectorySource; epoch: EpochSource };
  log: Logger;
  listen?: readonly string[];
  params?: SphinxParams;
  /** λM loops per second and their mean per-hop delay; no cover traffic when omitted. */
  cover?: { ratePerSecond: number; meanDelayMs: number };
  tuning?: Pick<RelayInit, "maxDelayMs" | "queueCapacity" | "inbox" | "refreshMs">;
  /**
   * Rotate the mix key every epoch (rotation.ts; needs `chain`): keys live in
   * `<data-dir>/mix-keys/`, the previous epoch's key is accepted for `graceMs`.
   */
  rotation?: { graceMs?: number; checkMs?: number };
  /** Serve Prometheus metrics on this host and port (0 = any free port); none when omitted. */
  metrics?: { host?: string; port: number };
};

export type LaunchedRelay = {
  relay: Relay;
  node: ObolNode;
  db: DatabaseSync;
  mixPublicKey: Uint8Array;
  /** The node's listen addresses with `/p2p/<peerId>`; the first one is what to register. */
  multiaddrs: string[];
  /** URL of the Prometheus endpoint when `metrics` was given. */
  metricsUrl?: string;
  /** Stops the relay (draining), then the node, then closes the database. */
  stop: () => Promise<void>;
};

/**
 * Opens (or initialises) a relay's data directory and starts the relay.
 *
 * @param p data dir, role, address, scheme, sources, logger, listen addresses
 * @returns the running relay and what to register on chain
 * @throws RelayConfigError when the scheme needs a chain and none was given
 * @example
 * const r = await launchRelay({ dataDir, role: "mix", address, scheme, chain, log,
 *   sources: () => chainSources(chain, { log }) });
 */
export async function launchRelay(p: LaunchRelayParameters): Promise<LaunchedRelay> {
  if (!p.chain && p.scheme.name !== "free")
    throw new RelayConfigError("chain", `scheme ${p.scheme.name} needs chain clients`, {
      hint: "pass --rpc-url and --key",
    });
  const params = p.params ?? obolParams({ slotSize: p.scheme.slotSize });
  if (p.rotation && !p.chain)
    throw new RelayConfigError("rotation", "key rotation needs chain clients", { hint: "pass --rpc-url and --key" });
  const ring = p.rotation ? MixKeyRing.open(p.dataDir) : null;
  const { secretKey, publicKey } = ring ? ring.any() : loadOrCreateMixKey(p.dataDir);
  const privateKey = await loadOrCreatePeerKey(p.dataDir);
  const db = openDatabase(join(p.dataDir, RELAY_DB_FILE));
  const node = await createObolNode({ listen: p.listen ?? DEFAULT_LISTEN, privateKey });
  try {
    // The free scheme never touches `chain`; every other scheme was refused above without one.
    const deps: SchemeDeps = { chain: p.chain as ChainClients, db, log: p.log, libp2p: node };
    const { directory, epoch } = p.sources(node);
    const metrics = p.metrics ? new RelayMetrics({ relay: p.address, role: p.role }) : null;
    const relay = createRelay(
      { ...deps, db, scheme: p.scheme, directory, epoch },
      {
        address: p.address,
        role: p.role,
        mixSecretKey: secretKey,
        ...(ring ? { mixKeys: ring } : {}),
        params,
        ...(p.cover && p.cover.ratePerSecond > 0 ? { cover: p.cover } : {}),
        ...p.tuning,
        ...(metrics ? { onProcessed: metrics.observePeel } : {}),
      },
    );
    await relay.start();
    metrics?.attach({ stats: relay.stats, queued: () => relay.queued, libp2p: node, db, scheme: p.scheme.name });
    const served =
      p.metrics && metrics
        ? await metrics.serve(p.metrics).catch(async (error) => {
            await relay.stop();
            throw error;
          })
        : null;
    const stopRotation = ring && p.rotation ? rotate(ring, relay, p.chain!, epoch, p.log, p.rotation) : () => {};
    return {
      relay,
      node,
      db,
      mixPublicKey: publicKey,
      multiaddrs: node.getMultiaddrs().map(String),
      ...(served ? { metricsUrl: served.url } : {}),
      stop: async () => {
        stopRotation();
        await served?.close();
        await relay.stop();
        await node.stop();
        db.close();
      },
    };
  } catch (error) {
    await node.stop();
    db.close();
    throw error;
  }
}

/** Runs the key rotation beside the relay: one alignment per `checkMs`, failures logged and retried. */
function rotate(
  ring: MixKeyRing,
  relay: Relay,
  chain: ChainClients,
  epoch: () => bigint | Promise<bigint>,
  log: Logger,
  o: { graceMs?: number; checkMs?: number },
): () => void {
  const rotator = new KeyRotator({
    ring,
    directory: chainKeyDirectory(chain),
    replay: relay.replay,
    log,
    ...(o.graceMs === undefined ? {} : { graceMs: o.graceMs }),
  });
  let running: Promise<void> | null = null;
  const step = () => {
    running ??= (async () => {
      try {
        await rotator.onEpoch(await epoch());
      } catch (error) {
        log.warn({ err: error }, "mix key rotation step failed; retrying");
      }
      rotator.tick();
    })().finally(() => (running = null));
  };
  step();
  const timer = setInterval(step, o.checkMs ?? 2_000);
  return () => clearInterval(timer);
}
