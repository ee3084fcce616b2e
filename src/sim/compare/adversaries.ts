/**
 * The adversaries of the comparison (docs/compare.md §Adversaries), chosen
 * from the directory by role and layer only (never by scheme), and the
 * statistics that decide whether a scheme leaks: accuracy over seeds with a
 * 95% Student-t interval, and the paired difference to `free` on the same
 * seeds. A scheme leaks to an adversary iff the lower end of that
 * difference's interval is above zero.
 */
import type { Address } from "viem";
import type { DirectoryEntry } from "../../chain/types.js";
import type { Adversary, LinkingResult } from "./linking.js";

/**
 * E1 the recipient's gateway (the first gateway: clients 0, 2, … use it) and one layer-2 mix;
 * E1-reply the same with the chain's logs, guessing who each reply entering there goes to (sender–receiver linking through reply blocks);
 * E2-mix one layer-2 mix alone; E2-order the same mix chaining packets by the order of their slot bytes (spending order);
 * E2-chain entry and exit gateways with the chain's logs;
 * E3 a strategic dropper at that mix telling audit loops from other packets (its classifier's AUC, not an accuracy);
 * E4 a global passive observer of link timings; E4+2 the same with the first mix of layers 1 and 2;
 * E4-n-1 an n−1 attack on one layer-2 mix.
 *
 * @param entries the directory of the workload's epoch.
 * @example
 * const adversaries = standardAdversaries((await net.directory()).entries);
 */
export function standardAdversaries(entries: readonly Pick<DirectoryEntry, "relay" | "role" | "layer">[]): Adversary[] {
  const gateways = entries.filter((e) => e.role === "gateway").map((e) => e.relay);
  const mix = (layer: number) => entries.find((e) => e.role === "mix" && e.layer === layer)?.relay;
  const [g0, g1] = [gateways[0], gateways[1] ?? gateways[0]];
  const [m1, m2] = [mix(1), mix(2)];
  const some = (...xs: (Address | undefined)[]) => [...new Set(xs.filter((x): x is Address => x !== undefined))];
  const out: Adversary[] = [
    {
      id: "E1",
      description: "recipient's gateway + one layer-2 mix (slots, attachments, receipts, reply blocks)",
      relays: some(g0, m2),
      global: false,
      chain: false,
    },
    {
      id: "E1-reply",
      description:
        "recipient's gateway + one layer-2 mix + the chain: who a reply goes to, from the reply block's payment bytes at its first hop",
      relays: some(g0, m2),
      global: false,
      chain: true,
      replyReceiver: true,
    },
    {
      id: "E2-mix",
      description: "one layer-2 mix (its slots, attachments, receipts)",
      relays: some(m2),
      global: false,
      chain: false,
    },
    ...(m2
      ? [
          {
            id: "E2-order",
            description:
              "one layer-2 mix chaining the packets it sees by slot-byte order (spending order): the same sender's previous packet, top-1",
            relays: [m2],
            global: false,
            chain: false,
            spendOrder: m2,
          },
          {
            id: "E2-order-chain",
            description:
              "the same mix's spend-order chains named from the chain's logs (r-th chain to start = r-th client to deposit): top-1 sender",
            relays: [m2],
            global: false,
            chain: true,
            spendOrder: m2,
          },
        ]
      : []),
    {
      id: "E2-chain",
      description: "entry + exit gateways with the chain's deposit and redemption logs",
      relays: some(g0, g1),
      global: false,
      chain: true,
    },
    ...(m2
      ? [
          {
            id: "E3",
            description:
              "strategic dropper at one layer-2 mix: AUC of telling audit loops from other packets by arrival time, previous peer, link age and next hop (0.5 = coin toss; n/a without audits)",
            relays: [m2],
            global: false,
            chain: false,
            dropper: m2,
          },
        ]
      : []),
    { id: "E4", description: "global passive observer of link timings", relays: [], global: true, chain: false },
    {
      id: "E4+2",
      description: "global observer + the first mix of layers 1 and 2",
      relays: some(m1, m2),
      global: true,
      chain: false,
    },
  ];
  if (m2)
    out.push({
      id: "E4-n-1",
      description: "n−1 attack on one layer-2 mix (flood, one honest packet in)",
      relays: [m2],
      global: true,
      chain: false,
      nMinus1: m2,
    });
  return out;
}

/** Adversaries whose figure is an AUC (0.5 = no information) rather than a linking accuracy, and which `free` cannot be measured against (it has no audits). */
export const AUC_ADVERSARIES: ReadonlySet<string> = new Set(["E3"]);

/** A mean with its 95% confidence interval over `n` seeds (low = high = mean when n = 1: no interval). */
export type Interval = { mean: number; low: number; high: number; n: number };

/** Two-sided 95% Student-t quantiles for 1..30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Two-sided 95% Student-t quantile for `df` ≥ 1 degrees of freedom (normal beyond 30). */
export function t95(df: number): number {
  return T95[df - 1] ?? 1.96;
}

