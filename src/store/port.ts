/**
 * The storage port of the relay and settlement side of a scheme
 * (`SchemeDeps.db`): the part of a synchronous SQL connection the schemes'
 * stores use, and nothing Node-specific. In Node it is node:sqlite's
 * `DatabaseSync` (`openDatabase` in `db.ts`), which has this shape; the
 * client side's wallets are narrower ports still (`OutIndices`, `TokenPurse`).
 * Scheme code imports these types, never `node:sqlite`.
 */

/** A value bound to a statement's `?` or `:name` parameter. */
export type SqlInput = null | number | bigint | string | ArrayBufferView;

/** A column value of a row read back. */
export type SqlOutput = null | number | bigint | string | Uint8Array;

/** One row read back, by column name. */
export type SqlRow = Record<string, SqlOutput>;

/** What a write reports. */
export type SqlChanges = { changes: number | bigint; lastInsertRowid: number | bigint };

/** A prepared statement: parameters either all positional, or named (an object first). */
export interface SqlStatement {
  run(...parameters: SqlInput[]): SqlChanges;
  run(named: Record<string, SqlInput>, ...parameters: SqlInput[]): SqlChanges;
  get(...parameters: SqlInput[]): SqlRow | undefined;
  get(named: Record<string, SqlInput>, ...parameters: SqlInput[]): SqlRow | undefined;
  all(...parameters: SqlInput[]): SqlRow[];
  all(named: Record<string, SqlInput>, ...parameters: SqlInput[]): SqlRow[];
}

/** A connection: schema and transaction control (`exec`), statements (`prepare`). */
export interface SqlDatabase {
  /** True while a transaction is open on this connection. */
  readonly isTransaction: boolean;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
}

let savepointCounter = 0;

/**
 * Runs `fn` atomically: all its writes commit or none do. Inside an open
 * transaction (e.g. the relay's group commit during `RelayScheme.onPacket`)
 * it is a SAVEPOINT; at top level it is a BEGIN IMMEDIATE transaction of its own. `fn` must be synchronous: an `await` inside would let
 * unrelated writes join the savepoint.
 *
 * @param db the connection
 * @param fn the work; its return value is passed through
 * @returns what `fn` returned
 * @example
 * transaction(db, () => { insertCredit.run(relay, amount); insertTag.run(tag, epoch); });
 */
export function transaction<T>(db: SqlDatabase, fn: () => T): T {
  // At top level, BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout): a deferred
  // transaction that reads first is refused outright when it tries to write after another connection
  // (the relay beside `obol claim`) committed, instead of waiting.
  const topLevel = !db.isTransaction;
  const name = `obol_sp_${++savepointCounter}`;
  db.exec(topLevel ? "BEGIN IMMEDIATE" : `SAVEPOINT ${name}`);
  try {
    const result = fn();
    db.exec(topLevel ? "COMMIT" : `RELEASE ${name}`);
    return result;
  } catch (error) {
    if (topLevel) {
      if (db.isTransaction) db.exec("ROLLBACK");
    } else {
      db.exec(`ROLLBACK TO ${name}`);
      db.exec(`RELEASE ${name}`);
    }
    throw error;
  }
}
