/**
 * The relay's durable token store `tk_tokens` (docs/tickets.md, "Relay state").
 * The primary key (epoch, serial) is the local spent set: a token is claimed
 * by inserting it before it is verified, so a second packet with the same
 * token is refused even while the first is still being checked.
 *
 * States: pending (claimed, not yet verified) → valid | invalid;
 * valid → submitted (intent recorded BEFORE the transaction is sent, tx hash
 * after) → redeemed, or back to valid when the chain shows it unspent;
 * valid → lost (lottery mode: did not win).
 */
import { type SqlDatabase, type SqlStatement, transaction } from "../../store/port.js";
import type { Hex } from "viem";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tk_tokens (
  epoch INTEGER NOT NULL, serial BLOB NOT NULL, signature BLOB NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','valid','invalid','submitted','redeemed','lost')),
  tx_hash TEXT, received_ms INTEGER NOT NULL,
  PRIMARY KEY (epoch, serial)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tk_tokens_state ON tk_tokens (state, epoch);
`;

export type TokenState = "pending" | "valid" | "invalid" | "submitted" | "redeemed" | "lost";
export type StoredToken = {
  epoch: bigint;
  serial: Uint8Array;
  signature: Uint8Array;
  state: TokenState;
  txHash: Hex | null;
};

/** Typed access to `tk_tokens`. */
export class RelayTokenStore {
  readonly db: SqlDatabase;
  readonly #s: Record<"claim" | "setState" | "setTx" | "byState" | "count", SqlStatement>;

  constructor(db: SqlDatabase) {
    this.db = db;
    db.exec(SCHEMA);
    this.#s = {
      // An 'invalid' row does not block the serial: a forged copy must not burn the genuine token.
      claim: db.prepare(
        `INSERT INTO tk_tokens (epoch, serial, signature, state, received_ms) VALUES (?, ?, ?, 'pending', ?)
         ON CONFLICT (epoch, serial) DO UPDATE SET signature = excluded.signature, state = 'pending', received_ms = excluded.received_ms
         WHERE tk_tokens.state = 'invalid'`,
      ),
      setState: db.prepare("UPDATE tk_tokens SET state = ?, tx_hash = ? WHERE epoch = ? AND serial = ?"),
      setTx: db.prepare("UPDATE tk_tokens SET tx_hash = ? WHERE epoch = ? AND serial = ? AND state = 'submitted'"),
      byState: db.prepare(
        "SELECT epoch, serial, signature, state, tx_hash FROM tk_tokens WHERE state = ? ORDER BY epoch, received_ms",
      ),
      count: db.prepare("SELECT state, COUNT(*) AS n FROM tk_tokens GROUP BY state"),
    };
  }

  /**
   * Claims a token (state pending). False when (epoch, serial) is already held
   * pending, valid or beyond: a double spend. A serial whose earlier copy was
   * invalid can be claimed again, so garbage with a guessed serial cannot burn it.
   */
  claim(epoch: bigint, serial: Uint8Array, signature: Uint8Array): boolean {
    return this.#s.claim.run(Number(epoch), serial, signature, Date.now()).changes === 1;
  }

  /** Moves tokens to `state` (one transaction), recording `txHash` (null clears it). */
  setState(
    tokens: readonly { epoch: bigint; serial: Uint8Array }[],
    state: TokenState,
    txHash: Hex | null = null,
  ): void {
    transaction(this.db, () => {
      for (const t of tokens) this.#s.setState.run(state, txHash, Number(t.epoch), t.serial);
    });
  }

  /** Records the hash of the transaction submitted for these tokens. */
  setTxHash(tokens: readonly { epoch: bigint; serial: Uint8Array }[], txHash: Hex): void {
    transaction(this.db, () => {
      for (const t of tokens) this.#s.setTx.run(txHash, Number(t.epoch), t.serial);
    });
  }

  byState(state: TokenState): StoredToken[] {
    return (
      this.#s.byState.all(state) as {
        epoch: number;
        serial: Uint8Array;
        signature: Uint8Array;
        state: TokenState;
        tx_hash: string | null;
      }[]
    ).map((r) => ({
      epoch: BigInt(r.epoch),
      serial: new Uint8Array(r.serial),
      signature: new Uint8Array(r.signature),
      state: r.state,
      txHash: (r.tx_hash as Hex | null) ?? null,
    }));
  }

  /** Token counts per state. */
  counts(): Partial<Record<TokenState, number>> {
    const out: Partial<Record<TokenState, number>> = {};
    for (const r of this.#s.count.all() as { state: TokenState; n: number }[]) out[r.state] = Number(r.n);
    return out;
  }
}
