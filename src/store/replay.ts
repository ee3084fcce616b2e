/**
 * Replay store (DESIGN §3, §4): every replay tag `HMAC("obol-replay", ss)` a
 * relay has accepted, with the epoch it was seen in. A tag is inserted inside
 * the relay's durable commit, before the packet can be forwarded, so a relay
 * killed at any instant still rejects packets it processed before.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { InvalidInputError } from "../errors.js";

/** Replay tags are HMAC-SHA256 outputs. */
export const REPLAY_TAG_SIZE = 32;

function checkTag(tag: Uint8Array): void {
  if (!(tag instanceof Uint8Array) || tag.length !== REPLAY_TAG_SIZE)
    throw new InvalidInputError("tag", `must be ${REPLAY_TAG_SIZE} bytes`);
}

function checkEpoch(epoch: bigint): void {
  if (typeof epoch !== "bigint" || epoch < 0n || epoch > 0x7fffffffffffffffn)
    throw new InvalidInputError("epoch", "must be a bigint in [0, 2^63)");
}

/**
 * Durable set of replay tags over a {@link openDatabase} connection.
 *
 * @example
 * const replay = new ReplayStore(openDatabase(":memory:"));
 * replay.checkAndInsert(tag, 7n); // true: first time
 * replay.checkAndInsert(tag, 7n); // false: replay
 */
export class ReplayStore {
  readonly #insert: StatementSync;
  readonly #has: StatementSync;
  readonly #count: StatementSync;
  readonly #prune: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare("INSERT OR IGNORE INTO replay_tags (tag, epoch) VALUES (?, ?)");
    this.#has = db.prepare("SELECT 1 AS seen FROM replay_tags WHERE tag = ?");
    this.#count = db.prepare("SELECT count(*) AS n FROM replay_tags WHERE epoch = ?");
    this.#prune = db.prepare("DELETE FROM replay_tags WHERE epoch < ?");
  }

  /**
   * Inserts `tag` unless present, in one statement (atomic in SQLite).
   * Durable once the enclosing transaction commits.
   *
   * @param tag 32-byte replay tag
   * @param epoch epoch the packet arrived in
   * @returns true when the tag is new (packet may proceed), false on replay
   */
  checkAndInsert(tag: Uint8Array, epoch: bigint): boolean {
    checkTag(tag);
    checkEpoch(epoch);
    return Number(this.#insert.run(tag, epoch).changes) === 1;
  }

  /** Whether `tag` was seen before (in any epoch). */
  has(tag: Uint8Array): boolean {
    checkTag(tag);
    return this.#has.get(tag) !== undefined;
  }

  /** Number of tags seen in `epoch`. */
  countForEpoch(epoch: bigint): number {
    checkEpoch(epoch);
    return Number((this.#count.get(epoch) as { n: number | bigint }).n);
  }

  /**
   * Forgets tags of epochs before `epoch`. Only safe once the mix keys of
   * those epochs are retired (a packet under a retired key cannot be peeled).
   *
   * @returns number of tags removed
   */
  pruneBefore(epoch: bigint): number {
    checkEpoch(epoch);
    return Number(this.#prune.run(epoch).changes);
  }
}
