/**
 * Small bounded bookkeeping the relay keeps in memory: packets it expects
 * receipts for, its own loops in flight, and the work it has started (so
 * `stop` can wait for it and busy links can be slowed down).
 */

/**
 * Byte-string keyed map whose entries expire after `ttlMs` and which never
 * holds more than `maxSize` (oldest evicted first). Insertion order is time
 * order, so pruning stops at the first live entry.
 */
export class RecentMap<V> {
  readonly #entries = new Map<string, { value: V; at: number }>();
  readonly #ttlMs: number;
  readonly #maxSize: number;
  readonly #now: () => number;

  constructor({
    ttlMs,
    maxSize,
    now = () => performance.now(),
  }: { ttlMs: number; maxSize: number; now?: () => number }) {
    this.#ttlMs = ttlMs;
    this.#maxSize = maxSize;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  set(key: Uint8Array, value: V): void {
    this.#entries.set(Buffer.from(key).toString("hex"), { value, at: this.#now() });
    if (this.#entries.size > this.#maxSize) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Removes and returns the live entry under `key`, if any. */
  take(key: Uint8Array): V | undefined {
    const k = Buffer.from(key).toString("hex");
    const entry = this.#entries.get(k);
    if (!entry) return undefined;
    this.#entries.delete(k);
    return this.#now() - entry.at <= this.#ttlMs ? entry.value : undefined;
  }

  /** Drops expired entries. */
  prune(): void {
    const cutoff = this.#now() - this.#ttlMs;
    for (const [k, entry] of this.#entries) {
      if (entry.at >= cutoff) break;
      this.#entries.delete(k);
    }
  }
}

/**
 * Promises of work in progress, with a soft limit: `admit()` resolves at once
 * below the limit and otherwise when enough work has finished. A link reader
 * awaiting `admit()` stops reading, so libp2p's flow control pushes back on a
 * peer that sends faster than the relay can peel and commit.
 */
export class InFlight {
  readonly #work = new Set<Promise<unknown>>();
  readonly #waiters: (() => void)[] = [];
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#work.size;
  }

  /** Tracks `promise` until it settles (its rejection is the caller's to handle). */
  track(promise: Promise<unknown>): void {
    this.#work.add(promise);
    void promise.then(
      () => this.#done(promise),
      () => this.#done(promise),
    );
  }

  /** Resolves when there is room for more work. */
  admit(): Promise<void> | undefined {
    if (this.#work.size < this.#limit) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves when everything tracked so far (and anything it started) has settled. */
  async settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }

  #done(promise: Promise<unknown>): void {
    this.#work.delete(promise);
    while (this.#waiters.length > 0 && this.#work.size < this.#limit) this.#waiters.shift()!();
  }
}
