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
import { transaction } from "./port.js";

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

/** Transactions belong to the storage port (no Node import), so scheme code reaches them without node:sqlite. */
export { transaction };
