/**
 * Epochs of the RelayRegistry (docs/registry.md): `epoch = ⌊(t − genesis) / duration⌋`
 * where t is the timestamp of the block being built. "Now" on chain is the
 * pending block, so these helpers read with `blockTag: "pending"`; on a
 * Hardhat node that is the wall clock plus any `evm_increaseTime` offset.
 */
import { sleep } from "../sleep.js"; // resolves early on abort; no node:timers, so the browser client can read epochs
import { InvalidInputError } from "../errors.js";
import { relayRegistryAbi } from "./abi/RelayRegistry.js";
import { ChainTimeoutError, explainRevert, rethrowRevert } from "./errors.js";
import type { ChainClients } from "./types.js";
import { inTurn } from "./tx.js";

export type EpochInfo = {
  /** Timestamp (s) at which epoch 0 starts (the registry's deployment block). */
  genesis: bigint;
  /** Seconds per epoch. */
  duration: bigint;
};

/**
 * Reads the registry's fixed epoch parameters.
 *
 * @param chain connected clients.
 * @returns genesis and duration, in seconds.
 * @example
 * const { genesis, duration } = await epochInfo(chain);
 */
export async function epochInfo(chain: ChainClients): Promise<EpochInfo> {
  const address = chain.deployment.contracts.RelayRegistry;
  const [genesis, duration] = await Promise.all([
    chain.publicClient.readContract({ address, abi: relayRegistryAbi, functionName: "genesis" }),
    chain.publicClient.readContract({ address, abi: relayRegistryAbi, functionName: "epochDuration" }),
  ]);
  return { genesis, duration };
}

/**
 * The epoch containing `timestamp` (pure; same formula as the contract).
 *
 * @param info from `epochInfo`.
 * @param timestamp seconds since the Unix epoch.
 * @returns the epoch number (0 before genesis).
 * @example
 * epochAt(info, BigInt(Math.floor(Date.now() / 1000)));
 */
export function epochAt(info: EpochInfo, timestamp: bigint): bigint {
  if (timestamp < info.genesis) return 0n;
  return (timestamp - info.genesis) / info.duration;
}

/**
 * Start timestamp of `epoch`.
 *
 * @param info from `epochInfo`.
 * @param epoch epoch number.
 * @returns seconds since the Unix epoch.
 */
export function epochStart(info: EpochInfo, epoch: bigint): bigint {
  return info.genesis + epoch * info.duration;
}

/**
 * The registry's current epoch as of the pending block.
 *
 * @param chain connected clients.
 * @returns the epoch number.
 * @example
 * const epoch = await currentEpoch(chain);
 */
export async function currentEpoch(chain: ChainClients): Promise<bigint> {
  const epoch = await chain.publicClient.readContract({
    address: chain.deployment.contracts.RelayRegistry,
    abi: relayRegistryAbi,
    functionName: "currentEpoch",
    blockTag: "pending",
  });
  return BigInt(epoch);
}

/**
 * Fixes the current epoch's randomness (calls `openEpoch()`) unless someone
 * already did. Relays call it on entering an epoch so route selection can
 * read the layers.
 *
 * @param chain connected clients (pays the gas when a transaction is needed).
 * @returns the epoch, its seed and the transaction hash (undefined when it was open).
 */
export async function ensureEpochOpen(
  chain: ChainClients,
): Promise<{ epoch: bigint; seed: `0x${string}`; hash: `0x${string}` | undefined }> {
  const address = chain.deployment.contracts.RelayRegistry;
  const epoch = await currentEpoch(chain);
  const seed = await readSeed(chain, epoch);
  if (seed !== undefined) return { epoch, seed, hash: undefined };
  try {
    const { hash, result } = await inTurn(chain, async () => {
      const { request, result } = await chain.publicClient.simulateContract({
        address,
        abi: relayRegistryAbi,
        functionName: "openEpoch",
        account: chain.walletClient.account,
      });
      return { hash: await chain.walletClient.writeContract(request), result };
    });
    await chain.publicClient.waitForTransactionReceipt({ hash });
    // A boundary may pass between simulation and mining: report what was opened.
    const opened = await currentEpoch(chain);
    return { epoch: opened, seed: (await readSeed(chain, opened)) ?? result, hash };
  } catch (error) {
    rethrowRevert(error, "open epoch");
  }
}

/**
 * The seed of `epoch`, or undefined while nobody has opened it.
 *
 * @param chain connected clients.
 * @param epoch epoch number.
 * @returns the 32-byte seed as hex, or undefined.
 */
export async function readSeed(chain: ChainClients, epoch: bigint): Promise<`0x${string}` | undefined> {
  try {
    return await chain.publicClient.readContract({
      address: chain.deployment.contracts.RelayRegistry,
      abi: relayRegistryAbi,
      functionName: "epochSeed",
      args: [epoch],
    });
  } catch (error) {
    if (explainRevert(error)?.errorName === "RelayRegistryEpochNotOpen") return undefined;
    throw error;
  }
}

