/**
 * The headline relay figure, `tickets.verify.per_cpu_s`: tokens per
 * CPU-second of the check a relay runs by default — a `BatchVerifier` with
 * its defaults (`DEFAULT_MAX_BATCH`, blst's σ decompression where its
 * prebuild loads), each token's message built from its (epoch, serial),
 * `verifyAll` running the same `#settle` as the live path — measured on the
 * main thread's CPU clock (`cpu-clock.ts`), after a warm-up, as the median of
 * rounds with their spread and the load average.
 *
 * Why the figure moved between runs (docs/tickets.md §13), each measured
 * here: (1) the first quarter second of the path is slower (V8 still
 * compiling: `tickets.verify.per_cpu_s_first_round`); (2) the process's
 * clock also counts V8's compiler and GC threads (`…_process_clock`);
 * (3) CPU time per token rises when other threads share the cores:
 * `tickets.verify.contention_ratio` interleaves rounds alone and with two
 * worker threads sweeping 8 MiB each, as other jobs on a shared machine do.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { Metric } from "./metric.js";
import { type BatchVerifier, DEFAULT_MAX_BATCH, type PendingCheck } from "../src/schemes/tickets/verifier.js";
import {
  hasThreadClock,
  involuntarySwitches,
  load1,
  median,
  processCpuMicros,
  range,
  threadCpuMicros,
} from "./cpu-clock.js";

type Round = { thread: number; process: number; wall: number; switchesPerCpuS: number };

/** Checks `tokens` (one default batch) with `verifier` for `ms` of wall time; rates per second. */
function round(verifier: BatchVerifier, tokens: readonly PendingCheck[], ms: number): Round {
  let n = 0;
  const [w0, t0, p0, s0] = [performance.now(), threadCpuMicros(), processCpuMicros(), involuntarySwitches()];
  do {
    if (!verifier.verifyAll(tokens).every(Boolean)) throw new Error("an honest batch must verify");
    n += tokens.length;
  } while (performance.now() - w0 < ms);
  const threadUs = threadCpuMicros() - t0;
  return {
    thread: (n * 1e6) / threadUs,
    process: (n * 1e6) / (processCpuMicros() - p0),
    wall: (n * 1e3) / (performance.now() - w0),
    switchesPerCpuS: ((involuntarySwitches() - s0) * 1e6) / threadUs,
  };
}

/** Lets the event loop run (GC observer entries are delivered there). */
const yieldLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * @param verifier a `BatchVerifier` built with the relay's defaults
 * @param tokens `DEFAULT_MAX_BATCH` valid tokens for it
 */
export async function relayVerifyRate(
  verifier: BatchVerifier,
  tokens: readonly PendingCheck[],
  quick: boolean,
): Promise<Metric[]> {
  if (tokens.length !== DEFAULT_MAX_BATCH) throw new Error(`need one default batch (${DEFAULT_MAX_BATCH})`);
  const [rounds, roundMs, warmMs] = quick ? [3, 300, 300] : [9, 1_000, 1_000];
  const first = round(verifier, tokens, 250);
  round(verifier, tokens, warmMs);
  let gcEvents = 0;
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcEvents++;
      gcMs += e.duration;
    }
  });
  gc.observe({ entryTypes: ["gc"] });
  const loadBefore = load1();
  const rs: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    rs.push(round(verifier, tokens, roundMs));
    await yieldLoop();
  }
  await yieldLoop();
  gc.disconnect();
  const loads = `load average ${loadBefore.toFixed(1)} → ${load1().toFixed(1)} on ${navigator.hardwareConcurrency} cores`;
  const thread = rs.map((r) => r.thread);
  const wall = rs.map((r) => r.wall);
  const what = `${rounds} rounds of ${roundMs} ms after ${warmMs} ms of warm-up, BatchVerifier defaults (batch ${DEFAULT_MAX_BATCH})`;
  const clock = hasThreadClock ? "main thread's CPU clock" : "process CPU clock (no thread clock here)";
  return [
    {
      metric: "tickets.verify.per_cpu_s",
      value: median(thread),
      unit: "tokens/CPU-s",
      note: `median, ${clock}; ${range(thread)} over ${what}; ${loads}; ${gcEvents} GC events (${gcMs.toFixed(1)} ms); preempted ${median(rs.map((r) => r.switchesPerCpuS)).toFixed(0)}×/CPU-s`,
    },
    {
      metric: "tickets.verify.per_cpu_s_process_clock",
      value: median(rs.map((r) => r.process)),
      unit: "tokens/CPU-s",
      note: `same rounds on process.cpuUsage() (all threads: V8 compiler and GC helpers, chain threads); ${range(rs.map((r) => r.process))}`,
    },
    {
      metric: "tickets.verify.per_cpu_s_first_round",
      value: first.thread,
      unit: "tokens/CPU-s",
      note: `the first 250 ms of this path in the process (before warm-up), ${clock}; process clock ${first.process.toFixed(0)}`,
    },
    {
      metric: "tickets.verify.per_s",
      value: median(wall),
      unit: "tokens/s",
      note: `median wall-clock rate, one thread (the per-CPU rate × the share of a core this process got); ${range(wall)} over ${what}; ${loads}`,
    },
    {
      metric: "tickets.verify.per_s_spread",
      value: (Math.max(...wall) - Math.min(...wall)) / median(wall),
      unit: "fraction",
      note: "(max − min) / median of the wall-clock rounds",
    },
    ...(await contention(verifier, tokens, quick)),
  ];
}

