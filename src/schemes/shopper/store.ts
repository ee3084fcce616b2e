/**
 * Durable state of the shopper scheme in the process's sqlite database
 * (docs/shopper.md §Durable state). Tables are prefixed `sh_` and created on
 * first use; every method is synchronous so it can run inside the relay's
 * group commit (`onPacket` writes the tag before the packet is forwarded).
 */
import type { SqlDatabase } from "../../store/port.js";
import type { Address, Hex } from "viem";
import { InvalidInputError } from "../../errors.js";
import { openTables, type Prepare } from "../../store/tables.js";
import { leafValue } from "./loop.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sh_leaves (epoch INTEGER NOT NULL, tag BLOB NOT NULL, leaf BLOB NOT NULL, PRIMARY KEY (epoch, tag)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sh_refused (epoch INTEGER NOT NULL, tag BLOB NOT NULL, header BLOB NOT NULL, PRIMARY KEY (epoch, tag)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sh_commits (
  epoch INTEGER PRIMARY KEY, root BLOB NOT NULL, count INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('built','submitted','committed','missed')), tx_hash TEXT);
CREATE TABLE IF NOT EXISTS sh_loops (
  epoch INTEGER NOT NULL, idx INTEGER NOT NULL, beta BLOB NOT NULL, proof BLOB NOT NULL, tags BLOB NOT NULL, headers BLOB NOT NULL,
  route TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('built','sent','revealed','lost','finalized')),
  audit_id TEXT, PRIMARY KEY (epoch, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sh_delivered (epoch INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (epoch, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sh_proved (audit_id TEXT NOT NULL, hop INTEGER NOT NULL, state TEXT NOT NULL, tx_hash TEXT, PRIMARY KEY (audit_id, hop)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sh_claims (tx_hash TEXT PRIMARY KEY, amount TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('submitted','done','failed')));
`;

export type CommitState = "built" | "submitted" | "committed" | "missed";
export type LoopState = "built" | "sent" | "revealed" | "lost" | "finalized";
export type StoredLoop = {
  epoch: bigint;
  index: number;
  beta: Uint8Array;
  proof: Uint8Array;
  tags: Uint8Array[];
  /** keccak256 of the header each hop receives. */
  headers: Uint8Array[];
  route: Address[];
  state: LoopState;
  auditId: Hex | null;
};

function checkTag(tag: Uint8Array): void {
  if (!(tag instanceof Uint8Array) || tag.length !== 32) throw new InvalidInputError("tag", "must be 32 bytes");
}

/** The prepared statements of one connection, by name (a misspelt name is a compile error). */
function prepareStatements(p: Prepare) {
  return {
    tagPut: p("INSERT OR IGNORE INTO sh_leaves (epoch, tag, leaf) VALUES (?, ?, ?)"),
    tagHas: p("SELECT 1 AS x FROM sh_leaves WHERE epoch = ? AND tag = ?"),
    leafOf: p("SELECT leaf FROM sh_leaves WHERE epoch = ? AND tag = ?"),
    leavesOf: p("SELECT leaf FROM sh_leaves WHERE epoch = ?"),
    tagCount: p("SELECT count(*) AS n FROM sh_leaves WHERE epoch = ?"),
    tagPrune: p("DELETE FROM sh_leaves WHERE epoch < ?"),
    refusedPut: p("INSERT OR IGNORE INTO sh_refused (epoch, tag, header) VALUES (?, ?, ?)"),
    refusedGet: p("SELECT header FROM sh_refused WHERE epoch = ? AND tag = ?"),
    refusedPrune: p("DELETE FROM sh_refused WHERE epoch < ?"),
    commitGet: p("SELECT root, count, state, tx_hash FROM sh_commits WHERE epoch = ?"),
    commitPut: p(
      "INSERT INTO sh_commits (epoch, root, count, state, tx_hash) VALUES (?, ?, ?, ?, ?) ON CONFLICT (epoch) DO UPDATE SET state = excluded.state, tx_hash = excluded.tx_hash",
    ),
    loopPut: p(
      "INSERT OR IGNORE INTO sh_loops (epoch, idx, beta, proof, tags, headers, route, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'built')",
    ),
    loopState: p("UPDATE sh_loops SET state = ?, audit_id = coalesce(?, audit_id) WHERE epoch = ? AND idx = ?"),
    loopsOf: p(
      "SELECT epoch, idx, beta, proof, tags, headers, route, state, audit_id FROM sh_loops WHERE epoch = ? ORDER BY idx",
    ),
    loopsIn: p(
      "SELECT epoch, idx, beta, proof, tags, headers, route, state, audit_id FROM sh_loops WHERE state = ? ORDER BY epoch, idx",
    ),
    deliveredPut: p("INSERT OR IGNORE INTO sh_delivered (epoch, idx) VALUES (?, ?)"),
    deliveredHas: p("SELECT 1 AS x FROM sh_delivered WHERE epoch = ? AND idx = ?"),
    provedGet: p("SELECT state, tx_hash FROM sh_proved WHERE audit_id = ? AND hop = ?"),
    provedPut: p(
      "INSERT INTO sh_proved (audit_id, hop, state, tx_hash) VALUES (?, ?, ?, ?) ON CONFLICT (audit_id, hop) DO UPDATE SET state = excluded.state, tx_hash = excluded.tx_hash",
    ),
    claimPut: p(
      "INSERT INTO sh_claims (tx_hash, amount, state) VALUES (?, ?, ?) ON CONFLICT (tx_hash) DO UPDATE SET state = excluded.state",
    ),
    claimsIn: p("SELECT tx_hash, amount FROM sh_claims WHERE state = ?"),
  };
}

/** Typed access to the `sh_` tables of one connection. */
export class ShopperStore {
  readonly db: SqlDatabase;
  readonly #s: ReturnType<typeof prepareStatements>;

  constructor(db: SqlDatabase) {
    this.db = db;
    this.#s = openTables(db, SCHEMA, prepareStatements);
  }

  /**
   * Records a processed packet for `epoch` (idempotent): its replay tag and the
   * Merkle leaf keccak256(tag ‖ keccak256(header received)) the commitment holds.
   */
  addTag(epoch: bigint, tag: Uint8Array, headerHash: Uint8Array): void {
    checkTag(tag);
    this.#s.tagPut.run(epoch, tag, leafValue(tag, headerHash));
  }

  /** Records that the sender pulled loop `index` of `epoch` from its exit mailbox (idempotent). */
  markDelivered(epoch: bigint, index: number): void {
    this.#s.deliveredPut.run(epoch, index);
  }

  /** Whether the sender pulled loop `index` of `epoch` from its exit mailbox. */
  isDelivered(epoch: bigint, index: number): boolean {
    return this.#s.deliveredHas.get(epoch, index) !== undefined;
  }

  hasTag(epoch: bigint, tag: Uint8Array): boolean {
    checkTag(tag);
    return this.#s.tagHas.get(epoch, tag) !== undefined;
  }

  /** The leaf stored for `tag` in `epoch`, or null. */
  leafOf(epoch: bigint, tag: Uint8Array): Uint8Array | null {
    checkTag(tag);
    const r = this.#s.leafOf.get(epoch, tag) as { leaf: Uint8Array } | undefined;
    return r ? new Uint8Array(r.leaf) : null;
  }

  /** Every leaf of `epoch` (the commitment's Merkle tree sorts them). */
  leavesOf(epoch: bigint): Uint8Array[] {
    return (this.#s.leavesOf.all(epoch) as { leaf: Uint8Array }[]).map((r) => new Uint8Array(r.leaf));
  }

  tagCount(epoch: bigint): number {
    return Number((this.#s.tagCount.get(epoch) as { n: number | bigint }).n);
  }

  /** Keeps the header of a packet refused after its tag was computed (evidence for `disputeHop`). */
  addRefused(epoch: bigint, tag: Uint8Array, header: Uint8Array): void {
    checkTag(tag);
    this.#s.refusedPut.run(epoch, tag, header);
  }

  refusedOf(epoch: bigint, tag: Uint8Array): Uint8Array | null {
    checkTag(tag);
    const r = this.#s.refusedGet.get(epoch, tag) as { header: Uint8Array } | undefined;
    return r ? new Uint8Array(r.header) : null;
  }

  pruneTagsBefore(epoch: bigint): number {
    this.#s.refusedPrune.run(epoch);
    return Number(this.#s.tagPrune.run(epoch).changes);
  }

  commitOf(epoch: bigint): { root: Uint8Array; count: number; state: CommitState; txHash: Hex | null } | undefined {
    const r = this.#s.commitGet.get(epoch) as
      | { root: Uint8Array; count: number; state: CommitState; tx_hash: Hex | null }
      | undefined;
    return r && { root: new Uint8Array(r.root), count: Number(r.count), state: r.state, txHash: r.tx_hash };
  }

  putCommit(epoch: bigint, root: Uint8Array, count: number, state: CommitState, txHash: Hex | null = null): void {
    this.#s.commitPut.run(epoch, root, count, state, txHash);
  }

  addLoop(loop: Omit<StoredLoop, "state" | "auditId">): void {
    this.#s.loopPut.run(
      loop.epoch,
      loop.index,
      loop.beta,
      loop.proof,
      Buffer.concat(loop.tags),
      Buffer.concat(loop.headers),
      JSON.stringify(loop.route),
    );
  }

  setLoopState(epoch: bigint, index: number, state: LoopState, auditId: Hex | null = null): void {
    this.#s.loopState.run(state, auditId, epoch, index);
  }

  loopsOf(epoch: bigint): StoredLoop[] {
    return (this.#s.loopsOf.all(epoch) as LoopRow[]).map(toLoop);
  }

  loopsIn(state: LoopState): StoredLoop[] {
    return (this.#s.loopsIn.all(state) as LoopRow[]).map(toLoop);
  }

  provedOf(auditId: Hex, hop: number): { state: string; txHash: Hex | null } | undefined {
    const r = this.#s.provedGet.get(auditId, hop) as { state: string; tx_hash: Hex | null } | undefined;
    return r && { state: r.state, txHash: r.tx_hash };
  }

  putProved(
    auditId: Hex,
    hop: number,
    state: "submitted" | "proven" | "disputed" | "missing",
    txHash: Hex | null,
  ): void {
    this.#s.provedPut.run(auditId, hop, state, txHash);
  }

  putClaim(txHash: Hex, amount: bigint, state: "submitted" | "done" | "failed"): void {
    this.#s.claimPut.run(txHash, amount.toString(), state);
  }

  claimsIn(state: "submitted" | "done" | "failed"): { txHash: Hex; amount: bigint }[] {
    return (this.#s.claimsIn.all(state) as { tx_hash: Hex; amount: string }[]).map((r) => ({
      txHash: r.tx_hash,
      amount: BigInt(r.amount),
    }));
  }
}

type LoopRow = {
  epoch: number | bigint;
  idx: number;
  beta: Uint8Array;
  proof: Uint8Array;
  tags: Uint8Array;
  headers: Uint8Array;
  route: string;
  state: LoopState;
  audit_id: Hex | null;
};

function toLoop(r: LoopRow): StoredLoop {
  const split = (b: Uint8Array) => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < b.length; i += 32) out.push(new Uint8Array(b.subarray(i, i + 32)));
    return out;
  };
  const tags = split(r.tags);
  const headers = split(r.headers);
  return {
    epoch: BigInt(r.epoch),
    index: Number(r.idx),
    beta: new Uint8Array(r.beta),
    proof: new Uint8Array(r.proof),
    tags,
    headers,
    route: JSON.parse(r.route) as Address[],
    state: r.state,
    auditId: r.audit_id,
  };
}
