/**
 * A relay's lottery rounds (docs/channels.md §Win rule). A ticket wins on
 * `keccak256(digest ‖ response ‖ roundSecret)`, where `roundSecret` belongs to
 * the redeemer and the ticket names its round in its index (`index >> 24`).
 * The redeemer commits `keccak256(secret)` on chain before any source may
 * name the round and reveals the secret only when it redeems, so the source
 * cannot predict its tickets' luck when it signs, and the redeemer cannot
 * choose it after seeing them.
 *
 * Life of a round r: secret stored → `commitRound` sent → r accepted while it
 * is the latest or the one before (sources that read the round a moment ago
 * still get through) → marked revealed (durable) → redeemed. A round is
 * revealed only once two newer rounds exist, so no ticket of it is accepted
 * any more when its secret becomes public.
 */
import { randomBytes } from "node:crypto";
import type { ChainClients } from "../../chain/types.js";
import { commitRound, findCommittedRound, readRound } from "./chain.js";
import type { ChannelsStore } from "./store.js";
import { roundCommitment } from "./ticket.js";

/** Rounds accepted besides the latest: the previous one (sources refresh the round every few seconds). */
export const ROUND_GRACE = 1n;

export class ChannelsRounds {
  readonly #chain: ChainClients;
  readonly #store: ChannelsStore;
  #secrets = new Map<bigint, Uint8Array>();
  #revealed = new Set<bigint>();
  #latest = 0n;

  constructor(chain: ChainClients, store: ChannelsStore) {
    this.#chain = chain;
    this.#store = store;
  }

  /** Latest round this relay holds the secret of (0n: none). */
  get latest(): bigint {
    return this.#latest;
  }

  /**
   * Loads the stored secrets and resolves commitments sent before a crash
   * (their round numbers from the chain's `RoundCommitted` events).
   */
  async sync(): Promise<void> {
    for (const r of this.#store.rounds()) {
      let round = r.round;
      if (round === null) {
        round = await findCommittedRound(this.#chain, r.commitment);
        if (round === 0n) continue; // never landed: the commitment is simply unused
        this.#store.setRound(r.commitment, round);
      }
      this.#secrets.set(round, r.secret);
      if (r.revealed) this.#revealed.add(round);
      if (round > this.#latest) this.#latest = round;
    }
  }

  /** Starts a new round: secret stored durably first, then committed on chain. */
  async commitNext(): Promise<bigint> {
    const secret = new Uint8Array(randomBytes(32));
    const commitment = roundCommitment(secret);
    this.#store.putRoundSecret(commitment, secret);
    const round = await commitRound(this.#chain, commitment);
    this.#store.setRound(commitment, round);
    this.#secrets.set(round, secret);
    if (round > this.#latest) this.#latest = round;
    return round;
  }

  /** Makes sure a round exists (first start of a relay). */
  async ensure(): Promise<void> {
    await this.sync();
    if (this.#latest === 0n || (await readRound(this.#chain, this.#chain.account)) !== this.#latest)
      await this.commitNext();
  }

  /**
   * Whether a ticket naming `round` may be accepted now. The revealed flag is
   * read from the store, so a claim run by another process (`obol claim`)
   * that revealed a round is seen at once.
   */
  accepts(round: bigint): boolean {
    if (round > this.#latest) this.#learn(round); // committed by another process sharing the store (`obol claim`)
    if (round < 1n || round + ROUND_GRACE < this.#latest || !this.#secrets.has(round) || this.#revealed.has(round))
      return false;
    if (!this.#store.isRevealed(round)) return true;
    this.#revealed.add(round);
    return false;
  }

  /** Whether winners of `round` may be redeemed now (its secret can become public). */
  redeemable(round: bigint): boolean {
    return this.#secrets.has(round) && round + ROUND_GRACE < this.#latest;
  }

  secret(round: bigint): Uint8Array | null {
    if (!this.#secrets.has(round)) this.#learn(round);
    return this.#secrets.get(round) ?? null;
  }

  /** Picks up a round another process committed into the shared store. */
  #learn(round: bigint): void {
    const stored = this.#store.round(round);
    if (!stored) return;
    this.#secrets.set(round, stored.secret);
    if (stored.revealed) this.#revealed.add(round);
    if (round > this.#latest) this.#latest = round;
  }

  /** Records (durably) that `round`'s secret is about to go on chain. */
  reveal(round: bigint): void {
    if (this.#revealed.has(round)) return;
    this.#store.markRevealed(round);
    this.#revealed.add(round);
  }
}
