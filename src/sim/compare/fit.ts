/**
 * Growth exponents (docs/compare.md §Cost at scale): least squares of
 * log y = a + b·log N over the measured points, with the 95% interval of b
 * (Student t, n − 2 degrees of freedom). With two points b is exact and has
 * no interval; with one there is no fit.
 */
import { t95 } from "./adversaries.js";

/** b of y ∝ N^b, its 95% interval (null with two points), and the points it rests on. */
export type ExponentFit = { exponent: number; low: number | null; high: number | null; points: number };

/**
 * Fits y ∝ N^b.
 *
 * @param points [N, y] pairs with N > 0 and y > 0.
 * @returns the fit, or null with fewer than two distinct N.
 * @example
 * fitExponent([[10, 100], [100, 10_000], [1000, 1_000_000]]); // exponent 2, interval [2, 2]
 */
export function fitExponent(points: readonly (readonly [number, number])[]): ExponentFit | null {
  const xy = points.filter(([n, y]) => n > 0 && y > 0).map(([n, y]) => [Math.log(n), Math.log(y)] as const);
  if (new Set(xy.map(([x]) => x)).size < 2) return null;
  const k = xy.length;
  const mx = xy.reduce((s, [x]) => s + x, 0) / k;
  const my = xy.reduce((s, [, y]) => s + y, 0) / k;
  const sxx = xy.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const b = xy.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  if (k < 3) return { exponent: b, low: null, high: null, points: k };
  const a = my - b * mx;
  const residual = xy.reduce((s, [x, y]) => s + (y - a - b * x) ** 2, 0);
  const se = Math.sqrt(residual / (k - 2) / sxx);
  const half = t95(k - 2) * se;
  return { exponent: b, low: b - half, high: b + half, points: k };
}
