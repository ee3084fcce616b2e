/**
 * Reading the current epoch's directory, which the registry serves only once
 * someone called `openEpoch()` for it. Relays do within about a second of
 * entering an epoch; a reader with ETH may open it itself, one without (a
 * fresh CLI key, a browser page) waits for a relay instead of failing on the
 * first read after an epoch boundary.
 */
import { ObolError } from "../errors.js";
import { sleep } from "../sleep.js";
import type { ChainClients, DirectorySnapshot } from "./types.js";

/** How long a reader waits for a relay to open the current epoch (relays do within ~1 s of entering it). */
export const EPOCH_OPEN_WAIT_MS = 20_000;

/** The current epoch stayed closed for the whole wait: no relay entered it. */
export class EpochNotOpenError extends ObolError {
  override name = "EpochNotOpenError";
}

export type OpenDirectoryOptions = {
  /** This account has ETH and may send `openEpoch()` itself (once). */
  canOpen: boolean;
  /** How long to wait for a relay to open it; default `EPOCH_OPEN_WAIT_MS`. */
  waitMs?: number;
  /** What to tell the user when it stays closed (the CLI names its commands). */
  hint?: string;
};

/**
 * Calls `read` until the registry serves the current epoch.
 *
 * @throws EpochNotOpenError when it stays closed for `waitMs`; any other error of `read` at once.
 */
export async function openDirectory(
  chain: ChainClients,
  read: () => Promise<DirectorySnapshot>,
  {
    canOpen,
    waitMs = EPOCH_OPEN_WAIT_MS,
    hint = "start the relays of this network: each opens the epoch on entering it",
  }: OpenDirectoryOptions,
): Promise<DirectorySnapshot> {
  const { ContractRevertError } = await import("./errors.js");
  const { ensureEpochOpen, currentEpoch } = await import("./epochs.js");
  const deadline = Date.now() + waitMs;
  for (let opened = false; ; ) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof ContractRevertError && error.errorName === "RelayRegistryEpochNotOpen")) throw error;
      if (canOpen && !opened) {
        await ensureEpochOpen(chain);
        opened = true;
        continue;
      }
      if (Date.now() > deadline)
        throw new EpochNotOpenError(`Epoch ${await currentEpoch(chain)} is not open: no relay has entered it`, {
          details: "the registry lists relays per epoch once someone calls openEpoch(); running relays do",
          hint,
        });
      await sleep(500);
    }
  }
}
