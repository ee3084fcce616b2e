/**
 * Settlement after the workload (docs/compare.md §Settlement): schemes that
 * pay only after later epochs declare that timeline in their devnet hook
 * (`SchemeDevnet.settlement`), and it runs here while relays and the scheme's
 * services keep running. A scheme that enforces in the epoch after its keys
 * were set has that epoch entered halfway through the workload (`enterAuditEpoch`),
 * so its checks travel with client packets and a dropper is judged on
 * an epoch with user traffic; then every
 * relay claims once more (the devnet already claimed once, right after the
 * traffic; a second claim of the same credit pays nothing). Fault records
 * against relays are read back, with the epoch they were recorded in.
 */
import type { Address, Hex } from "viem";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { advanceDevChainToEpoch, currentEpoch, epochAt, epochInfo } from "../../chain/epochs.js";
import { forComponent, type Logger } from "../../log.js";
import type { SchemeDevnet } from "../../schemes/devnet.js";
import type { ChainClients } from "../../chain/types.js";
import type { RunningNetwork } from "../network.js";
import { DEFAULT_DRAIN_S } from "../devnet.js";

export type SettleOutcome = {
  /** Epoch the workload ran in. */
  trafficEpoch: bigint;
  /** Epochs the chain was moved forward after the workload to settle. */
  epochsAdvanced: number;
  /** Claims run here, per relay (sum over the devnet's claim and this one comes from Transfer events). */
  claims: { relay: Address; paid: bigint; gasUsed: bigint; transactions: Hex[]; error?: string }[];
  /** FaultRecorded events: the epoch the fault happened in and the epoch of the block that recorded it. */
  faults: { relay: Address; epoch: bigint; recordedEpoch: bigint }[];
  /** Enforcement checks the scheme's settlement ran (e.g. audited loops) and how many passed. */
  audits?: { revealed: number; paid: number };
};

/**
 * Enters the epoch after the current one mid-workload, for schemes that
 * enforce in it (`settlement.enterNextEpochDuringTraffic`).
 *
 * @returns the epoch entered, or undefined when the scheme needs none.
 */
export async function enterAuditEpoch(chain: ChainClients, devnet: SchemeDevnet): Promise<bigint | undefined> {
  if (!devnet.settlement?.enterNextEpochDuringTraffic) return undefined;
  const next = (await currentEpoch(chain)) + 1n;
  await advanceDevChainToEpoch(chain, next);
  return next;
}

/**
 * A packet's path delay allowed after the last check of an epoch leaves (ms): three times the mean
 * of its `hops` exponential mixing delays; their sum exceeds that about once in 1,200 for 5 hops.
 *
 * @example
 * pathDelayAllowanceMs(5, 200); // 3000
 */
export function pathDelayAllowanceMs(hops: number, meanDelayMs: number): number {
  return 3 * hops * meanDelayMs;
}

/**
 * How long client traffic runs in an epoch entered halfway through a `durationS` workload, as a
 * participant that sees the epoch is told (`DevnetContext.epochTrafficMs`): the rest of the workload
 * and the drain's bound (`DEFAULT_DRAIN_S`), less the path delay of a check that leaves last. The
 * comparison holds the epoch that long plus the path delay.
 *
 * @example
 * epochTrafficWindowMs(20, 3_000); // 10 s + 8 s − 3 s = 15000
 */
export function epochTrafficWindowMs(durationS: number, pathDelayMs: number): number {
  return (durationS * 1000) / 2 + DEFAULT_DRAIN_S * 1000 - pathDelayMs;
}

/**
 * Runs the scheme's settlement timeline and the final claims.
 *
 * @param net the running network (relays still up).
 * @param parameters.devnet the scheme's devnet hook (its timeline, if any).
 * @returns claims, fault records, epochs used.
 * @example
 * const outcome = await settleRun(net, { devnet, log, signal });
 */
export async function settleRun(
  net: RunningNetwork,
  {
    devnet,
    log,
    signal,
    onStep = () => {},
    auditEpoch,
  }: {
    devnet: SchemeDevnet;
    log: Logger;
    signal: AbortSignal;
    onStep?: (step: string) => void /** Set when the audit epoch was entered during the workload. */;
    auditEpoch?: bigint | undefined;
  },
): Promise<SettleOutcome> {
  const l = forComponent(log, "obol:compare:settle");
  const chain = net.deployer;
  const trafficEpoch = auditEpoch !== undefined ? auditEpoch - 1n : await currentEpoch(chain);
  // An epoch entered during the workload counts as one of settlement: the scheme's checks ran in it.
  let epochsAdvanced = auditEpoch !== undefined ? 1 : 0;
  let audits: SettleOutcome["audits"];
  if (devnet.settlement) {
    const result = await devnet.settlement.run({
      chain,
      relays: net.relays.map((r) => r.address),
      trafficEpoch,
      enteredDuringTraffic: auditEpoch,
      advance: async (epoch, what) => {
        onStep(`settling: epoch ${epoch} (${what})`);
        await advanceDevChainToEpoch(chain, epoch);
        epochsAdvanced++;
      },
      pause: (ms) => pause(ms, signal),
      until: (timeoutMs, cond) => until(signal, timeoutMs, cond),
      log,
      signal,
    });
    audits = result.audits;
  }

  onStep("relays claim what settlement credited");
  const claims: SettleOutcome["claims"] = [];
  for (const r of net.relays) {
    try {
      const result = await net.scheme
        .settle({ chain: r.chain, db: r.db, log, libp2p: r.node, relay: r.address })
        .claim({ signal });
      claims.push({ relay: r.address, paid: result.paid, gasUsed: result.gasUsed, transactions: result.transactions });
    } catch (error) {
      l.warn({ relay: r.name, err: error }, "claim failed");
      claims.push({
        relay: r.address,
        paid: 0n,
        gasUsed: 0n,
        transactions: [],
        error: (error as Error).message.split("\n")[0]!,
      });
    }
  }

  const info = await epochInfo(chain);
  const logs = await chain.publicClient.getContractEvents({
    address: chain.deployment.contracts.RelayRegistry,
    abi: relayRegistryAbi,
    eventName: "FaultRecorded",
    fromBlock: chain.deployment.startBlock,
  });
  const faults: SettleOutcome["faults"] = [];
  for (const log of logs) {
    const block = await chain.publicClient.getBlock({ blockNumber: log.blockNumber });
    const args = log.args as { relay: Address; epoch: bigint };
    faults.push({ relay: args.relay, epoch: args.epoch, recordedEpoch: epochAt(info, block.timestamp) });
  }
  return { trafficEpoch, epochsAdvanced, claims, faults, ...(audits ? { audits } : {}) };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Polls `cond` every 500 ms until it holds or `timeoutMs` passes (then carries on: the report shows what settled). */
async function until(signal: AbortSignal, timeoutMs: number, cond: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !signal.aborted) {
    if (await cond().catch(() => false)) return true;
    await pause(500, signal);
  }
  return false;
}
