/**
 * The durable store of one Obol process: a `node:sqlite` database in WAL mode
 * with `synchronous=FULL`, so a committed transaction survives SIGKILL and
 * power loss (docs/relay.md §Durability). Schema changes are numbered
 * migrations tracked in `PRAGMA user_version`.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { StoreOpenError, StoreVersionError } from "./errors.js";

/** How long a writer waits for another connection's lock before failing. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Core schema, one entry per version: entry `i` migrates version `i` to `i+1`.
 * Append only; never edit a released step. Schemes own their tables (created
 * with `CREATE TABLE IF NOT EXISTS`, or their own versioned steps).
 */
const MIGRATIONS: readonly string[] = [
  // 1: replay tags (DESIGN §3 "obol-replay"), keyed by tag, grouped by epoch.
  `CREATE TABLE replay_tags (tag BLOB PRIMARY KEY, epoch INTEGER NOT NULL) WITHOUT ROWID;
   CREATE INDEX replay_tags_epoch ON replay_tags (epoch, tag);`,
  // 2: gateway inboxes: delivered bodies per mailbox, expiring.
  `CREATE TABLE inbox (id INTEGER PRIMARY KEY, mailbox BLOB NOT NULL, body BLOB NOT NULL, expires_ms INTEGER NOT NULL);
   CREATE INDEX inbox_mailbox ON inbox (mailbox, id);
   CREATE INDEX inbox_expires ON inbox (expires_ms);`,
];

/** Schema version this build creates. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating if needed) the database at `path` and brings its schema up to date.
 *
 * @param path file path, or ":memory:" for tests and benchmarks
 * @returns an open connection; close it with `db.close()`
 * @throws StoreOpenError | StoreVersionError
 * @example
 * const db = openDatabase(".obol/relay.sqlite");
 */
export function openDatabase(path: string): DatabaseSync {
  let db: DatabaseSync;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path);
    db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS};`);
  } catch (cause) {
    throw new StoreOpenError(path, cause);
  }
  const { user_version: found } = db.prepare("PRAGMA user_version").get() as { user_version: number };
  if (found > SCHEMA_VERSION) {
    db.close();
    throw new StoreVersionError(path, found, SCHEMA_VERSION);
  }
  for (let version = found; version < SCHEMA_VERSION; version++) {
    // Each step and its version bump commit together, so a crash mid-migration re-runs the step.
    transaction(db, () => {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    });
  }
  return db;
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
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
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
