/**
 * Fair share of the relay's packet slots per sender (issue 18 finding 5).
 *
 * A slot is held from the moment a packet frame is read until the packet
 * leaves: for a `forward` packet when it leaves the mixing queue, for any
 * other outcome when its processing ends. A sender (the libp2p peer of the
 * incoming link) may hold at most `capacity / (active + 1)` slots, where
 * `active` counts the senders holding any (itself included), and never less
 * than `minShare`: there is always room left for one more sender, and one
 * sender alone gets at most half. A frame refused here is dropped before any
 * crypto, commit or credit, and gets no receipt.
 */
export type FairShareParameters = {
  /** Slots over all senders (the mixing queue's capacity). */
  capacity: number;
  /** Slots a sender may always hold, however many senders are active. */
  minShare: number;
};

export class FairShare {
  readonly #held = new Map<string, number>();
  readonly #capacity: number;
  readonly #minShare: number;
  #total = 0;

  constructor({ capacity, minShare }: FairShareParameters) {
    this.#capacity = capacity;
    this.#minShare = Math.min(minShare, capacity);
  }

  /** Slots held over all senders. */
  get total(): number {
    return this.#total;
  }

  /** Slots `peer` holds. */
  heldBy(peer: string): number {
    return this.#held.get(peer) ?? 0;
  }

  /** The most slots one sender may hold right now. */
  share(peer: string): number {
    const active = this.#held.size + (this.#held.has(peer) ? 0 : 1);
    return Math.max(this.#minShare, Math.floor(this.#capacity / (active + 1)));
  }

  /**
   * Takes one slot for `peer`.
   *
   * @returns "ok", or why not: "full" (no slot left at all) or "over-share"
   */
  reserve(peer: string): "ok" | "full" | "over-share" {
    if (this.#total >= this.#capacity) return "full";
    const held = this.heldBy(peer);
    if (held >= this.share(peer)) return "over-share";
    this.#held.set(peer, held + 1);
    this.#total++;
    return "ok";
  }

  /** Gives back one slot `peer` held. */
  release(peer: string): void {
    const held = this.heldBy(peer);
    if (held === 0) return;
    if (held === 1) this.#held.delete(peer);
    else this.#held.set(peer, held - 1);
    this.#total--;
  }
}

/**
 * Frames refused per peer over a sliding window (issue 18 finding 8): junk
 * costs the relay CPU (a Sphinx check each) while the stream stays open, so a
 * peer past `budget` refusals in `windowMs` is reported once to be cut off.
 */
export class RefusalBudget {
  readonly #counts = new Map<string, { since: number; count: number }>();
  readonly #budget: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor({
    budget,
    windowMs,
    now = () => performance.now(),
  }: { budget: number; windowMs: number; now?: () => number }) {
    this.#budget = budget;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Counts one refused frame of `peer`; true exactly when this one exceeds the budget. */
  refuse(peer: string): boolean {
    const now = this.#now();
    let entry = this.#counts.get(peer);
    if (!entry || now - entry.since >= this.#windowMs) {
      entry = { since: now, count: 0 };
      this.#counts.set(peer, entry);
      if (this.#counts.size > 10_000) this.prune();
    }
    entry.count++;
    return entry.count === this.#budget + 1;
  }

  /** Forgets windows that have ended. */
  prune(): void {
    const now = this.#now();
    for (const [peer, entry] of this.#counts) if (now - entry.since >= this.#windowMs) this.#counts.delete(peer);
  }
}
