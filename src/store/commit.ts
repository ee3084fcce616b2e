/**
 * Group commit: the relay's one path for durable writes (docs/relay.md
 * §Durability). Work items run one at a time, each inside its own SAVEPOINT of
 * a shared transaction; the transaction commits (one fsync) when the queue
 * runs dry or `maxBatch` items ran, and only then does each item's promise
 * settle. So a caller that awaits `run` knows its writes (replay tag, scheme
 * credit) are on disk before it forwards anything, while a burst of packets
 * pays for one fsync instead of one each.
 */
import type { DatabaseSync } from "node:sqlite";
import { CommitError } from "./errors.js";
import { InvalidInputError } from "../errors.js";

type Item = { work: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

export type GroupCommitterParameters = {
  db: DatabaseSync;
  /** Most work items per transaction (bounds the latency one fsync adds). */
  maxBatch?: number;
};

function checkName(name: string): string {
  if (!/^[a-z_]{1,32}$/.test(name)) throw new InvalidInputError("name", "savepoint names are 1-32 of [a-z_]");
  return name;
}

/**
 * Serialises durable work on one connection and commits it in groups.
 *
 * @example
 * const committer = new GroupCommitter({ db });
 * const fresh = await committer.run(() => replay.checkAndInsert(tag, epoch));
 * // the tag is durable here
 */
export class GroupCommitter {
  readonly #db: DatabaseSync;
  readonly #maxBatch: number;
  readonly #queue: Item[] = [];
  /** True from the moment a drain starts until its loop has seen an empty queue. */
  #active = false;
  #draining: Promise<void> = Promise.resolve();
  /** Transactions committed so far (for statistics and tests). */
  commits = 0;

  constructor({ db, maxBatch = 256 }: GroupCommitterParameters) {
    this.#db = db;
    this.#maxBatch = maxBatch;
  }

  /**
   * Runs `work` inside the next group transaction. If `work` throws, its own
   * writes are rolled back (the rest of the group still commits) and the
   * promise rejects with that error. `work` may be async, but nothing else
   * runs on the connection meanwhile, so keep it local and short.
   *
   * @param work writes to perform atomically
   * @returns `work`'s result, once the transaction holding it has committed
   * @throws CommitError when COMMIT itself fails (then nothing of the group was written)
   */
  run<T>(work: () => T | Promise<T>): Promise<Awaited<T>> {
    return new Promise<Awaited<T>>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#active) {
        // `#active` is cleared in the same tick as the drain loop's last empty-queue check,
        // so an item pushed at any later point starts a new drain (none is ever stranded).
        this.#active = true;
        this.#draining = this.#drain();
      }
    });
  }

  /**
   * Opens a nested savepoint inside the running work item (e.g. around a
   * scheme call whose writes must be undone if it refuses the packet).
   * Only valid inside `run`'s work; close it with `release` or `rollbackTo`.
   */
  savepoint(name: string): void {
    this.#db.exec(`SAVEPOINT ${checkName(name)}`);
  }

  /** Keeps the writes made since `savepoint(name)`. */
  release(name: string): void {
    this.#db.exec(`RELEASE ${checkName(name)}`);
  }

  /** Undoes the writes made since `savepoint(name)` and closes it. */
  rollbackTo(name: string): void {
    this.#db.exec(`ROLLBACK TO ${checkName(name)}`);
    this.#db.exec(`RELEASE ${checkName(name)}`);
  }

  /** Resolves when every queued item has committed or failed. */
  async idle(): Promise<void> {
    while (this.#active) await this.#draining;
  }

  async #drain(): Promise<void> {
    // No `await` may sit between the loop's last empty-queue check and the
    // `finally` below, or an item pushed in that gap would never run.
    try {
      while (this.#queue.length > 0) await this.#group();
    } finally {
      this.#active = false;
    }
  }

  /** Runs up to `maxBatch` queued items in one transaction and settles them. */
  async #group(): Promise<void> {
    const done: { item: Item; ok: boolean; value: unknown }[] = [];
    try {
      this.#db.exec("BEGIN IMMEDIATE");
    } catch (cause) {
      // E.g. another connection held the write lock past the busy timeout.
      const error = new CommitError(cause);
      for (const item of this.#queue.splice(0, this.#maxBatch)) item.reject(error);
      return;
    }
    // Items that arrive while an earlier one awaits join this same group.
    while (this.#queue.length > 0 && done.length < this.#maxBatch) {
      const item = this.#queue.shift()!;
      this.#db.exec("SAVEPOINT obol_item");
      try {
        const value = await item.work();
        this.#db.exec("RELEASE obol_item");
        done.push({ item, ok: true, value });
      } catch (error) {
        this.#db.exec("ROLLBACK TO obol_item");
        this.#db.exec("RELEASE obol_item");
        done.push({ item, ok: false, value: error });
      }
    }
    try {
      this.#db.exec("COMMIT");
      this.commits++;
    } catch (cause) {
      try {
        this.#db.exec("ROLLBACK");
      } catch {
        // COMMIT failing may already have rolled back; nothing more to undo.
      }
      const error = new CommitError(cause);
      for (const { item } of done) item.reject(error);
      return;
    }
    for (const { item, ok, value } of done) (ok ? item.resolve : item.reject)(value);
  }
}