/** A thread that sweeps its own 8 MiB while `on[0]` is 1 and sleeps otherwise (a cache-hungry neighbour). */
const SWEEPER = `
const { workerData } = require("node:worker_threads");
const on = new Int32Array(workerData);
const buf = new Float64Array(1 << 20);
for (;;) {
  Atomics.wait(on, 0, 0);
  if (on[0] === 2) break;
  for (let i = 0; i < buf.length; i += 8) buf[i] += 1;
}`;

/**
 * Interleaved rounds of the headline's check alone and with two sweeping
 * worker threads (this machine's 2 cores then hold 3 busy threads): the
 * ratio of main-thread CPU rates shows how much a CPU-second buys less when
 * the cores are shared, which is what moves the headline between runs.
 */
async function contention(verifier: BatchVerifier, tokens: readonly PendingCheck[], quick: boolean): Promise<Metric[]> {
  const flag = new SharedArrayBuffer(4);
  const on = new Int32Array(flag);
  const workers = [0, 1].map(() => new Worker(SWEEPER, { eval: true, workerData: flag }));
  const [rounds, roundMs] = quick ? [2, 300] : [5, 600];
  const alone: number[] = [];
  const shared: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      alone.push(round(verifier, tokens, roundMs).thread);
      Atomics.store(on, 0, 1);
      Atomics.notify(on, 0);
      shared.push(round(verifier, tokens, roundMs).thread);
      Atomics.store(on, 0, 0);
      await yieldLoop();
    }
  } finally {
    Atomics.store(on, 0, 2);
    Atomics.notify(on, 0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return [
    {
      metric: "tickets.verify.contention_ratio",
      value: median(shared) / median(alone),
      unit: "ratio",
      note: `tokens per main-thread CPU-second with two 8 MiB-sweeping threads beside it / alone, ${rounds} interleaved rounds of ${roundMs} ms each: ${median(shared).toFixed(0)} (${range(shared)}) vs ${median(alone).toFixed(0)} (${range(alone)}); load average ${load1().toFixed(1)}`,
    },
  ];
}

/**
 * The relay's whole per-packet check (`checkToken`: slot decode, epoch
 * window, spent-set claim in sqlite, the batched BLS check, verdict stored)
 * on a file database opened as the relay opens it (WAL, `synchronous=FULL`):
 * `batches` default batches of fresh tokens, all in flight at once as under
 * saturation. Main-thread CPU (fsync's kernel time included) and wall time.
 */
export async function relayCheckRate(
  check: (slot: Uint8Array) => Promise<string | null>,
  slots: readonly Uint8Array[],
): Promise<Metric[]> {
  const [w0, t0] = [performance.now(), threadCpuMicros()];
  const verdicts = await Promise.all(slots.map(check));
  const [cpuUs, wallMs] = [threadCpuMicros() - t0, performance.now() - w0];
  if (verdicts.some((v) => v !== null)) throw new Error("honest tokens must be accepted");
  const note = `${slots.length} honest slots through checkToken on a file database (WAL, synchronous=FULL: the claim and the verdict each commit, i.e. 2 fsyncs per token), batches of ${DEFAULT_MAX_BATCH}; load average ${load1().toFixed(1)}`;
  return [
    {
      metric: "tickets.relay.check_per_cpu_s",
      value: (slots.length * 1e6) / cpuUs,
      unit: "tokens/CPU-s",
      note: `${note}; main thread's CPU incl. the kernel's fsync work`,
    },
    {
      metric: "tickets.relay.check_per_s",
      value: (slots.length * 1e3) / wallMs,
      unit: "tokens/s",
      note: `${note}; wall clock (node:sqlite blocks the event loop while it fsyncs)`,
    },
  ];
}