export type WatchEpochsParameters = {
  /** Called once per epoch, in order, awaited before the next. */
  onEpoch: (epoch: bigint) => void | Promise<void>;
  /** Called when reading the chain or `onEpoch` fails; the watch goes on. */
  onError?: (error: unknown) => void;
  signal?: AbortSignal;
  /**
   * Also send `openEpoch()` on entering each epoch, after a random pause of at
   * most min(1 s, 5% of an epoch), unless it is open by then (relays do; clients don't).
   */
  open?: boolean;
  /** Longest sleep between checks, ms. Default 1,000. */
  pollMs?: number;
};

/**
 * Calls `onEpoch` for the current epoch and then for every later one as the
 * chain enters it, until `signal` aborts. Sleeps until the next boundary
 * (capped at `pollMs`, so chain time jumps are noticed quickly).
 *
 * @param chain connected clients.
 * @param parameters see `WatchEpochsParameters`.
 * @returns resolves when the signal aborts.
 * @example
 * const ac = new AbortController();
 * void watchEpochs(chain, { onEpoch: (e) => log.info({ e }, "epoch"), signal: ac.signal });
 */
export async function watchEpochs(
  chain: ChainClients,
  { onEpoch, onError = () => {}, signal, open = false, pollMs = 1_000 }: WatchEpochsParameters,
): Promise<void> {
  if (!(pollMs > 0)) throw new InvalidInputError("pollMs", "must be positive");
  const info = await epochInfo(chain);
  const openJitterMs = Math.min(1_000, Number(info.duration) * 50); // ≤ 1 s and ≤ 5% of an epoch
  let last: bigint | undefined;
  while (!signal?.aborted) {
    let waitMs = pollMs;
    try {
      const block = await chain.publicClient.getBlock({ blockTag: "pending" });
      const epoch = epochAt(info, block.timestamp);
      for (let e = last === undefined ? epoch : last + 1n; e <= epoch && !signal?.aborted; e++) {
        if (open && e === epoch) {
          // Relays enter an epoch together; a random pause lets one of them open
          // it and the others find it open instead of all paying for openEpoch.
          await sleep(Math.random() * openJitterMs, signal);
          // A failed openEpoch (no gas, a race) must not hold the relay's epoch work back.
          await ensureEpochOpen(chain).catch(onError);
        }
        last = e;
        await onEpoch(e);
      }
      const untilNext = Number(epochStart(info, epoch + 1n) - block.timestamp) * 1_000;
      waitMs = Math.max(50, Math.min(pollMs, untilNext));
    } catch (error) {
      onError(error);
    }
    await sleep(waitMs, signal);
  }
}

/**
 * Resolves once the chain is in `epoch` or later.
 *
 * @param chain connected clients.
 * @param epoch the epoch to wait for.
 * @param options.signal aborts the wait; options.timeoutMs default: 3 epochs.
 * @returns the epoch reached.
 * @throws ChainTimeoutError when the deadline passes first.
 */
export async function waitForEpoch(
  chain: ChainClients,
  epoch: bigint,
  { signal, timeoutMs }: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<bigint> {
  const info = await epochInfo(chain);
  const deadline = Date.now() + (timeoutMs ?? Number(info.duration) * 3_000);
  for (;;) {
    signal?.throwIfAborted();
    const now = await currentEpoch(chain);
    if (now >= epoch) return now;
    if (Date.now() > deadline) throw new ChainTimeoutError(`Epoch ${epoch} not reached (chain is in ${now})`);
    await sleep(250, signal);
    signal?.throwIfAborted();
  }
}

/**
 * Dev chains only (Hardhat node / in-process network): jumps chain time to the
 * start of `epoch` and mines a block, so a devnet need not wait out epochs.
 *
 * @param chain connected clients on a Hardhat chain.
 * @param epoch target epoch (must not be in the past).
 * @returns the new block's timestamp.
 */
export async function advanceDevChainToEpoch(chain: ChainClients, epoch: bigint): Promise<bigint> {
  const info = await epochInfo(chain);
  const pending = await chain.publicClient.getBlock({ blockTag: "pending" });
  const target = epochStart(info, epoch);
  if (target < pending.timestamp) {
    if (epochAt(info, pending.timestamp) >= epoch) return pending.timestamp;
    throw new InvalidInputError("epoch", `epoch ${epoch} is in the past`);
  }
  await chain.publicClient.request({
    method: "evm_setNextBlockTimestamp" as never,
    params: [`0x${target.toString(16)}`] as never,
  });
  await chain.publicClient.request({ method: "evm_mine" as never, params: [] as never });
  return target;
}
