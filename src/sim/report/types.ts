/**
 * Shape of `report.json` (schema: `report.schema.json`, docs/compare.md).
 * Token amounts are decimal strings (they exceed 2^53); gas and counts are
 * numbers (a run's gas stays far below 2^53).
 */
import type { SchemeName } from "../../schemes/scheme.js";
import type { LinkingSummary, SeedWorkload } from "../compare/adversaries.js";
import type { AttackRow } from "../compare/attacks.js";
import type { ScaleParameters, ScaleRow } from "../compare/scale.js";
import type { OperationGrowth } from "../compare/scale-probe.js";
import type { SweepRow } from "../compare/sweep.js";
import type { MeasuredSweepRow } from "../compare/lottery-sweep.js";

export type Percentiles = { count: number; p50: number | null; p95: number | null; p99: number | null };

export type RelayRow = {
  name: string;
  address: string;
  role: string;
  /** Packets this relay accepted (paid checks passed) and forwarded / delivered. */
  accepted: number;
  /** Of those, accepted while the workload ran (before any settlement epoch). */
  acceptedInWorkload: number;
  forwarded: number;
  delivered: number;
  /** Token units the scheme's contracts transferred to this relay (Transfer events, queried by filter). */
  paid: string;
  /** The same, summed from the Transfer logs in the receipts of every transaction of the run (must equal `paid`). */
  paidInReceipts: string;
  /** What this relay's `claim()` calls reported as paid (≤ `paid`: relays may also redeem on their own epoch loop). */
  claimReported: string;
  dropper: boolean;
};

export type SchemeRun = {
  scheme: SchemeName;
  status: "ok";
  wallSeconds: number;
  messages: { sent: number; delivered: number };
  replies: { sent: number; received: number };
  latency: Percentiles;
  latencySamples: number[];
  /** Packet-hops relays accepted while the workload ran (every one carried a payment slot): the denominator of gas per 1,000 hops. */
  hops: number;
  gas: {
    scheme: number;
    common: number;
    schemeTransactions: number;
    per1000Hops: number | null;
    operations: { contract: string; op: string; count: number; gasUsed: number; mean: number }[];
    /** Scheme gas mined before the workload began: deployment and one-time setup. */
    setup: number;
    /**
     * Steady state: scheme gas mined from the workload's first block on (the workload, its epochs, settlement, claims)
     * per packet-hop accepted over the same span; null when the workload's start was not observed.
     */
    steady: {
      fromBlock: number;
      gas: number;
      transactions: number;
      hops: number;
      epochs: number;
      per1000Hops: number | null;
      /** Token transfers the scheme's contracts made in the steady blocks, and steady gas per transfer (the price of one payout). */
      payouts: number;
      gasPerPayout: number | null;
      operations: { contract: string; op: string; count: number; gasUsed: number; mean: number }[];
    } | null;
  };
  bytes: { slot: number; attachment: number; receipt: number; perPacket: number; perPacketMeasured: number | null };
  relayCpu: {
    perHopUs: number | null;
    onPacketUs: number | null;
    receiptUs: number | null;
    onReceiptUs: number | null;
  };
  client: { payCalls: number; payUs: number | null };
  payouts: {
    total: string;
    inReceipts: string;
    claimReported: string;
    consistent: boolean;
    fairness: { honestCv: number | null; correlation: number | null };
  };
  relays: RelayRow[];
  dropper: {
    relay: string;
    dropFraction: number;
    injectedDrops: number;
    payoutPerHop: number | null;
    honestPayoutPerHop: number | null;
    /** 1 − dropper's pay per accepted hop ÷ honest mixes' mean; null when nobody is paid. */
    loss: number | null;
    caught: boolean;
    faults: number;
    /** Epochs between the traffic epoch and the block that recorded the first fault. */
    caughtAfterEpochs: number | null;
  };
  /** Each adversary's accuracy over every seed, against `free` on the same seeds. */
  linking: LinkingSummary[];
  /**
   * Per seed, the packet-hops its workload carried and `free`'s on the same seed; a seed not `carried` (under a
   * quarter of free's) is a named gap: its linking results are listed but left out of every interval.
   */
  workloads: SeedWorkload[];
  settlement: {
    trafficEpoch: number;
    epochsAdvanced: number;
    audits: { revealed: number; paid: number } | null;
    claimErrors: string[];
  };
};

export type SchemeNotRun = { scheme: SchemeName; status: "not-run"; reason: string };

export type ChartRef = { file: string; title: string; caption: string };

export type CompareReport = {
  version: 1;
  createdAt: string;
  seed: string;
  /** Every seed the adversaries ran on (the first is also the one every other figure comes from). */
  seeds: string[];
  durationS: number;
  topology: { gateways: number; mixesPerLayer: number; clients: number };
  chain: { rpcUrl: string | null; epochSeconds: number };
  workload: {
    messagesPerS: number;
    payloadPerS: number;
    loopPerS: number;
    dropPerS: number;
    meanDelayMs: number;
    relayLoopPerS: number;
  };
  schemes: (SchemeRun | SchemeNotRun)[];
  /** The economic attacks each scheme declares, run on a fresh chain (docs/compare.md §Attack scenarios). */
  attacks: AttackRow[];
  /**
   * `measured`: N relays registered on a fresh chain per N, one epoch of each
   * scheme's recurring transactions, fitted exponents (§Cost at scale);
   * `rows`: gas per epoch at each N built from those measurements and the
   * run's counts (§Cost model), with every other input in `parameters`.
   */
  scale: { parameters: ScaleParameters; rows: ScaleRow[]; measured: MeasuredScale };
  /** Win probability against payout variance (docs/compare.md §Win-probability sweep): a model on each scheme's measured gas per payout. */
  sweep: {
    hopsPerRelayPerEpoch: number;
    rows: SweepRow[];
    /** The same sweep run on the chain: each lottery scheme's real relays and contracts at each p (absent when not run). */
    measured?: { epochs: number; durationS: number; rows: MeasuredSweepRow[] };
  };
  conclusions: string[];
  charts: ChartRef[];
};

/** Cost at scale as measured (empty `schemes` when not run: `obol compare --scale none`). */
export type MeasuredScale = {
  relayCounts: number[];
  schemes: {
    scheme: SchemeName;
    seconds: number;
    growth: OperationGrowth[];
    unprobed: { op: string; why: string }[];
  }[];
};
