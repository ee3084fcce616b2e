/**
 * Claim log: one row per settlement run of a relay (`obol claim`, the devnet's
 * claim step), written to the relay's own database so the relay process can
 * export the last claim's gas and payout as metrics (docs/operations.md
 * §Monitor) although the claim ran in another process. Informational only:
 * schemes keep their own claim state; nothing here decides what is paid.
 */
import type { DatabaseSync } from "node:sqlite";
import type { ClaimResult } from "../schemes/scheme.js";

const SCHEMA = `CREATE TABLE IF NOT EXISTS claim_log (
  id INTEGER PRIMARY KEY, scheme TEXT NOT NULL, at_ms INTEGER NOT NULL,
  paid TEXT NOT NULL, gas_used TEXT NOT NULL, transactions INTEGER NOT NULL)`;

export type LoggedClaim = { scheme: string; atMs: number; paid: bigint; gasUsed: bigint; transactions: number };

/**
 * Appends a claim's result to the log.
 *
 * @param db the relay's database (`<data-dir>/relay.sqlite`)
 * @param result what `settle.claim()` returned
 * @param atMs wall-clock time of the claim
 * @example
 * recordClaim(db, await scheme.settle(deps).claim());
 */
export function recordClaim(
  db: DatabaseSync,
  result: Pick<ClaimResult, "scheme" | "paid" | "gasUsed" | "transactions">,
  atMs = Date.now(),
): void {
  db.exec(SCHEMA);
  db.prepare("INSERT INTO claim_log (scheme, at_ms, paid, gas_used, transactions) VALUES (?, ?, ?, ?, ?)").run(
    result.scheme,
    atMs,
    result.paid.toString(),
    result.gasUsed.toString(),
    result.transactions.length,
  );
}

/**
 * The most recent claim, or null when the relay never claimed.
 *
 * @param db the relay's database
 * @returns the last logged claim
 */
export function lastClaim(db: DatabaseSync): LoggedClaim | null {
  db.exec(SCHEMA);
  const row = db
    .prepare("SELECT scheme, at_ms, paid, gas_used, transactions FROM claim_log ORDER BY id DESC LIMIT 1")
    .get() as { scheme: string; at_ms: number; paid: string; gas_used: string; transactions: number } | undefined;
  if (!row) return null;
  return {
    scheme: row.scheme,
    atMs: Number(row.at_ms),
    paid: BigInt(row.paid),
    gasUsed: BigInt(row.gas_used),
    transactions: Number(row.transactions),
  };
}
