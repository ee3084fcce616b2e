/**
 * CPU clocks for the rate figures. `process.cpuUsage()` counts every thread
 * of the process: V8's background compilers (WebAssembly tier-up), its GC
 * helpers and Hardhat's chain threads too, which inflates a round's CPU time
 * by 2–30 % early in a run (docs/tickets.md §13). The main thread's own time,
 * which is what a relay's check costs, is read from Linux's
 * `/proc/thread-self/schedstat` (nanoseconds on a CPU); elsewhere the
 * process's time is the fallback and the figure's note says so.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";

const SCHEDSTAT = "/proc/thread-self/schedstat";
const STATUS = "/proc/thread-self/status";

/** True when the calling thread's own CPU time can be read (Linux). */
export const hasThreadClock = (() => {
  try {
    return Number.isFinite(Number(readFileSync(SCHEDSTAT, "utf8").split(" ")[0]));
  } catch {
    return false;
  }
})();

/**
 * CPU microseconds of the calling thread (the process's without Linux).
 *
 * @example
 * const t0 = threadCpuMicros(); work(); const us = threadCpuMicros() - t0;
 */
export function threadCpuMicros(): number {
  if (hasThreadClock) return Number(readFileSync(SCHEDSTAT, "utf8").split(" ")[0]) / 1e3;
  const c = process.cpuUsage();
  return c.user + c.system;
}

/** CPU microseconds of the whole process (all threads). */
export function processCpuMicros(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

/** Times the calling thread was preempted so far (Linux; NaN elsewhere). */
export function involuntarySwitches(): number {
  try {
    return Number(/nonvoluntary_ctxt_switches:\s*(\d+)/.exec(readFileSync(STATUS, "utf8"))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** The 1-minute load average, for the figures' notes. */
export const load1 = (): number => loadavg()[0]!;

/** Median of a non-empty list. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** "min a, max b" of a list, rounded. */
export const range = (xs: readonly number[]): string =>
  `min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;
