/** Small statistics helpers for devnet and comparison reports. */

/**
 * The p-th percentile (nearest-rank) of a sample.
 *
 * @param values the sample (not modified).
 * @param p percentile in [0, 100].
 * @returns the value, or NaN for an empty sample.
 * @example
 * percentile([5, 1, 3], 50); // 3
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** p50 / p95 / p99 of a latency sample (ms). */
export function latencySummary(values: readonly number[]): { count: number; p50: number; p95: number; p99: number } {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
  };
}
