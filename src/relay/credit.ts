/**
 * What a relay has earned, claimed and still has pending, per scheme, read
 * from the scheme's own tables in the relay database (docs/operations.md
 * §Metrics). Read-only: schemes own their tables and decide what is paid;
 * this module only counts rows so an operator can see credit pile up and be
 * claimed. A table that does not exist yet (a scheme that never ran) counts 0.
 *
 * Units differ by scheme because the schemes differ in what a unit of credit
 * is: channels and shopper count token units (wei of OBOL); tickets count
 * blind tokens (each redeems for the bank's fixed token value).
 */
import type { DatabaseSync } from "node:sqlite";
import type { SchemeName } from "../schemes/scheme.js";

export type CreditUnit = "wei" | "tokens";
export type Credit = { unit: CreditUnit; earned: bigint; claimed: bigint; pending: bigint };

function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Sums a TEXT column of decimal integers grouped by state (amounts exceed 2^63). */
function sumByState(db: DatabaseSync, table: string, amountColumn: string | null): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  if (!hasTable(db, table)) return sums;
  const value = amountColumn ?? "'1'";
  for (const row of db.prepare(`SELECT state, ${value} AS amount FROM ${table}`).all() as {
    state: string;
    amount: string;
  }[])
    sums.set(row.state, (sums.get(row.state) ?? 0n) + BigInt(row.amount));
  return sums;
}

function total(sums: Map<string, bigint>, states: readonly string[]): bigint {
  return states.reduce((s, state) => s + (sums.get(state) ?? 0n), 0n);
}

/**
 * Reads the relay's credit under `scheme`.
 *
 * - channels: winning tickets (`ch_won`): earned = won + submitted + redeemed,
 *   claimed = redeemed, pending = won + submitted (void tickets are neither).
 * - tickets: blind tokens (`tk_tokens`): earned = pending + valid + submitted +
 *   redeemed, claimed = redeemed, pending = pending + valid + submitted.
 * - shopper: payout claims (`sh_claims`): claimed = done, pending = submitted.
 * - free: nothing is ever earned.
 *
 * @param db the relay's database
 * @param scheme the scheme the relay runs
 * @returns the three figures and their unit
 * @example
 * const { earned, claimed, pending } = readCredit(db, "channels");
 */
export function readCredit(db: DatabaseSync, scheme: SchemeName): Credit {
  switch (scheme) {
    case "channels": {
      const s = sumByState(db, "ch_won", "amount");
      return {
        unit: "wei",
        earned: total(s, ["won", "submitted", "redeemed"]),
        claimed: total(s, ["redeemed"]),
        pending: total(s, ["won", "submitted"]),
      };
    }
    case "tickets": {
      const s = sumByState(db, "tk_tokens", null);
      const pending = total(s, ["pending", "valid", "submitted"]);
      const claimed = total(s, ["redeemed"]);
      return { unit: "tokens", earned: pending + claimed, claimed, pending };
    }
    case "shopper": {
      const s = sumByState(db, "sh_claims", "amount");
      const claimed = total(s, ["done"]);
      const pending = total(s, ["submitted"]);
      return { unit: "wei", earned: claimed + pending, claimed, pending };
    }
    case "free":
      return { unit: "wei", earned: 0n, claimed: 0n, pending: 0n };
  }
}