/**
 * Mean and 95% interval of a sample (Student t, n − 1 degrees of freedom).
 *
 * @example
 * interval([0.4, 0.5, 0.45]); // { mean: 0.45, low: 0.33, high: 0.57, n: 3 }
 */
export function interval(xs: readonly number[]): Interval {
  const n = xs.length;
  if (n === 0) return { mean: 0, low: 0, high: 0, n: 0 };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { mean, low: mean, high: mean, n };
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, low: mean - half, high: mean + half, n };
}

/** The interval of a proportion, cut to [0, 1] (the t interval of few seeds can overshoot). */
function share(xs: readonly number[]): Interval {
  const x = interval(xs);
  return { ...x, low: Math.max(0, x.low), high: Math.min(1, x.high) };
}

/** One adversary against one scheme over every seed. */
export type LinkingSummary = {
  adversary: string;
  description: string;
  perSeed: (LinkingResult & { seed: string })[];
  /** Over the seeds with at least one target (`accuracy.n` of them). */
  accuracy: Interval;
  pairAccuracy: Interval | null;
  chance: Interval;
  uniform: number;
  /** `free`'s accuracy on the same seeds, and the paired difference (this scheme − free, seed by seed). */
  free: Interval | null;
  diffVsFree: Interval | null;
  /** True iff the difference's interval lies above zero; null without `free` or with one seed. */
  leaks: boolean | null;
};

/** One seed's workload: its results, and the packet-hops relays accepted over it (absent: not counted, taken as carried). */
export type SeedRun = { seed: string; hops?: number; results: readonly LinkingResult[] };

/** A seed whose workload carried less than this share of `free`'s packet-hops on the same seed is a gap, not a figure. */
export const MIN_CARRIED_SHARE = 0.25;

/** Whether a seed's workload was carried: its packet-hops, `free`'s on the same seed, and the verdict. */
export type SeedWorkload = { seed: string; hops: number | null; freeHops: number | null; carried: boolean };

/**
 * Each seed of one scheme against `free`'s packet-hops on the same seed: a
 * workload that carried under {@link MIN_CARRIED_SHARE} of them (clients that
 * could not pay, a network that refused) gives its adversaries almost nothing
 * to see, so its linking figures would measure the gap, not the scheme.
 *
 * @example
 * carriedSeeds([{ seed: "1", hops: 5, results }], [{ seed: "1", hops: 1200, results }]); // [{ …, carried: false }]
 */
export function carriedSeeds(runs: readonly SeedRun[], free: readonly SeedRun[] | null): SeedWorkload[] {
  const freeHops = new Map((free ?? []).map((r) => [r.seed, r.hops ?? null] as const));
  return runs.map((r) => {
    const f = freeHops.get(r.seed) ?? null;
    const hops = r.hops ?? null;
    return { seed: r.seed, hops, freeHops: f, carried: hops === null || f === null || hops >= MIN_CARRIED_SHARE * f };
  });
}

/**
 * Summarises one scheme's per-seed results, against `free`'s on the same seeds when given.
 * Seeds whose workload was not carried ({@link carriedSeeds}) are listed per seed but left out of every interval.
 *
 * @param runs per seed: the seed, its packet-hops and its results, one per adversary.
 * @param free the same for `free` (same seeds), or null.
 * @example
 * const summary = summariseLinking(schemeRuns, freeRuns);
 */
export function summariseLinking(runs: readonly SeedRun[], free: readonly SeedRun[] | null): LinkingSummary[] {
  const ids = [...new Set(runs.flatMap((r) => r.results.map((x) => x.adversary)))];
  const carried = new Set(
    carriedSeeds(runs, free)
      .filter((w) => w.carried)
      .map((w) => w.seed),
  );
  return ids.map((id) => {
    const perSeed = runs.flatMap((r) =>
      r.results.filter((x) => x.adversary === id).map((x) => ({ ...x, seed: r.seed })),
    );
    // A seed where the adversary saw no target, or whose workload was not carried, carries no information: left out, not counted as 0.
    const informative = perSeed.filter((x) => x.targets > 0 && carried.has(x.seed));
    const pairs = informative.filter((x) => x.pairAccuracy !== null).map((x) => x.pairAccuracy!);
    const freeBySeed = new Map(
      (free ?? []).flatMap((r) =>
        r.results.filter((x) => x.adversary === id && x.targets > 0).map((x) => [r.seed, x.accuracy] as const),
      ),
    );
    const paired = informative.filter((x) => freeBySeed.has(x.seed));
    const diff = paired.length ? interval(paired.map((x) => x.accuracy - freeBySeed.get(x.seed)!)) : null;
    return {
      adversary: id,
      description: perSeed[0]?.description ?? id,
      perSeed,
      accuracy: share(informative.map((x) => x.accuracy)),
      pairAccuracy: pairs.length ? share(pairs) : null,
      chance: share(informative.map((x) => x.chance)),
      uniform: perSeed[0]?.uniform ?? 0,
      free: paired.length ? share(paired.map((x) => freeBySeed.get(x.seed)!)) : null,
      diffVsFree: diff,
      leaks: diff && diff.n >= 2 ? diff.low > 0 : null,
    };
  });
}
