/**
 * Settlement after the workload (docs/compare.md §Settlement): schemes that
 * pay only after later epochs (the secret shopper: loops in E, commitments
 * in E+1, beacon and reveals in E+2, proofs, finalisation) get the chain moved
 * through that timeline while relays and auditors keep running. The audit
 * epoch E itself is entered halfway through the workload (`auditEpochDuringTraffic`),
 * so audit loops travel with client packets and a dropper is judged on
 * an epoch with user traffic; then every
 * relay claims once more (the devnet already claimed once, right after the
 * traffic; a second claim of the same credit pays nothing). Fault records
 * against relays are read back, with the epoch they were recorded in.
 */
import type { Address, Hex } from "viem";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { advanceDevChainToEpoch, currentEpoch, epochAt, epochInfo } from "../../chain/epochs.js";
import { forComponent, type Logger } from "../../log.js";
import type { SchemeName } from "../../schemes/scheme.js";
import type { ChainClients } from "../../chain/types.js";
import type { RunningNetwork } from "../network.js";

export type SettleOutcome = {
  /** Epoch the workload ran in. */
  trafficEpoch: bigint;
  /** Epochs the chain was moved forward after the workload to settle. */
  epochsAdvanced: number;
  /** Claims run here, per relay (sum over the devnet's claim and this one comes from Transfer events). */
  claims: { relay: Address; paid: bigint; gasUsed: bigint; transactions: Hex[]; error?: string }[];
  /** FaultRecorded events: the epoch the fault happened in and the epoch of the block that recorded it. */
  faults: { relay: Address; epoch: bigint; recordedEpoch: bigint }[];
  /** Secret shopper only: audited loops and how many were paid (complete). */
  audits?: { revealed: number; paid: number };
};

/**
 * Whether a deployment audits in the epoch after the one its keys were set
 * in (it has the secret-shopper audit contract): such schemes get that epoch
 * entered halfway through the workload.
 */
export function auditsNextEpoch(chain: ChainClients): boolean {
  return chain.deployment.contracts.ShopperAudit !== undefined;
}

/**
 * Enters the epoch after the current one mid-workload, for deployments that
 * audit in it (`auditsNextEpoch`).
 *
 * @returns the epoch entered, or undefined when the deployment needs none.
 */
export async function enterAuditEpoch(chain: ChainClients): Promise<bigint | undefined> {
  if (!auditsNextEpoch(chain)) return undefined;
  const next = (await currentEpoch(chain)) + 1n;
  await advanceDevChainToEpoch(chain, next);
  return next;
}

/**
 * Runs the scheme's settlement timeline and the final claims.
 *
 * @param net the running network (relays still up).
 * @param parameters.scheme scheme name (selects the timeline).
 * @returns claims, fault records, epochs used.
 * @example
 * const outcome = await settleRun(net, { scheme: "shopper", log, signal });
 */
export async function settleRun(
  net: RunningNetwork,
  { scheme, log, signal, onStep = () => {}, auditEpoch }: { scheme: SchemeName; log: Logger; signal: AbortSignal; onStep?: (step: string) => void; /** Set when the audit epoch was entered during the workload. */ auditEpoch?: bigint | undefined },
): Promise<SettleOutcome> {
  const l = forComponent(log, "obol:compare:settle");
  const chain = net.deployer;
  const trafficEpoch = auditEpoch !== undefined ? auditEpoch - 1n : await currentEpoch(chain);
  let epochsAdvanced = 0;
  let audits: SettleOutcome["audits"];
  if (scheme === "shopper") {
    const shopper = chain.deployment.contracts.ShopperAudit!;
    const read = <T>(functionName: string, args: unknown[]) =>
      chain.publicClient.readContract({ address: shopper, abi: shopperAuditAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
    const E = trafficEpoch + 1n; // VRF keys registered at setup are in force from here
    const step = async (epoch: bigint, what: string) => {
      onStep(`settling: epoch ${epoch} (${what})`);
      await advanceDevChainToEpoch(chain, epoch);
      epochsAdvanced++;
    };
    if (auditEpoch === undefined) {
      await step(E, "auditors send verifiable loops");
      await pause(10_000, signal);
    } else epochsAdvanced++; // entered during the workload: the auditors' loops ran alongside client traffic
    await step(E + 1n, "relays commit their replay-tag roots");
    await until(signal, 30_000, async () => {
      for (const r of net.relays) if ((await read<readonly [Hex, bigint]>("commitment", [E, r.address]))[1] === 0n) return false;
      return true;
    });
    await step(E + 2n, "beacon, reveals");
    const { revealedLoops } = await import("../../schemes/shopper/chain.js");
    await until(signal, 30_000, async () => (await revealedLoops(chain, E)).length > 0);
    await pause(8_000, signal);
    await step(E + 3n, "inclusion proofs");
    await pause(5_000, signal);
    await step(E + 4n, "finalisation");
    const loops = await revealedLoops(chain, E);
    await until(signal, 30_000, async () => {
      for (const loop of loops) if ((await read<{ status: number }>("audit", [loop.auditId])).status === 1) return false;
      return true;
    });
    let paid = 0;
    for (const loop of loops) if ((await read<{ status: number }>("audit", [loop.auditId])).status === 2) paid++;
    audits = { revealed: loops.length, paid };
  }

  onStep("relays claim what settlement credited");
  const claims: SettleOutcome["claims"] = [];
  for (const r of net.relays) {
    try {
      const result = await net.scheme.settle({ chain: r.chain, db: r.db, log, libp2p: r.node, relay: r.address }).claim({ signal });
      claims.push({ relay: r.address, paid: result.paid, gasUsed: result.gasUsed, transactions: result.transactions });
    } catch (error) {
      l.warn({ relay: r.name, err: error }, "claim failed");
      claims.push({ relay: r.address, paid: 0n, gasUsed: 0n, transactions: [], error: (error as Error).message.split("\n")[0]! });
    }
  }

  const info = await epochInfo(chain);
  const logs = await chain.publicClient.getContractEvents({ address: chain.deployment.contracts.RelayRegistry, abi: relayRegistryAbi, eventName: "FaultRecorded", fromBlock: chain.deployment.startBlock });
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
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
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
