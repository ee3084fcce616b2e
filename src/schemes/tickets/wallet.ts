/**
 * The client's durable wallet of unspent tokens per relay and epoch
 * (`tk_wallet` in the process's sqlite database). A token is marked spent in
 * the same transaction that picks it, so a crash never spends one twice.
 *
 * Spending order: each token is picked uniformly at random (node:crypto's
 * CSPRNG) among the unspent ones. Any order a relay could predict links
 * packets: with `LIMIT 1` and no order, SQLite answered from the index in
 * ascending serial order, and a relay chaining each token to the closest
 * smaller open serial linked consecutive packets of one sender far above
 * chance (issue 10, finding 2; bench `tickets.spend_order.*`).
 */
import { type SqlDatabase, type SqlStatement, transaction } from "../../store/port.js";
import { getAddress, type Address } from "viem";
import { primitives } from "#platform/crypto";
import { NoTokenError } from "./errors.js";
import type { TokenPurse, WalletToken } from "./purse.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tk_wallet (
  serial BLOB PRIMARY KEY, relay TEXT NOT NULL, epoch INTEGER NOT NULL,
  signature BLOB NOT NULL, spent INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tk_wallet_unspent ON tk_wallet (relay, epoch, spent);
`;

export type { WalletToken } from "./purse.js";

/** Typed access to `tk_wallet`: the SQLite backend of the `TokenPurse` port. */
export class TokenWallet implements TokenPurse {
  readonly #db: SqlDatabase;
  readonly #insert: SqlStatement;
  readonly #count: SqlStatement;
  readonly #take: SqlStatement;
  readonly #summary: SqlStatement;
  readonly #unspentUpTo: SqlStatement;
  readonly #markSpent: SqlStatement;

  constructor(db: SqlDatabase) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#insert = db.prepare("INSERT OR IGNORE INTO tk_wallet (serial, relay, epoch, signature) VALUES (?, ?, ?, ?)");
    this.#count = db.prepare("SELECT COUNT(*) AS n FROM tk_wallet WHERE relay = ? AND epoch = ? AND spent = 0");
    // The k-th unspent token in index order, k drawn by the caller from the CSPRNG.
    this.#take = db.prepare(
      `UPDATE tk_wallet SET spent = 1 WHERE serial = (
         SELECT serial FROM tk_wallet WHERE relay = ? AND epoch = ? AND spent = 0 ORDER BY serial LIMIT 1 OFFSET ?)
       RETURNING serial, signature`,
    );
    this.#summary = db.prepare(
      "SELECT relay, epoch, SUM(spent = 0) AS unspent, SUM(spent) AS spent FROM tk_wallet GROUP BY relay, epoch ORDER BY epoch, relay",
    );
    this.#unspentUpTo = db.prepare(
      "SELECT serial, relay, epoch, signature FROM tk_wallet WHERE spent = 0 AND epoch <= ? ORDER BY epoch, relay",
    );
    this.#markSpent = db.prepare("UPDATE tk_wallet SET spent = 1 WHERE serial = ?");
  }

  /** Stores tokens (idempotent per serial). */
  add(tokens: readonly WalletToken[]): void {
    for (const t of tokens) this.#insert.run(t.serial, getAddress(t.relay), Number(t.epoch), t.signature);
  }

  /** Unspent tokens for (relay, epoch). */
  unspent(relay: Address, epoch: bigint): number {
    return (this.#count.get(getAddress(relay), Number(epoch)) as { n: number }).n;
  }

  /** Hands out one unspent token for (relay, epoch), chosen uniformly at random, and marks it spent; or null. */
  take(relay: Address, epoch: bigint): WalletToken | null {
    const key = [getAddress(relay), Number(epoch)] as const;
    const row = transaction(this.#db, () => {
      const { n } = this.#count.get(...key) as { n: number };
      if (n === 0) return undefined;
      return this.#take.get(...key, primitives.randomInt(n)) as
        | { serial: Uint8Array; signature: Uint8Array }
        | undefined;
    });
    if (!row) return null;
    return { relay, epoch, serial: new Uint8Array(row.serial), signature: new Uint8Array(row.signature) };
  }

  takeEach(relays: readonly Address[], epoch: bigint): WalletToken[] {
    // One transaction: a relay without a token rolls back the ones already taken.
    return transaction(this.#db, () =>
      relays.map((relay) => {
        const token = this.take(relay, epoch);
        if (!token) throw new NoTokenError(relay, epoch);
        return token;
      }),
    );
  }

  /** Unspent and spent counts per relay and epoch. */
  summary(): { relay: Address; epoch: bigint; unspent: number; spent: number }[] {
    return (this.#summary.all() as { relay: string; epoch: number; unspent: number; spent: number }[]).map((r) => ({
      relay: r.relay as Address,
      epoch: BigInt(r.epoch),
      unspent: Number(r.unspent),
      spent: Number(r.spent),
    }));
  }

  /** Unspent tokens of epochs ≤ `epoch` (reclaim candidates), grouped by epoch then relay. */
  unspentUpTo(epoch: bigint): WalletToken[] {
    return (
      this.#unspentUpTo.all(Number(epoch)) as {
        serial: Uint8Array;
        relay: string;
        epoch: number;
        signature: Uint8Array;
      }[]
    ).map((r) => ({
      relay: r.relay as Address,
      epoch: BigInt(r.epoch),
      serial: new Uint8Array(r.serial),
      signature: new Uint8Array(r.signature),
    }));
  }

  /** Marks tokens spent (after a reclaim, or when the bank already shows them spent). */
  markSpent(tokens: readonly WalletToken[]): void {
    for (const t of tokens) this.#markSpent.run(t.serial);
  }
}
