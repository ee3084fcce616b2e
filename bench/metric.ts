/** One benchmark figure, printed as one JSON line by `npm run bench -- --json`. */
export type Metric = { metric: string; value: number; unit: string; note?: string };

export type BenchOptions = {
  /** Shorter runs (CI smoke); figures are noisier but the same shape. */
  quick: boolean;
};

/** A benchmark module: `bench/<area>.bench.ts` exporting `run`. */
export type BenchModule = { run(options: BenchOptions): Promise<Metric[]> };

/** Runs `fn` repeatedly for about `ms` milliseconds and returns operations per second. */
export function opsPerSecond(fn: () => void, ms: number): number {
  for (let i = 0; i < 50; i++) fn(); // warm the JIT before timing
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 64; i++) fn();
    n += 64;
    elapsed = performance.now() - start;
  }
  return (n / elapsed) * 1000;
}
