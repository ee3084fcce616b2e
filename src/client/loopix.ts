/**
 * Loopix traffic shaping on the client (DESIGN §4; Piotrowska et al., "The
 * Loopix Anonymity System", USENIX Security 2017, §4.1):
 * - payload stream at rate λP: each tick sends the next queued real message,
 *   or a drop cover packet when the queue is empty (real messages replace drops);
 * - loop stream at rate λL: cover packets that return to the client's gateway;
 * - drop stream at rate λD: cover packets discarded at a random exit gateway;
 * - per-hop mixing delay Exp(μ), chosen by the sender for every mix hop.
 * Inter-arrival times of a rate-λ Poisson process are Exp(λ).
 * Defaults and their reasons are in docs/client.md §Loopix.
 */
import { primitives } from "#platform/crypto";
import { InvalidInputError } from "../errors.js";
import { sleep } from "../sleep.js";

/** Re-exported for the callers that took it from here before `src/sleep.ts` existed. */
export { sleep };

export type LoopixRates = {
  /** λP: payload stream, packets per second. */
  payloadPerS: number;
  /** λL: loop cover stream, packets per second (0 disables it). */
  loopPerS: number;
  /** λD: drop cover stream, packets per second (0 disables it). */
  dropPerS: number;
  /** 1/μ: mean per-mix-hop delay in milliseconds. */
  meanDelayMs: number;
};

/** Defaults sized for a laptop devnet; docs/client.md explains the choice. */
export const DEFAULT_RATES: LoopixRates = { payloadPerS: 2, loopPerS: 0.5, dropPerS: 0.5, meanDelayMs: 200 };

/** Uniform float in [0, 1); defaults to a CSPRNG. */
export type RandomFloat = () => number;

/** CSPRNG uniform in [0, 1) with 53 bits of precision. */
export const secureRandom: RandomFloat = () => {
  const b = primitives.randomBytes(8);
  return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0) >> 11n) / 2 ** 53;
};

/**
 * Samples Exp with the given mean by inverse CDF: −mean·ln(1 − U).
 *
 * @param meanMs mean of the distribution (ms); 0 gives 0.
 * @param random uniform source in [0, 1).
 * @returns a non-negative delay, rounded to whole milliseconds.
 * @example
 * const delayMs = sampleExponential(200);
 */
export function sampleExponential(meanMs: number, random: RandomFloat = secureRandom): number {
  if (!(meanMs >= 0) || !Number.isFinite(meanMs)) throw new InvalidInputError("meanMs", "must be a finite number ≥ 0");
  if (meanMs === 0) return 0;
  return Math.round(-meanMs * Math.log(1 - random()));
}

/**
 * Validates Loopix rates (all finite, ≥ 0, payload rate > 0).
 *
 * @returns the rates, unchanged.
 * @example
 * checkRates({ ...DEFAULT_RATES, payloadPerS: 5 });
 */
export function checkRates(rates: LoopixRates): LoopixRates {
  for (const field of ["payloadPerS", "loopPerS", "dropPerS", "meanDelayMs"] as const) {
    const v = rates[field];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
      throw new InvalidInputError(field, `must be a finite number ≥ 0, got ${v}`);
  }
  if (rates.payloadPerS === 0) throw new InvalidInputError("payloadPerS", "must be > 0 or queued messages never leave");
  return rates;
}

/**
 * Runs `tick` at the jump times of a Poisson process of rate `ratePerS` until
 * `signal` aborts. Ticks never overlap: a slow tick delays the next one
 * (the sender is then simply slower than λ, which it logs upstream).
 *
 * @param parameters.ratePerS λ in events per second; 0 returns at once.
 * @param parameters.tick work per event; errors are passed to `onError`, the stream continues.
 * @returns a promise that resolves when the signal aborts.
 * @example
 * await poissonStream({ ratePerS: 2, signal, tick: () => sendNext(), onError: (e) => log.warn(e) });
 */
export async function poissonStream({
  ratePerS,
  signal,
  tick,
  onError,
  random = secureRandom,
}: {
  ratePerS: number;
  signal: AbortSignal;
  tick: () => Promise<void>;
  onError: (error: unknown) => void;
  random?: RandomFloat;
}): Promise<void> {
  if (ratePerS <= 0) return;
  const meanMs = 1000 / ratePerS;
  while (!signal.aborted) {
    await sleep(sampleExponential(meanMs, random), signal);
    if (signal.aborted) return;
    try {
      await tick();
    } catch (error) {
      onError(error);
    }
  }
}
