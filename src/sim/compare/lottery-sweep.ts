/**
 * Win probability against gas and payout variance, measured on the chain
 * (docs/compare.md §Win-probability sweep). For each scheme that pays by
 * lottery (`SchemeDevnet.lottery`), the real relays and contracts run the
 * same small workload at each win probability p, spread over several epochs,
 * on a fresh chain; from the receipts come the steady gas per 1,000 paid
 * hops (everything after setup: the workload, its epoch turns, settlement)
 * with setup shown apart, and from the payout transfers the observed σ/μ of
 * a mix's pay per epoch. The binomial model √((1 − p)/(p·H)) at the
 * measured H stays beside it, so a reader sees both.
 */
import type { Address } from "viem";
import type { Logger } from "../../log.js";
import type { SchemeName } from "../../schemes/scheme.js";
import type { SchemeDevnet } from "../../schemes/devnet.js";
import { cv, runScheme, type EpochPayout } from "./scheme-run.js";

export type MeasuredSweepRow = {
  scheme: string;
  /** Win probability deployed (the scheme rounds the requested one to what it can express). */
  winProbability: number;
  /** Packet-hops accepted from the workload's start to the end of settlement, and the epochs that spans. */
  hops: number;
  epochs: number;
  /** Scheme gas after setup, and per 1,000 of those hops (null without hops). */
  steadyGas: number;
  gasPer1000Hops: number | null;
  /** One-time scheme gas before the workload (deployment, channel openings, purchases, registrations). */
  setupGas: number;
  /** Payout transfers after setup (wins paid). */
  payouts: number;
  /** Mean packet-hops a mix accepted per traffic epoch (H of the model). */
  hopsPerMixPerEpoch: number | null;
  /** σ/μ of a mix's pay per epoch over (mix, epoch) cells of the run, zeros included; null when nothing was paid. */
  payoutCv: number | null;
  /** √((1 − p)/(p·H)) at the measured H. */
  modelCv: number | null;
  /** The steady operations by gas, largest first (what dominates). */
  operations: { op: string; count: number; gasUsed: number }[];
  /** Set when the run failed (the other figures are then zero). */
  error?: string;
};

/**
 * σ/μ of pay per relay per epoch: one cell per (relay, epoch), zeros included.
 *
 * @example
 * payCv(payouts, ["0xa…", "0xb…"], 3n, 5n);
 */
export function payCv(
  payouts: readonly EpochPayout[],
  relays: readonly Address[],
  first: bigint,
  last: bigint,
): number | null {
  const cells = new Map<string, number>();
  for (const r of relays) for (let e = first; e <= last; e++) cells.set(`${r.toLowerCase()}/${e}`, 0);
  for (const p of payouts) {
    const key = `${p.relay.toLowerCase()}/${p.epoch}`;
    if (cells.has(key)) cells.set(key, cells.get(key)! + Number(p.value));
  }
  return cv([...cells.values()]);
}

/** The binomial model: a relay paid for H hops each winning with probability p. */
export function modelCv(p: number, hops: number): number | null {
  return hops > 0 ? Math.sqrt((1 - p) / (p * hops)) : null;
}

export type LotterySweepOptions = {
  scheme: SchemeName;
  devnet: SchemeDevnet;
  probabilities: readonly number[];
  /** Epochs the workload spans (≥ 3 for a steady state). */
  epochs: number;
  durationS: number;
  seed: string;
  gateways: number;
  mixesPerLayer: number;
  clients: number;
  messagesPerS: number;
  relayLoopPerS: number;
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  onStep?: (step: string) => void;
};

/**
 * Runs the scheme at each win probability and measures it.
 *
 * @returns one row per probability (a failed run is a row with `error`).
 * @example
 * const rows = await sweepLottery({ scheme, devnet, probabilities: devnet.lottery!.probabilities, epochs: 3, … });
 */
export async function sweepLottery(o: LotterySweepOptions): Promise<MeasuredSweepRow[]> {
  const lottery = o.devnet.lottery;
  if (!lottery) return [];
  const rows: MeasuredSweepRow[] = [];
  for (const p of o.probabilities) {
    o.signal.throwIfAborted();
    const at = lottery.at(p, o.epochs);
    const tag = `p = ${formatP(at.probability)}: `;
    try {
      const { run, epochPayouts } = await runScheme({
        scheme: o.scheme,
        devnet: at.devnet,
        wrapScheme: at.wrap,
        trafficEpochs: o.epochs,
        dataDir: `${o.dataDir}/p${formatP(at.probability).replace(/[^0-9a-z]/gi, "_")}`,
        durationS: o.durationS,
        seed: o.seed,
        gateways: o.gateways,
        mixesPerLayer: o.mixesPerLayer,
        clients: o.clients,
        messagesPerS: o.messagesPerS,
        relayLoopPerS: o.relayLoopPerS,
        dropFraction: 0,
        log: o.log,
        signal: o.signal,
        onStep: (step) => o.onStep?.(tag + step),
      });
      const steady = run.gas.steady;
      const mixes = run.relays.filter((r) => r.role === "mix");
      const h = mixes.length ? mixes.reduce((s, r) => s + r.acceptedInWorkload, 0) / mixes.length / o.epochs : null;
      const first = epochPayouts.first;
      rows.push({
        scheme: o.scheme,
        winProbability: at.probability,
        hops: steady?.hops ?? 0,
        epochs: steady?.epochs ?? 0,
        steadyGas: steady?.gas ?? 0,
        gasPer1000Hops: steady?.per1000Hops ?? null,
        setupGas: run.gas.setup,
        payouts: steady?.payouts ?? 0,
        hopsPerMixPerEpoch: h,
        payoutCv:
          first === null
            ? null
            : payCv(
                epochPayouts.payouts,
                mixes.map((r) => r.address as Address),
                first,
                epochPayouts.last,
              ),
        modelCv: h === null ? null : modelCv(at.probability, h),
        operations: (steady?.operations ?? []).map((x) => ({
          op: `${x.contract}.${x.op}`,
          count: x.count,
          gasUsed: x.gasUsed,
        })),
      });
    } catch (error) {
      if (o.signal.aborted) throw error;
      o.log.error({ err: error, scheme: o.scheme, p }, "lottery sweep run failed");
      rows.push({
        scheme: o.scheme,
        winProbability: at.probability,
        hops: 0,
        epochs: 0,
        steadyGas: 0,
        gasPer1000Hops: null,
        setupGas: 0,
        payouts: 0,
        hopsPerMixPerEpoch: null,
        payoutCv: null,
        modelCv: null,
        operations: [],
        error: (error as Error).message.split("\n")[0]!,
      });
    }
  }
  return rows;
}

/** 1, 1/8, 1/64 … for powers of two; else the decimal. */
export function formatP(p: number): string {
  const k = -Math.log2(p);
  return p === 1 ? "1" : Number.isInteger(k) ? `1/${2 ** k}` : String(p);
}
