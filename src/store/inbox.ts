/**
 * Gateway inboxes (DESIGN §4): short-term storage of delivered bodies for
 * recipients that are offline, keyed by mailbox id, with a time to live and a
 * cap per mailbox. Stored in the relay's database so a restart keeps them.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { InvalidInputError } from "../errors.js";

export type InboxStoreParameters = {
  /** How long a message waits before it is discarded unread. */
  ttlMs: number;
  /** Most messages waiting per mailbox; further deliveries are refused. */
  maxPerMailbox: number;
  /** Wall clock in ms (Date.now by default; injectable for tests). */
  now?: () => number;
};

export type InboxEntry = { id: number; body: Uint8Array };

/**
 * Durable mailbox → messages store.
 *
 * @example
 * const inbox = new InboxStore(db, { ttlMs: 86_400_000, maxPerMailbox: 256 });
 * inbox.put(mailbox, body);
 * const { entries, remaining } = inbox.peek(mailbox, 8);
 * inbox.remove(entries.map((e) => e.id));
 */
export class InboxStore {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #count: StatementSync;
  readonly #insert: StatementSync;
  readonly #peek: StatementSync;
  readonly #remove: StatementSync;
  readonly #expire: StatementSync;

  constructor(db: DatabaseSync, { ttlMs, maxPerMailbox, now = Date.now }: InboxStoreParameters) {
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new InvalidInputError("ttlMs", "must be a positive integer");
    if (!Number.isInteger(maxPerMailbox) || maxPerMailbox < 1)
      throw new InvalidInputError("maxPerMailbox", "must be a positive integer");
    this.#ttlMs = ttlMs;
    this.#max = maxPerMailbox;
    this.#now = now;
    this.#count = db.prepare("SELECT count(*) AS n FROM inbox WHERE mailbox = ? AND expires_ms > ?");
    this.#insert = db.prepare("INSERT INTO inbox (mailbox, body, expires_ms) VALUES (?, ?, ?)");
    this.#peek = db.prepare("SELECT id, body FROM inbox WHERE mailbox = ? AND expires_ms > ? ORDER BY id LIMIT ?");
    this.#remove = db.prepare("DELETE FROM inbox WHERE id = ?");
    this.#expire = db.prepare("DELETE FROM inbox WHERE expires_ms <= ?");
  }

  /** Messages waiting (unexpired) in `mailbox`. */
  count(mailbox: Uint8Array): number {
    checkMailbox(mailbox);
    return Number((this.#count.get(mailbox, this.#now()) as { n: number | bigint }).n);
  }

  /** Whether `mailbox` holds its maximum of messages. */
  isFull(mailbox: Uint8Array): boolean {
    return this.count(mailbox) >= this.#max;
  }

  /**
   * Stores one delivered body.
   *
   * @returns false when the mailbox is full (nothing stored)
   */
  put(mailbox: Uint8Array, body: Uint8Array): boolean {
    checkMailbox(mailbox);
    if (!(body instanceof Uint8Array)) throw new InvalidInputError("body", "must be a Uint8Array");
    if (this.isFull(mailbox)) return false;
    this.#insert.run(mailbox, body, this.#now() + this.#ttlMs);
    return true;
  }

  /**
   * The oldest `limit` unexpired messages, without removing them (the inbox
   * service removes them once the reply is sent).
   *
   * @returns entries and how many would remain after removing them
   */
  peek(mailbox: Uint8Array, limit: number): { entries: InboxEntry[]; remaining: number } {
    checkMailbox(mailbox);
    const now = this.#now();
    const rows = this.#peek.all(mailbox, now, limit) as { id: number | bigint; body: Uint8Array }[];
    const entries = rows.map((r) => ({ id: Number(r.id), body: r.body }));
    return { entries, remaining: this.count(mailbox) - entries.length };
  }

  /** Deletes messages by id (after they were handed out). */
  remove(ids: readonly number[]): void {
    for (const id of ids) this.#remove.run(id);
  }

  /** Deletes expired messages; returns how many. */
  expire(): number {
    return Number(this.#expire.run(this.#now()).changes);
  }
}

function checkMailbox(mailbox: Uint8Array): void {
  if (!(mailbox instanceof Uint8Array) || mailbox.length !== 32)
    throw new InvalidInputError("mailbox", "must be 32 bytes");
}
