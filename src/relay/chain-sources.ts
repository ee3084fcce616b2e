/**
 * Directory and epoch sources read from the chain, for relays run against a
 * real RelayRegistry (`obol relay`, devnets). The pipeline never imports the
 * chain; it only calls these functions, which serve a cached snapshot and
 * re-read the registry when the epoch changes or the cache is older than
 * `refreshMs`. `epoch({ fresh: true })` skips the shared epoch read, for
 * decisions that flip at an epoch boundary (the client's reply window).
 */
import { readDirectory } from "../chain/directory.js";
import { currentEpoch, ensureEpochOpen } from "../chain/epochs.js";
import { ChainUnreachableError } from "../chain/errors.js";
import type { ChainClients, DirectorySnapshot } from "../chain/types.js";
import type { Logger } from "../log.js";
import type { DirectorySource, EpochSource } from "./relay.js";

/** Epoch reads are shared for this long unless `epochCacheMs` says otherwise (relays poll every 2 s; epochs last much longer). */
export const EPOCH_CACHE_MS = 500;

/**
 * How long after the chain enters an epoch a relay on these sources has seen it: its refresh period
 * (`RelayInit.refreshMs`) plus the shared epoch cache, and one epoch read (the relay takes the epoch
 * before its directory read, which opens a new epoch with a transaction). A packet filed by epoch
 * (the audits' replay tags) must not reach the relay sooner after the turn.
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
  /** Share one epoch read for this long (ms); default 500. `epoch({ fresh: true })` never uses it. */
  epochCacheMs?: number;
  /** Send `openEpoch()` when entering an epoch nobody opened yet (relays do). */
  open?: boolean;
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
  { refreshMs = 10_000, epochCacheMs = EPOCH_CACHE_MS, open = true, log }: ChainSourcesParameters,
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
  // A fresh read starts its own request (one already in flight may predate the caller's
  // decision) and fails instead of falling back to an older epoch: stale is what it must not be.
  const freshEpoch = async (): Promise<bigint> => {
    try {
      const now = await currentEpoch(chain);
      if (epoch === null || now >= epoch) [epoch, epochAt] = [now, Date.now()];
      return now;
    } catch (cause) {
      throw new ChainUnreachableError(chain.deployment.rpcUrl, {
        cause,
        details: `reading the current epoch: ${(cause as Error).message.split("\n")[0]}`,
        hint: "nothing was sent: check the chain connection (--rpc-url), then try again",
      });
    }
  };
  const epochSource = ({ fresh = false }: { fresh?: boolean } = {}): Promise<bigint> => {
    if (fresh) return freshEpoch();
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
