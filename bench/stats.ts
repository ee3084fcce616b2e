/**
 * Interval estimates for the bench's counted figures (bench/shopper-classifier.bench.ts):
 * Student t for means over a few seeds, Wilson for proportions, Newcombe and
 * Fisher for the difference of two proportions, and a seeded parametric
 * bootstrap for the difference of two reciprocals (epochs to catch = 1 / p).
 */
import { seededRandom } from "./channels-mutants.js";

/** Student t 97.5% quantiles for 1 … 10 degrees of freedom (1.96 beyond): few seeds need the wide interval. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

/** Mean and 95% t-interval. */
export function meanCi(xs: readonly number[]) {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
  const t = T975[xs.length - 2] ?? 1.96;
  return { m, lo: m - (t * sd) / Math.sqrt(xs.length), hi: m + (t * sd) / Math.sqrt(xs.length) };
}

/** Wilson 95% score interval of k successes in n trials. */
export function wilson(k: number, n: number) {
  const z = 1.96;
  const p = k / n;
  const c = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const h = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { p, lo: Math.max(0, c - h), hi: Math.min(1, c + h) };
}

const logFact = (n: number) => {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
};

/** Two-sided Fisher exact test of k1/n1 against k2/n2 (sum of tables no likelier than the observed one). */
export function fisherTwoSided(k1: number, n1: number, k2: number, n2: number): number {
  const K = k1 + k2;
  const N = n1 + n2;
  const logP = (a: number) =>
    logFact(K) +
    logFact(N - K) +
    logFact(n1) +
    logFact(n2) -
    logFact(N) -
    logFact(a) -
    logFact(K - a) -
    logFact(n1 - a) -
    logFact(n2 - K + a);
  const observed = logP(k1);
  let p = 0;
  for (let a = Math.max(0, K - n2); a <= Math.min(K, n1); a++) {
    const l = logP(a);
    if (l <= observed + 1e-9) p += Math.exp(l);
  }
  return Math.min(1, p);
}

/** Newcombe's 95% interval of p1 − p2 from the two Wilson intervals. */
export function newcombe(k1: number, n1: number, k2: number, n2: number) {
  const a = wilson(k1, n1);
  const b = wilson(k2, n2);
  const d = a.p - b.p;
  return {
    d,
    lo: d - Math.sqrt((a.p - a.lo) ** 2 + (b.hi - b.p) ** 2),
    hi: d + Math.sqrt((a.hi - a.p) ** 2 + (b.p - b.lo) ** 2),
  };
}

/**
 * 95% percentile interval of n1/k1 − n2/k2 (epochs to catch, 1 / p) by a
 * seeded parametric bootstrap: k ~ Binomial(n, k/n) drawn 4,000 times; a draw
 * with k = 0 counts as n + 1 epochs (never caught in the run).
 */
export function reciprocalDiffCi(k1: number, n1: number, k2: number, n2: number) {
  const random = seededRandom(0x5eed);
  const binomial = (n: number, p: number) => {
    let k = 0;
    for (let i = 0; i < n; i++) if (random() < p) k++;
    return k;
  };
  const epochs = (k: number, n: number) => (k === 0 ? n + 1 : n / k);
  const draws = Array.from(
    { length: 4000 },
    () => epochs(binomial(n1, k1 / n1), n1) - epochs(binomial(n2, k2 / n2), n2),
  ).sort((a, b) => a - b);
  return { d: epochs(k1, n1) - epochs(k2, n2), lo: draws[99]!, hi: draws[3899]! };
}
