/**
 * Win probability against payout variance (docs/compare.md §Win-probability
 * sweep): what lower gas costs a relay in income variance. If each paid hop
 * is a lottery ticket that wins with probability p and pays v/p, a relay
 * carrying H hops per epoch wins Binomial(H, p) times: its pay per epoch has
 * σ/μ = √((1 − p) / (p·H)), and the chain sees p·H payouts, each at the gas
 * one payout measurably cost in the run (steady gas ÷ token transfers from
 * the scheme's contracts). Deterministic payment is p = 1. The one measured
 * input is the gas per payout; H is the scale model's traffic parameter.
 */
export type SweepRow = { scheme: string; winProbability: number; gasPer1000Hops: number; payoutCv: number };

export const WIN_PROBABILITIES = [1, 0.1, 0.01, 0.001, 0.0001] as const;

/**
 * One row per (scheme, win probability).
 *
 * @param gasPerPayout measured steady gas per payout transfer, per scheme.
 * @param hopsPerRelayPerEpoch H.
 * @example
 * sweep([{ scheme: run.scheme, gasPerPayout: 60_000 }], 540_000);
 */
export function sweep(
  gasPerPayout: readonly { scheme: string; gasPerPayout: number }[],
  hopsPerRelayPerEpoch: number,
): SweepRow[] {
  return gasPerPayout.flatMap(({ scheme, gasPerPayout: g }) =>
    WIN_PROBABILITIES.map((p) => ({
      scheme,
      winProbability: p,
      gasPer1000Hops: 1000 * p * g,
      payoutCv: Math.sqrt((1 - p) / (p * hopsPerRelayPerEpoch)),
    })),
  );
}
