/**
 * The directory snapshot route selection reads (DESIGN §4): every relay listed
 * in one epoch with the keys in force then and its layer. Read in pages of the
 * registry's `directory(epoch, offset, limit)` view, all pinned to one block
 * so pages agree with each other.
 */
import { hexToBytes } from "viem";
import { InvalidInputError } from "../errors.js";
import { relayRegistryAbi } from "./abi/RelayRegistry.js";
import { rethrowRevert } from "./errors.js";
import { currentEpoch } from "./epochs.js";
import type { ChainClients, DirectoryEntry, DirectorySnapshot } from "./types.js";

/** Records per `directory` call; each page costs O(relays × page) in the view. */
export const DIRECTORY_PAGE_SIZE = 64n;

/** Layer numbers of the stratified topology (DESIGN §4). */
export const ENTRY_LAYER = 0;
export const EXIT_LAYER = 4;
export const MIX_LAYERS = [1, 2, 3] as const;

export type ReadDirectoryParameters = {
  /** Epoch to read; default the current one. Must be opened (see `ensureEpochOpen`). */
  epoch?: bigint;
  /** Records per call; default `DIRECTORY_PAGE_SIZE`. */
  pageSize?: bigint;
};

/**
 * Reads the directory of one epoch. Gateways have `layer` 0 and serve both as
 * entry (layer 0) and exit (layer 4); mixes have layers 1..3, balanced.
 *
 * @param chain connected clients.
 * @param parameters.epoch epoch to read (default: current).
 * @returns the listed relays, in registry order.
 * @throws ContractRevertError `RelayRegistryEpochNotOpen` when the epoch's seed is not fixed yet.
 * @example
 * const { epoch, entries } = await readDirectory(chain);
 * const mixes1 = entries.filter((e) => e.layer === 1);
 */
export async function readDirectory(
  chain: ChainClients,
  { epoch, pageSize = DIRECTORY_PAGE_SIZE }: ReadDirectoryParameters = {},
): Promise<DirectorySnapshot> {
  if (epoch !== undefined && epoch < 0n) throw new InvalidInputError("epoch", "must not be negative");
  if (pageSize <= 0n) throw new InvalidInputError("pageSize", "must be positive");
  const target = epoch ?? (await currentEpoch(chain));
  const address = chain.deployment.contracts.RelayRegistry;
  const blockNumber = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const count = await chain.publicClient.readContract({
    address,
    abi: relayRegistryAbi,
    functionName: "relayCount",
    blockNumber,
  });
  const entries: DirectoryEntry[] = [];
  try {
    for (let offset = 0n; offset === 0n || offset < count; offset += pageSize) {
      const page = await chain.publicClient.readContract({
        address,
        abi: relayRegistryAbi,
        functionName: "directory",
        args: [target, offset, pageSize],
        blockNumber,
      });
      for (const e of page) {
        if (!e.listed) continue;
        entries.push({
          relay: e.relay,
          role: e.role === 0 ? "gateway" : "mix",
          mixKey: hexToBytes(e.mixKey),
          blsKey: hexToBytes(e.blsKey),
          multiaddr: e.multiaddr,
          stake: e.stake,
          layer: e.layer,
        });
      }
    }
  } catch (error) {
    rethrowRevert(error, `read directory of epoch ${target}`);
  }
  return { epoch: target, entries };
}
