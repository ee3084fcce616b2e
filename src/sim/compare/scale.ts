/**
 * On-chain cost at scale (docs/compare.md §Cost model), built from the scale
 * probe's measurements: per operation, gas per call at N as the probe
 * measured it, times calls per epoch at N. No operation's growth is assumed:
 * - gas per call at a probed N is the one measured there; beyond the largest
 *   N where the operation ran, it follows that operation's fitted exponent;
 * - calls per epoch are the probe's at N (fitted likewise beyond it), except
 *   for operations the probe only samples (`SchemeDevnet.sampled`), whose count
 *   comes from the main run scaled by a printed parameter (`ScaleCount`).
 */
import type { ScaleCount } from "../../schemes/devnet.js";
import type { SchemeName } from "../../schemes/scheme.js";
import { fitExponent } from "./fit.js";
import type { OperationGrowth } from "./scale-probe.js";

/** Every input of the model that is not a measurement, printed in the report. */
export type ScaleParameters = {
  /** Relay counts the model reports: the probed N, then larger ones extrapolated by the fitted exponents. */
  relayCounts: number[];
  clientsPerRelay: number;
  /** Packets per second per client (λP + λL + λD) and hops per packet. */
  packetsPerClientPerS: number;
  hopsPerPacket: number;
  epochSeconds: number;
  /** H: packet-hops each relay carries per epoch = clients per relay × packets/s × hops × epoch. */
  hopsPerRelayPerEpoch: number;
  /** For the capacity column: gas per block and block time of the reference chain. */
  blockGasLimit: number;
  blockSeconds: number;
};

/** One operation's part of a scheme's epoch at N. */
export type ScaleOperation = {
  op: string;
  gasPerCall: number;
  callsPerEpoch: number;
  gasPerEpoch: number;
  /** Where the count came from: the probe at N, or the run scaled by `hop`/`relay` (`ScaleCount`). */
  countFrom: "probe" | ScaleCount;
  /** Gas per call (or the probe's count) beyond the largest N the operation ran at, by its fitted exponent. */
  extrapolated: boolean;
  /** The smallest probed N ≤ this N where the operation failed (a call above the block gas limit, say), or null. */
  failedAt: number | null;
};

export type ScaleRow = {
  scheme: SchemeName;
  relays: number;
  gasPerEpoch: number;
  gasPerHop: number;
  shareOfChainCapacity: number;
  /** Some operation's figure at this N is extrapolated rather than measured. */
  extrapolated: boolean;
  operations: ScaleOperation[];
  /** Operations the model leaves out at this N: measured at fewer than two N beyond the largest probed one. */
  unfitted: string[];
};

/** What the main run measured for the count of sampled operations. */
export type RunCounts = { calls: ReadonlyMap<string, number>; hops: number; relays: number };

/** Value of a power law through (n0, y0) with exponent b, at n. */
const along = (y0: number, n0: number, b: number, n: number) => y0 * (n / n0) ** b;

/**
 * One scheme's gas per epoch at each relay count, from its measured growth.
 *
 * @param growth per operation, the probe's points and fits (`measureScale`).
 * @param sampled the scheme's sampled operations and where their counts come from.
 * @param run the main run's calls per operation, packet-hops and relays.
 * @returns one row per relay count of `p`.
 * @example
 * scaleCost(name, growth, devnet.sampled ?? {}, { calls, hops: 5000, relays: 11 }, parameters);
 */
export function scaleCost(
  scheme: SchemeName,
  growth: readonly OperationGrowth[],
  sampled: Readonly<Record<string, ScaleCount>>,
  run: RunCounts,
  p: ScaleParameters,
): ScaleRow[] {
  const capacity = p.blockGasLimit * (p.epochSeconds / p.blockSeconds);
  return p.relayCounts.map((n) => {
    const operations: ScaleOperation[] = [];
    const unfitted: string[] = [];
    for (const g of growth) {
      const ran = g.points.filter((x) => x.gasPerEpoch !== null && x.calls > 0);
      const at = ran.find((x) => x.relays === n);
      const last = ran.at(-1);
      const failedAt = g.points.find((x) => x.failed !== null && x.relays <= n)?.relays ?? null;
      const extrapolated = !at;
      if (!last || (!at && (g.perCall === null || n < last.relays))) {
        unfitted.push(g.op);
        continue;
      }
      const base = at ?? last;
      const gasPerCall = at
        ? at.gasPerEpoch! / at.calls
        : along(last.gasPerEpoch! / last.calls, last.relays, g.perCall!.exponent, n);
      const countFrom = sampled[g.op] ?? "probe";
      let callsPerEpoch: number;
      if (countFrom === "hop")
        callsPerEpoch = run.hops > 0 ? ((run.calls.get(g.op) ?? 0) / run.hops) * p.hopsPerRelayPerEpoch * n : 0;
      else if (countFrom === "relay")
        callsPerEpoch = run.relays > 0 ? ((run.calls.get(g.op) ?? 0) / run.relays) * n : 0;
      else if (at) callsPerEpoch = at.calls;
      else {
        // Two N at least (perCall is fitted), so the count's exponent is fitted too.
        const calls = fitExponent(ran.map((x) => [x.relays, x.calls]))!;
        callsPerEpoch = along(base.calls, base.relays, calls.exponent, n);
      }
      operations.push({
        op: g.op,
        gasPerCall,
        callsPerEpoch,
        gasPerEpoch: gasPerCall * callsPerEpoch,
        countFrom,
        extrapolated,
        failedAt,
      });
    }
    const gasPerEpoch = operations.reduce((s, o) => s + o.gasPerEpoch, 0);
    return {
      scheme,
      relays: n,
      gasPerEpoch,
      gasPerHop: gasPerEpoch / (n * p.hopsPerRelayPerEpoch),
      shareOfChainCapacity: gasPerEpoch / capacity,
      extrapolated: operations.some((o) => o.extrapolated),
      operations,
      unfitted,
    };
  });
}
