/**
 * On-chain cost at scale (docs/compare.md §Cost model), extrapolated from the
 * gas each operation measurably used in the run. Each scheme's devnet hook
 * puts every one of its operations in one class by what makes it recur
 * (`CostClass`, `SchemeDevnet.costs`):
 * - `hop`: gas per carried packet-hop measured in the run × hops;
 * - `relay`: measured gas ÷ relays measured × N;
 * - `epoch`: once per epoch for the whole network;
 * - `pair`: measured gas ÷ pairs measured × N(N−1), amortised over
 *   `amortiseEpochs` epochs;
 * - `once`: deployments and one-time registrations (not per epoch).
 */
import type { CostClass, SchemeCosts } from "../../schemes/devnet.js";
import type { SchemeName } from "../../schemes/scheme.js";
import type { OperationGas } from "./chain.js";

export type { CostClass } from "../../schemes/devnet.js";

/** Class of an operation: as the scheme declares it; approvals to its contracts by its own rule; anything else one-off. */
export function classOf(costs: SchemeCosts, op: OperationGas): CostClass {
  const known = costs.classes[`${op.contract}.${op.op}`];
  if (known) return known;
  if (op.contract === "ObolToken" && op.op === "approve") return costs.approvals;
  return "once";
}

/** Participant pairs the run opened (calls of the scheme's `pairsFrom` operation). */
export function pairsOpened(costs: SchemeCosts, operations: readonly OperationGas[]): number {
  return operations.filter((x) => `${x.contract}.${x.op}` === costs.pairsFrom).reduce((s, x) => s + x.count, 0);
}

export type ScaleAssumptions = {
  relayCounts: number[];
  /** Packet-hops each relay carries per epoch at the assumed traffic. */
  hopsPerRelayPerEpoch: number;
  epochSeconds: number;
  amortiseEpochs: number;
  /** For the capacity column: gas per block and block time of the reference chain. */
  blockGasLimit: number;
  blockSeconds: number;
};

export type ScaleRow = {
  scheme: SchemeName;
  relays: number;
  gasPerEpoch: number;
  gasPerHop: number;
  shareOfChainCapacity: number;
  byClass: Record<CostClass, number>;
};

/**
 * Extrapolates one scheme's measured operations to each relay count.
 *
 * @param measured.operations gas per operation from the run's receipts.
 * @param measured.relays relays in the run; `pairs` channel pairs opened; `hops` packet-hops carried.
 * @returns one row per relay count.
 * @example
 * scaleCost(name, devnet.costs, { operations, relays: 11, pairs: 0, hops: 5000 }, assumptions);
 */
export function scaleCost(
  scheme: SchemeName,
  costs: SchemeCosts,
  measured: { operations: readonly OperationGas[]; relays: number; pairs: number; hops: number },
  a: ScaleAssumptions,
): ScaleRow[] {
  const sums: Record<CostClass, number> = { hop: 0, relay: 0, epoch: 0, pair: 0, once: 0 };
  for (const op of measured.operations) sums[classOf(costs, op)] += Number(op.gasUsed);
  const perHop = measured.hops > 0 ? sums.hop / measured.hops : 0;
  const perRelay = measured.relays > 0 ? sums.relay / measured.relays : 0;
  const perPair = measured.pairs > 0 ? sums.pair / measured.pairs : 0;
  const capacity = a.blockGasLimit * (a.epochSeconds / a.blockSeconds);
  return a.relayCounts.map((n) => {
    const byClass: Record<CostClass, number> = {
      hop: perHop * n * a.hopsPerRelayPerEpoch,
      relay: perRelay * n,
      epoch: sums.epoch,
      pair: (perPair * n * (n - 1)) / a.amortiseEpochs,
      once: 0,
    };
    const gasPerEpoch = byClass.hop + byClass.relay + byClass.epoch + byClass.pair;
    return {
      scheme,
      relays: n,
      gasPerEpoch,
      gasPerHop: gasPerEpoch / (n * a.hopsPerRelayPerEpoch),
      shareOfChainCapacity: gasPerEpoch / capacity,
      byClass,
    };
  });
}
