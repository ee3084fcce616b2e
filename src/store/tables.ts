/**
 * The opening every SQLite-backed store shares: apply the schema of the
 * tables it owns (idempotent `CREATE … IF NOT EXISTS`), then prepare its
 * statements once per connection. `prepare` returns them by name, so the
 * store's `#s.name` is checked by the compiler (a misspelt name does not
 * compile).
 */
import type { SqlDatabase, SqlStatement } from "./port.js";

/** Prepares one SQL statement on the store's connection. */
export type Prepare = (sql: string) => SqlStatement;

/**
 * Applies `schema` to `db` and returns the statements `prepare` names.
 *
 * @param db the connection the store reads and writes.
 * @param schema SQL creating the store's tables and indexes if they do not exist.
 * @param prepare builds the store's named statements.
 * @returns the statements by name.
 * @example
 * this.#s = openTables(db, SCHEMA, (p) => ({ get: p("SELECT v FROM t WHERE k = ?") }));
 */
export function openTables<S extends Record<string, SqlStatement>>(
  db: SqlDatabase,
  schema: string,
  prepare: (p: Prepare) => S,
): S {
  db.exec(schema);
  return prepare((sql) => db.prepare(sql));
}
