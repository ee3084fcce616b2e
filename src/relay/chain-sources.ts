/**
 * Directory and epoch sources read from the chain, for relays run against a
 * real RelayRegistry (`obol relay`, devnets). The pipeline never imports the
 * chain; it only calls these functions, which serve a cached snapshot and
 * re-read the registry when the epoch changes or the cache is older than
 * `refreshMs`.
 */
import { readDirectory } from "../chain/directory.js";
import { currentEpoch, ensureEpochOpen } from "../chain/epochs.js";
import type { ChainClients, DirectorySnapshot } from "../chain/types.js";
import type { Logger } from "../log.js";
import type { DirectorySource, EpochSource } from "./relay.js";

/** Epoch reads are shared for this long unless `epochCacheMs` says otherwise (relays poll every 2 s; epochs last much longer). */
export const EPOCH_CACHE_MS = 500;

/**
 * How long after the chain enters an epoch a relay on these sources has seen it: its refresh period
 * (`RelayInit.refreshMs`) plus the shared epoch cache. A packet filed by epoch (the audits' replay
 * tags) must not reach the relay sooner after the turn.
 *
 * @example
 * relayEpochLagMs(2_000); // 2500
 */
export function relayEpochLagMs(refreshMs: number, epochCacheMs = EPOCH_CACHE_MS): number {
  return refreshMs + epochCacheMs;
}

export type ChainSourcesParameters = {
  /** Re-read the directory at least this often (ms); default 10 s. */
  refreshMs?: number;
  /** Send `openEpoch()` when entering an epoch nobody opened yet (relays do). */
  open?: boolean;
  /** Share one epoch read for this long (ms; default `EPOCH_CACHE_MS`). */
  epochCacheMs?: number;
  log: Logger;
};

/**
 * Cached directory and epoch sources over a chain connection.
 *
 * @param chain the relay operator's chain clients
 * @returns `directory` and `epoch` functions for `createRelay`
 * @example
 * const { directory, epoch } = chainSources(chain, { log, open: true });
 * createRelay({ …, directory, epoch }, init);
 */
export function chainSources(
  chain: ChainClients,
  { refreshMs = 10_000, open = true, log, epochCacheMs = EPOCH_CACHE_MS }: ChainSourcesParameters,
): { directory: DirectorySource; epoch: EpochSource } {
  let snapshot: DirectorySnapshot | null = null;
  let readAt = 0;
  let epoch: bigint | null = null;
  let epochAt = 0;
  // Single flight: many relays of one process may share these sources, and
  // concurrent refreshes would race to send `openEpoch()` from one account.
  let reading: Promise<DirectorySnapshot> | null = null;
  let epochReading: Promise<bigint> | null = null;

  const readEpoch = async (): Promise<bigint> => {
    try {
      epoch = await currentEpoch(chain);
      epochAt = Date.now();
    } catch (error) {
      if (epoch === null) throw error;
      log.warn({ err: error }, "epoch read failed; keeping the previous epoch");
    }
    return epoch;
  };
  const epochSource = (): Promise<bigint> => {
    if (epoch !== null && Date.now() - epochAt < epochCacheMs) return Promise.resolve(epoch);
    epochReading ??= readEpoch().finally(() => (epochReading = null));
    return epochReading;
  };
  const read = async (): Promise<DirectorySnapshot> => {
    const now = await epochSource();
    if (snapshot && now === snapshot.epoch && Date.now() - readAt < refreshMs) return snapshot;
    try {
      if (open) await ensureEpochOpen(chain);
      snapshot = await readDirectory(chain, { epoch: now });
      readAt = Date.now();
    } catch (error) {
      if (!snapshot) throw error;
      log.warn({ err: error }, "directory read failed; keeping the previous snapshot");
    }
    return snapshot;
  };
  return {
    directory: () => {
      reading ??= read().finally(() => (reading = null));
      return reading;
    },
    epoch: epochSource,
  };
}
