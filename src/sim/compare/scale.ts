/**
 * On-chain cost at scale (docs/compare.md §Cost model), extrapolated from the
 * gas each operation measurably used in the run. Every scheme operation falls
 * in one class, by what makes it recur:
 * - `hop`: recurs with traffic (redeeming tickets, buying tokens, redeeming
 *   tokens): gas per carried packet-hop measured in the run × hops;
 * - `relay`: recurs once per relay per epoch (commitments, claims, audit
 *   steps, channel top-ups): measured gas ÷ relays measured × N;
 * - `epoch`: once per epoch for the whole network (beacons, directory
 *   snapshots);
 * - `pair`: one per pair of participants that must hold a channel (the
 *   channel mesh: opening and approving), amortised over `amortiseEpochs`
 *   epochs: measured gas ÷ pairs measured × N(N−1);
 * - `once`: deployments and one-time registrations (not per epoch).
 */
import type { SchemeName } from "../../schemes/scheme.js";
import type { OperationGas } from "./chain.js";

export type CostClass = "hop" | "relay" | "epoch" | "pair" | "once";

/** Which class each measured operation belongs to (docs/compare.md lists the reasons). */
export const OPERATION_CLASS: Record<string, CostClass> = {
  "PaymentChannels.redeemTicket": "hop",
  "PaymentChannels.redeemTickets": "hop",
  "PaymentChannels.fundChannel": "relay",
  "PaymentChannels.openChannel": "pair",
  "PaymentChannels.initiateClosure": "pair",
  "PaymentChannels.finalizeClosure": "pair",
  "PaymentChannels.closeByDestination": "pair",
  "TicketBank.deposit": "hop",
  "TicketBank.redeem": "hop",
  "TicketBank.reclaim": "hop",
  "TicketBank.setBeacon": "epoch",
  "ShopperAudit.commit": "relay",
  "ShopperAudit.claim": "relay",
  "ShopperAudit.reveal": "relay",
  "ShopperAudit.proveHops": "relay",
  "ShopperAudit.finalize": "relay",
  "ShopperAudit.dispute": "relay",
  "ShopperAudit.requestBeacon": "epoch",
  "ShopperAudit.fixBeacon": "epoch",
  "ShopperAudit.snapshotDirectory": "epoch",
};

/** Class of an operation; approvals follow the scheme's mesh for channels, else are one-off. */
export function classOf(scheme: SchemeName, op: OperationGas): CostClass {
  const known = OPERATION_CLASS[`${op.contract}.${op.op}`];
  if (known) return known;
  if (op.contract === "ObolToken" && op.op === "approve") return scheme === "channels" ? "pair" : "once";
  return "once";
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

export type ScaleRow = { scheme: SchemeName; relays: number; gasPerEpoch: number; gasPerHop: number; shareOfChainCapacity: number; byClass: Record<CostClass, number> };

/**
 * Extrapolates one scheme's measured operations to each relay count.
 *
 * @param measured.operations gas per operation from the run's receipts.
 * @param measured.relays relays in the run; `pairs` channel pairs opened; `hops` packet-hops carried.
 * @returns one row per relay count.
 * @example
 * scaleCost("tickets", { operations, relays: 11, pairs: 0, hops: 5000 }, assumptions);
 */
export function scaleCost(scheme: SchemeName, measured: { operations: readonly OperationGas[]; relays: number; pairs: number; hops: number }, a: ScaleAssumptions): ScaleRow[] {
  const sums: Record<CostClass, number> = { hop: 0, relay: 0, epoch: 0, pair: 0, once: 0 };
  for (const op of measured.operations) sums[classOf(scheme, op)] += Number(op.gasUsed);
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
    return { scheme, relays: n, gasPerEpoch, gasPerHop: gasPerEpoch / (n * a.hopsPerRelayPerEpoch), shareOfChainCapacity: gasPerEpoch / capacity, byClass };
  });
}
