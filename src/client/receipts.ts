/**
 * Packets the client sent and still expects a receipt for from its gateway.
 * A receipt that never comes (the gateway was killed or restarted, a link was
 * cut before the receipt left) must not be remembered forever: entries expire
 * after `ttlMs` and there are never more than `maxSize` of them, so a client
 * that runs for months keeps a bounded set (the soak measured an unbounded
 * `Set` growing by about 10 refs a minute under its faults).
 */

/** Same window as the relay's (src/relay/relay.ts): a receipt later than this is "unknown". */
export const CLIENT_RECEIPT_WINDOW_MS = 120_000;
/** Far above λ·window for any sane rate (5 packets/s × 120 s = 600). */
export const CLIENT_RECEIPT_MAX = 10_000;

export class PendingReceipts {
  /** Hex packet ref → when it was sent; insertion order is time order, so expiry stops at the first live entry. */
  readonly #sentAt = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxSize: number;
  readonly #now: () => number;

  constructor({
    ttlMs = CLIENT_RECEIPT_WINDOW_MS,
    maxSize = CLIENT_RECEIPT_MAX,
    now = () => performance.now(),
  }: { ttlMs?: number; maxSize?: number; now?: () => number } = {}) {
    this.#ttlMs = ttlMs;
    this.#maxSize = maxSize;
    this.#now = now;
  }

  /** Refs still waiting for their receipt. */
  get size(): number {
    return this.#sentAt.size;
  }

  /** Remembers a sent packet's ref (and forgets expired ones and, past `maxSize`, the oldest). */
  add(ref: string): void {
    this.#prune();
    this.#sentAt.set(ref, this.#now());
    if (this.#sentAt.size > this.#maxSize) this.#sentAt.delete(this.#sentAt.keys().next().value!);
  }

  /** True when `ref` was waiting and is still within the window; it is forgotten either way. */
  settle(ref: string): boolean {
    const at = this.#sentAt.get(ref);
    if (at === undefined) return false;
    this.#sentAt.delete(ref);
    return this.#now() - at <= this.#ttlMs;
  }

  #prune(): void {
    const cutoff = this.#now() - this.#ttlMs;
    for (const [ref, at] of this.#sentAt) {
      if (at >= cutoff) break;
      this.#sentAt.delete(ref);
    }
  }
}
