/**
 * The one sleep of the library: `setTimeout` as a promise that resolves early
 * (never rejects) on abort, so a stopping loop simply ends its wait. No
 * `node:timers`, so it runs in the browser client too.
 *
 * @param ms how long to wait
 * @param signal ends the wait early
 * @example
 * await sleep(250, signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
