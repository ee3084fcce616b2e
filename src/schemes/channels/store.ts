/**
 * Durable state of the channels scheme in the process's sqlite database
 * (docs/channels.md §Durable state). Tables are prefixed `ch_` and created on
 * first use. Every method is synchronous so callers can group writes with
 * `transaction(db, …)`, which nests inside the relay's group commit.
 */
import { type SqlDatabase, transaction } from "../../store/port.js";
import { bytesToHex, hexToBytes, type Address, type Hex } from "viem";
import { openTables, type Prepare } from "../../store/tables.js";
import type { SignedTicket } from "./ticket.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ch_seen (channel TEXT NOT NULL, epoch INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (channel, epoch, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ch_out (channel TEXT PRIMARY KEY, epoch INTEGER NOT NULL, next_index INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ch_pending (
  hint BLOB PRIMARY KEY, source TEXT NOT NULL, ticket BLOB NOT NULL, own BLOB NOT NULL, from_peer TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ch_won (
  channel TEXT NOT NULL, epoch INTEGER NOT NULL, idx INTEGER NOT NULL, source TEXT NOT NULL,
  amount TEXT NOT NULL, ticket BLOB NOT NULL, response TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('won','submitted','redeemed','void')),
  tx_hash TEXT, reason TEXT, PRIMARY KEY (channel, epoch, idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ch_won_state ON ch_won (state, channel, idx);
CREATE TABLE IF NOT EXISTS ch_round (
  commitment TEXT PRIMARY KEY, secret BLOB NOT NULL, round INTEGER, revealed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS ch_stats (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** Per connection: the highest outgoing index issued per `channel/epoch` in this process. */
const ISSUED = new WeakMap<SqlDatabase, Map<string, bigint>>();

export type WinState = "won" | "submitted" | "redeemed" | "void";

export type WonTicket = {
  channel: Hex;
  epoch: bigint;
  index: bigint;
  source: Address;
  amount: bigint;
  /** The 144-byte attachment encoding of the signed ticket. */
  ticket: Uint8Array;
  response: bigint;
  state: WinState;
  txHash: Hex | null;
};

/** A lottery round secret of this relay; `round` is null until the chain confirmed its commitment. */
export type StoredRound = { commitment: Hex; secret: Uint8Array; round: bigint | null; revealed: boolean };

export type PendingTicket = {
  source: Address;
  ticket: Uint8Array;
  own: bigint;
  hint: Uint8Array;
  fromPeer: string;
  createdMs: number;
};

/** The prepared statements of one connection, by name (a misspelt name is a compile error). */
function prepareStatements(p: Prepare) {
  return {
    seenGet: p("SELECT 1 AS hit FROM ch_seen WHERE channel = ? AND epoch = ? AND idx = ?"),
    seenPut: p("INSERT OR IGNORE INTO ch_seen (channel, epoch, idx) VALUES (?, ?, ?)"),
    seenPrune: p("DELETE FROM ch_seen WHERE channel = ? AND (epoch < ? OR (epoch = ? AND idx <= ?))"),
    outGet: p("SELECT epoch, next_index FROM ch_out WHERE channel = ?"),
    outPut: p(
      "INSERT INTO ch_out (channel, epoch, next_index) VALUES (?, ?, ?) ON CONFLICT (channel) DO UPDATE SET epoch = excluded.epoch, next_index = excluded.next_index",
    ),
    pendingPut: p(
      "INSERT OR REPLACE INTO ch_pending (hint, source, ticket, own, from_peer, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    pendingGet: p("SELECT source, ticket, own, hint, from_peer, created_ms FROM ch_pending WHERE hint = ?"),
    pendingDel: p("DELETE FROM ch_pending WHERE hint = ?"),
    pendingExpire: p("DELETE FROM ch_pending WHERE created_ms < ?"),
    pendingCount: p("SELECT COUNT(*) AS n FROM ch_pending"),
    wonPut: p(
      "INSERT OR IGNORE INTO ch_won (channel, epoch, idx, source, amount, ticket, response, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'won')",
    ),
    wonByState: p("SELECT * FROM ch_won WHERE state = ? ORDER BY channel, epoch, idx"),
    wonSetState: p(
      "UPDATE ch_won SET state = ?, tx_hash = COALESCE(?, tx_hash), reason = ? WHERE channel = ? AND epoch = ? AND idx = ?",
    ),
    wonOpenAmount: p("SELECT amount FROM ch_won WHERE channel = ? AND state IN ('won','submitted')"),
    wonCount: p("SELECT state, COUNT(*) AS n FROM ch_won GROUP BY state"),
    roundPut: p("INSERT INTO ch_round (commitment, secret) VALUES (?, ?)"),
    roundSet: p("UPDATE ch_round SET round = ? WHERE commitment = ?"),
    roundAll: p("SELECT commitment, secret, round, revealed FROM ch_round"),
    roundGet: p("SELECT secret, revealed FROM ch_round WHERE round = ?"),
    roundRevealed: p("SELECT revealed FROM ch_round WHERE round = ?"),
    roundReveal: p("UPDATE ch_round SET revealed = 1 WHERE round = ?"),
    statAdd: p(
      "INSERT INTO ch_stats (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
    ),
    statAll: p("SELECT name, value FROM ch_stats"),
  };
}

/** Typed access to the `ch_` tables of one database connection. */
export class ChannelsStore {
  readonly db: SqlDatabase;
  readonly #s: ReturnType<typeof prepareStatements>;

  constructor(db: SqlDatabase) {
    this.db = db;
    this.#s = openTables(db, SCHEMA, prepareStatements);
  }

  /**
   * Whether an incoming ticket index was already accepted. Packets overtake
   * each other in the mixing delays, so indices arrive out of order: every
   * accepted index is remembered (until the chain's redeemed index passes it)
   * instead of keeping only the highest.
   */
  seen(channel: Hex, epoch: bigint, index: bigint): boolean {
    return this.#s.seenGet.get(channel, Number(epoch), Number(index)) !== undefined;
  }

  /** Records an accepted incoming index; false when it was already there. */
  markSeen(channel: Hex, epoch: bigint, index: bigint): boolean {
    return Number(this.#s.seenPut.run(channel, Number(epoch), Number(index)).changes) === 1;
  }

  /** Forgets indices the chain already made unusable (older epochs, ≤ last redeemed). */
  pruneSeen(channel: Hex, epoch: bigint, redeemedIndex: bigint): void {
    this.#s.seenPrune.run(channel, Number(epoch), Number(epoch), Number(redeemedIndex));
  }

  /**
   * Reserves the next outgoing ticket index on a channel we source. Indices
   * restart at 1 in a new channel epoch and never repeat within one.
   */
  nextOutIndex(channel: Hex, epoch: bigint, chainIndex: bigint, floor = 0n): bigint {
    const row = this.#s.outGet.get(channel) as { epoch: number; next_index: number } | undefined;
    let next = row && BigInt(row.epoch) === epoch ? BigInt(row.next_index) : 1n;
    // After a lost database the chain's redeemed index is the floor; a new lottery round is another.
    if (next <= chainIndex) next = chainIndex + 1n;
    if (next <= floor) next = floor + 1n;
    // The row can be rolled back under us: a caller outside the relay's group commit (the
    // cover-loop payer) may write inside a packet's savepoint that is then undone. What this
    // process handed out is remembered here too, so no index is ever issued twice.
    const issued = ISSUED.get(this.db) ?? new Map<string, bigint>();
    ISSUED.set(this.db, issued);
    const key = `${channel}/${epoch}`;
    const last = issued.get(key) ?? 0n;
    if (next <= last) next = last + 1n;
    issued.set(key, next);
    this.#s.outPut.run(channel, Number(epoch), Number(next + 1n));
    return next;
  }

  /**
   * Stores a ticket awaiting the next hop's receipt, keyed by its hint
   * ack·G: the receipt reveals ack, so the relay finds the ticket by
   * recomputing ack·G, without knowing how the pipeline names packets.
   * `own` may be given as its 32 big-endian bytes (the relay's hot path holds it so).
   */
  putPending(p: Omit<PendingTicket, "own"> & { own: bigint | Uint8Array }): void {
    const own = typeof p.own === "bigint" ? hexToBytes(`0x${p.own.toString(16).padStart(64, "0")}`) : p.own;
    this.#s.pendingPut.run(p.hint, p.source, p.ticket, own, p.fromPeer, p.createdMs);
  }

  getPending(hint: Uint8Array): PendingTicket | null {
    const r = this.#s.pendingGet.get(hint) as
      | { source: string; ticket: Uint8Array; own: Uint8Array; hint: Uint8Array; from_peer: string; created_ms: number }
      | undefined;
    if (!r) return null;
    return {
      source: r.source as Address,
      ticket: r.ticket,
      own: BigInt(bytesToHex(r.own)),
      hint: r.hint,
      fromPeer: r.from_peer,
      createdMs: r.created_ms,
    };
  }

  deletePending(hint: Uint8Array): void {
    this.#s.pendingDel.run(hint);
  }

  /** Drops tickets whose receipt never came (the next hop dropped the packet). */
  expirePending(olderThanMs: number): number {
    return Number(this.#s.pendingExpire.run(olderThanMs).changes);
  }

  pendingCount(): number {
    return (this.#s.pendingCount.get() as { n: number }).n;
  }

  /** Records a winner (idempotent on (channel, epoch, index)). */
  putWon(t: SignedTicket, source: Address, ticketBytes: Uint8Array, response: bigint): void {
    this.#s.wonPut.run(
      t.channel,
      Number(t.epoch),
      Number(t.index),
      source,
      t.amount.toString(),
      ticketBytes,
      response.toString(),
    );
  }

  won(state: WinState): WonTicket[] {
    return (this.#s.wonByState.all(state) as Record<string, unknown>[]).map((r) => ({
      channel: r.channel as Hex,
      epoch: BigInt(r.epoch as number),
      index: BigInt(r.idx as number),
      source: r.source as Address,
      amount: BigInt(r.amount as string),
      ticket: r.ticket as Uint8Array,
      response: BigInt(r.response as string),
      state: r.state as WinState,
      txHash: (r.tx_hash as Hex | null) ?? null,
    }));
  }

  setState(
    tickets: readonly WonTicket[],
    state: WinState,
    txHash: Hex | null = null,
    reason: string | null = null,
  ): void {
    transaction(this.db, () => {
      for (const t of tickets)
        this.#s.wonSetState.run(state, txHash, reason, t.channel, Number(t.epoch), Number(t.index));
    });
  }

  /** Sum of winners on `channel` not yet paid out: the channel balance they already claim. */
  openWinnings(channel: Hex): bigint {
    let sum = 0n;
    for (const r of this.#s.wonOpenAmount.all(channel) as { amount: string }[]) sum += BigInt(r.amount);
    return sum;
  }

  counts(): Record<WinState, number> {
    const out: Record<WinState, number> = { won: 0, submitted: 0, redeemed: 0, void: 0 };
    for (const r of this.#s.wonCount.all() as { state: WinState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  /** Records a fresh round secret under its commitment, before the commitment is sent. */
  putRoundSecret(commitment: Hex, secret: Uint8Array): void {
    this.#s.roundPut.run(commitment.toLowerCase(), secret);
  }

  /** Notes the round number the chain gave `commitment`. */
  setRound(commitment: Hex, round: bigint): void {
    this.#s.roundSet.run(Number(round), commitment.toLowerCase());
  }

  /** Marks a round revealed (durably, before the transaction that reveals it is sent). */
  markRevealed(round: bigint): void {
    this.#s.roundReveal.run(Number(round));
  }

  /** The stored round `round`, if this database holds its secret. */
  round(round: bigint): { secret: Uint8Array; revealed: boolean } | null {
    const r = this.#s.roundGet.get(Number(round)) as { secret: Uint8Array; revealed: number } | undefined;
    return r ? { secret: r.secret, revealed: r.revealed === 1 } : null;
  }

  /** Whether `round` was marked revealed (by this or another process sharing the database). */
  isRevealed(round: bigint): boolean {
    const r = this.#s.roundRevealed.get(Number(round)) as { revealed: number } | undefined;
    return r?.revealed === 1;
  }

  rounds(): StoredRound[] {
    return (
      this.#s.roundAll.all() as { commitment: string; secret: Uint8Array; round: number | null; revealed: number }[]
    ).map((r) => ({
      commitment: r.commitment as Hex,
      secret: r.secret,
      round: r.round === null ? null : BigInt(r.round),
      revealed: r.revealed === 1,
    }));
  }

  addStat(name: string, value = 1): void {
    this.#s.statAdd.run(name, value);
  }

  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.#s.statAll.all() as { name: string; value: number }[]) out[r.name] = r.value;
    return out;
  }
}
