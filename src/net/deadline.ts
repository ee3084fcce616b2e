/**
 * A signal that aborts after `timeoutMs` or when the caller's `signal` does,
 * released with `dispose()` when the operation ends.
 *
 * Why not `AbortSignal.any([AbortSignal.timeout(ms), signal])`: on Node 20 and
 * 22 (measured on 20.20.2 and 22.23.3, the project's runtime) the
 * long-lived caller signal (a client's stop signal, shared by every inbox pull
 * for the life of the process) keeps one WeakRef per composed signal in an
 * internal set that is never pruned, dead or alive: 10,000 pulls leave 10,000
 * refs behind. A client pulls 4 times a second, so that set grew without bound
 * (test/net/deadline.test.ts counts it). Here the caller's signal holds one
 * listener while the operation runs and none after `dispose()`.
 */
export type Deadline = { signal: AbortSignal; dispose: () => void };

/**
 * @example
 * const deadline = withDeadline(10_000, signal);
 * try { await work(deadline.signal); } finally { deadline.dispose(); }
 */
export function withDeadline(timeoutMs: number, signal?: AbortSignal): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
    timeoutMs,
  );
  const follow = () => controller.abort(signal!.reason);
  if (signal?.aborted) follow();
  else signal?.addEventListener("abort", follow, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", follow);
    },
  };
}
