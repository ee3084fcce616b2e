/**
 * Durable client state in `<dataDir>/client.sqlite` (`openDatabase`, WAL):
 * the sealing key pair, the mailbox pull key, the chosen gateway, ids of sent
 * messages, the secrets of SURBs handed out (to open replies) and received
 * messages with their SURBs (to reply later with `obol inbox --reply`).
 * Schema in docs/client.md §State.
 */
import { join } from "node:path";
import { primitives } from "#platform/crypto";
import type { DatabaseSync } from "node:sqlite";
import { openDatabase, transaction } from "../store/db.js";
import { getAddress, type Address } from "viem";
import { ClientStateError } from "./errors.js";
import { generateSealKeyPair, sealPublicKey } from "./seal.js";
import { MAILBOX_SIZE } from "../net/constants.js";
import { mailboxId } from "../net/inbox.js";
import { replyTarget, type ClientStore } from "./store.js";

export const CLIENT_DB_FILE = "client.sqlite";

export type ClientIdentity = {
  sealSecretKey: Uint8Array;
  sealPublicKey: Uint8Array;
  /** Secret key that empties the mailbox at the gateway (`/obol/inbox/1`). */
  pullKey: Uint8Array;
  /** Public mailbox id, `HMAC-SHA256("obol-mailbox", pullKey)` (docs/wire.md §4). */
  mailbox: Uint8Array;
  /** The gateway this client receives at; null until chosen. */
  gateway: Address | null;
};

export type ReceivedMessage = {
  id: Uint8Array;
  kind: "message" | "reply";
  content: Uint8Array;
  /** Encoded SURB to answer with; null when none came or it was used. */
  surb: Uint8Array | null;
  receivedAt: number;
};

/**
 * Opens (creating when absent) the client state of a data directory.
 *
 * @example
 * const state = ClientState.open(".obol");
 * const { mailbox } = state.identity();
 */
export class ClientState implements ClientStore {
  /** The open database; scheme client sides keep their tables here too (`SchemeDeps.db`). */
  private constructor(readonly db: DatabaseSync) {}

  static open(dataDir: string): ClientState {
    if (!dataDir) throw new ClientStateError("empty data directory path");
    const path = join(dataDir, CLIENT_DB_FILE);
    const db = openDatabase(path); // WAL + synchronous=FULL; typed StoreOpenError on failure
    try {
      // Client tables sit beside the store's core schema and any scheme's tables.
      db.exec(`
        CREATE TABLE IF NOT EXISTS client_meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS client_sent (id BLOB PRIMARY KEY, recipient TEXT NOT NULL, sent_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS client_surbs (id BLOB PRIMARY KEY, secret BLOB NOT NULL, created_at INTEGER NOT NULL, used_at INTEGER);
        CREATE TABLE IF NOT EXISTS client_received (id BLOB NOT NULL, kind TEXT NOT NULL, content BLOB NOT NULL, surb BLOB,
                                                    received_at INTEGER NOT NULL, PRIMARY KEY (id, kind));`);
    } catch (cause) {
      db.close();
      throw new ClientStateError(`cannot create the client tables in ${path}`, {
        cause,
        details: (cause as Error).message,
      });
    }
    return new ClientState(db);
  }

  /** The client's keys and mailbox, created (and stored) on first use. */
  identity(): ClientIdentity {
    let secret = this.meta("sealSecretKey");
    let pullKey = this.meta("pullKey");
    if (!secret || !pullKey) {
      secret = generateSealKeyPair().secretKey;
      pullKey = primitives.randomBytes(MAILBOX_SIZE);
      const [sk, pk] = [secret, pullKey];
      transaction(this.db, () => {
        this.setMeta("sealSecretKey", sk);
        this.setMeta("pullKey", pk);
      });
    }
    const gw = this.meta("gateway");
    return {
      sealSecretKey: secret,
      sealPublicKey: sealPublicKey(secret),
      pullKey,
      mailbox: mailboxId(pullKey),
      gateway: gw ? getAddress(new TextDecoder().decode(gw)) : null,
    };
  }

  /** Remembers the gateway this client receives at (part of its address). */
  setGateway(gateway: Address): void {
    this.setMeta("gateway", new TextEncoder().encode(getAddress(gateway)));
  }

  recordSent({ id, recipient, at = Date.now() }: { id: Uint8Array; recipient: string; at?: number }): void {
    this.db
      .prepare("INSERT OR IGNORE INTO client_sent (id, recipient, sent_at) VALUES (?, ?, ?)")
      .run(id, recipient, at);
  }

  sentCount(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM client_sent").get() as { n: number }).n;
  }

  /** Stores the secret that opens replies to message `id` (written before the message leaves). */
  saveSurbSecret({ id, secret, at = Date.now() }: { id: Uint8Array; secret: Uint8Array; at?: number }): void {
    this.db
      .prepare("INSERT OR REPLACE INTO client_surbs (id, secret, created_at, used_at) VALUES (?, ?, ?, NULL)")
      .run(id, secret, at);
  }

  /** Secrets of SURBs not yet answered, newest first, up to `limit`. */
  openSurbs(limit = 1000): { id: Uint8Array; secret: Uint8Array }[] {
    const rows = this.db
      .prepare("SELECT id, secret FROM client_surbs WHERE used_at IS NULL ORDER BY created_at DESC LIMIT ?")
      .all(limit) as { id: Uint8Array; secret: Uint8Array }[];
    return rows.map((r) => ({ id: new Uint8Array(r.id), secret: new Uint8Array(r.secret) }));
  }

  /** Marks a SURB as answered: a SURB is single-use, a second reply is refused. */
  markSurbUsed(id: Uint8Array, at = Date.now()): void {
    this.db.prepare("UPDATE client_surbs SET used_at = ? WHERE id = ?").run(at, id);
  }

  /**
   * Stores a received message once; returns false when it was already stored
   * (the same packet pulled twice).
   */
  saveReceived(message: ReceivedMessage): boolean {
    const r = this.db
      .prepare("INSERT OR IGNORE INTO client_received (id, kind, content, surb, received_at) VALUES (?, ?, ?, ?, ?)")
      .run(message.id, message.kind, message.content, message.surb, message.receivedAt);
    return Number(r.changes) === 1;
  }

  /** Received messages, oldest first. */
  received(): ReceivedMessage[] {
    const rows = this.db
      .prepare("SELECT id, kind, content, surb, received_at FROM client_received ORDER BY received_at")
      .all() as {
      id: Uint8Array;
      kind: "message" | "reply";
      content: Uint8Array;
      surb: Uint8Array | null;
      received_at: number;
    }[];
    return rows.map((r) => ({
      id: new Uint8Array(r.id),
      kind: r.kind,
      content: new Uint8Array(r.content),
      surb: r.surb ? new Uint8Array(r.surb) : null,
      receivedAt: r.received_at,
    }));
  }

  /**
   * Takes the SURB of a received message for a reply (single use: cleared in
   * the same transaction so a crash cannot let it be used twice).
   *
   * @param idPrefix hex prefix of the message id (as `obol inbox` prints it).
   * @throws ClientStateError when no message matches, several match, or its SURB is gone.
   */
  takeReceivedSurb(idPrefix: string): { id: Uint8Array; surb: Uint8Array } {
    const m = replyTarget(this.received(), idPrefix);
    const cleared = this.db
      .prepare("UPDATE client_received SET surb = NULL WHERE id = ? AND kind = 'message' AND surb IS NOT NULL")
      .run(m.id);
    if (Number(cleared.changes) !== 1) throw new ClientStateError(`message ${idPrefix} was already answered`);
    return { id: m.id, surb: m.surb };
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private meta(key: string): Uint8Array | null {
    const row = this.db.prepare("SELECT value FROM client_meta WHERE key = ?").get(key) as
      | { value: Uint8Array }
      | undefined;
    return row ? new Uint8Array(row.value) : null;
  }

  private setMeta(key: string, value: Uint8Array): void {
    this.db.prepare("INSERT OR REPLACE INTO client_meta (key, value) VALUES (?, ?)").run(key, value);
  }
}
