/**
 * Browser backend of the client storage port (`src/client/store.ts`):
 * IndexedDB database `obol:<dataDir>` with one object store per SQLite table
 * of `ClientState` (meta, sent, surbs, received). Everything is loaded into
 * memory at open, so the port's synchronous reads stay synchronous; every
 * write updates memory and queues an IndexedDB transaction at once.
 *
 * Durability: IndexedDB commits transactions in the order they were created,
 * so a SURB secret is queued before the packet that carries its SURB is
 * built; a page killed in the few ms before the commit loses that write
 * (SQLite's `synchronous=FULL` in Node has no such window). `flush()` waits
 * for every queued write.
 */
import type { DatabaseSync } from "node:sqlite";
import { bytesToHex, getAddress, type Address } from "viem";
import { primitives } from "#platform/crypto";
import { MAILBOX_SIZE } from "../../net/constants.js";
import { ClientStateError } from "../../client/errors.js";
import { generateSealKeyPair, sealPublicKey } from "../../client/seal.js";
import type { ClientIdentity, ReceivedMessage } from "../../client/state.js";
import { replyTarget, type ClientStore } from "../../client/store.js";
import { mailboxId } from "../../net/inbox.js";
import { idbDone, idbRequest } from "./idb.js";

const VERSION = 1;
const STORES = ["meta", "sent", "surbs", "received"] as const;
type StoreName = (typeof STORES)[number];

type SurbRow = { id: Uint8Array; secret: Uint8Array; createdAt: number; usedAt: number | null };
type SentRow = { id: Uint8Array; recipient: string; sentAt: number };

/**
 * Opens (creating when absent) the client state named `dataDir` in IndexedDB.
 *
 * @throws ClientStateError when IndexedDB is unavailable or refuses the database.
 */
export async function openClientStore(dataDir: string): Promise<IndexedDbClientStore> {
  if (!dataDir) throw new ClientStateError("empty data directory name");
  if (typeof indexedDB === "undefined")
    throw new ClientStateError("IndexedDB is not available in this browser context");
  const name = `obol:${dataDir}`;
  let db: IDBDatabase;
  try {
    const open = indexedDB.open(name, VERSION);
    open.onupgradeneeded = () => {
      for (const store of STORES)
        if (!open.result.objectStoreNames.contains(store)) open.result.createObjectStore(store);
    };
    db = await idbRequest(open);
  } catch (cause) {
    throw new ClientStateError(`cannot open IndexedDB database ${name}`, { cause, details: String(cause) });
  }
  const tx = db.transaction([...STORES], "readonly");
  const load = async <T>(store: StoreName) => {
    const s = tx.objectStore(store);
    const [keys, values] = await Promise.all([idbRequest(s.getAllKeys()), idbRequest(s.getAll())]);
    return new Map(keys.map((k, i) => [String(k), values[i] as T]));
  };
  const [meta, sent, surbs, received] = await Promise.all([
    load<Uint8Array>("meta"),
    load<SentRow>("sent"),
    load<SurbRow>("surbs"),
    load<ReceivedMessage>("received"),
  ]);
  return new IndexedDbClientStore(db, { meta, sent, surbs, received });
}

export class IndexedDbClientStore implements ClientStore {
  #pending: Promise<void> = Promise.resolve();
  #writeError: unknown = null;

  constructor(
    private readonly idb: IDBDatabase,
    private readonly rows: {
      meta: Map<string, Uint8Array>;
      sent: Map<string, SentRow>;
      surbs: Map<string, SurbRow>;
      received: Map<string, ReceivedMessage>;
    },
  ) {}

  /**
   * No SQL here: the client hands `db` to its scheme at construction, so this
   * is an object whose every use throws; a scheme that needs tables fails on
   * first use with a clear error, and `free` never touches it.
   */
  readonly db = new Proxy({} as DatabaseSync, {
    get() {
      throw new ClientStateError("this scheme needs SQL storage, which the browser client does not have yet", {
        details: "only the free scheme runs in the browser (docs/web.md)",
        hint: "run paid schemes with the Node client (`obol send`)",
      });
    },
  });

  identity(): ClientIdentity {
    let secret = this.rows.meta.get("sealSecretKey");
    let pullKey = this.rows.meta.get("pullKey");
    if (!secret || !pullKey) {
      secret = generateSealKeyPair().secretKey;
      pullKey = primitives.randomBytes(MAILBOX_SIZE);
      this.#setMeta("sealSecretKey", secret);
      this.#setMeta("pullKey", pullKey);
    }
    const gw = this.rows.meta.get("gateway");
    return {
      sealSecretKey: secret,
      sealPublicKey: sealPublicKey(secret),
      pullKey,
      mailbox: mailboxId(pullKey),
      gateway: gw ? getAddress(new TextDecoder().decode(gw)) : null,
    };
  }

  /** Replaces this store's identity with a restored one (keys, mailbox and gateway). */
  importIdentity({
    sealSecretKey,
    pullKey,
    gateway,
  }: {
    sealSecretKey: Uint8Array;
    pullKey: Uint8Array;
    gateway: Address;
  }): void {
    this.#setMeta("sealSecretKey", sealSecretKey);
    this.#setMeta("pullKey", pullKey);
    this.setGateway(gateway);
  }

  setGateway(gateway: Address): void {
    this.#setMeta("gateway", new TextEncoder().encode(getAddress(gateway)));
  }

  recordSent({ id, recipient, at = Date.now() }: { id: Uint8Array; recipient: string; at?: number }): void {
    const key = bytesToHex(id);
    if (this.rows.sent.has(key)) return;
    this.#write("sent", key, { id, recipient, sentAt: at });
  }

  sentCount(): number {
    return this.rows.sent.size;
  }

  saveSurbSecret({ id, secret, at = Date.now() }: { id: Uint8Array; secret: Uint8Array; at?: number }): void {
    this.#write("surbs", bytesToHex(id), { id, secret, createdAt: at, usedAt: null });
  }

  openSurbs(limit = 1000): { id: Uint8Array; secret: Uint8Array }[] {
    return [...this.rows.surbs.values()]
      .filter((s) => s.usedAt === null)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit)
      .map(({ id, secret }) => ({ id, secret }));
  }

  markSurbUsed(id: Uint8Array, at = Date.now()): void {
    const row = this.rows.surbs.get(bytesToHex(id));
    if (row) this.#write("surbs", bytesToHex(id), { ...row, usedAt: at });
  }

  saveReceived(message: ReceivedMessage): boolean {
    const key = `${message.kind}:${bytesToHex(message.id)}`;
    if (this.rows.received.has(key)) return false;
    this.#write("received", key, message);
    return true;
  }

  received(): ReceivedMessage[] {
    return [...this.rows.received.values()].sort((a, b) => a.receivedAt - b.receivedAt);
  }

  takeReceivedSurb(idPrefix: string): { id: Uint8Array; surb: Uint8Array } {
    const m = replyTarget(this.received(), idPrefix);
    this.#write("received", `message:${bytesToHex(m.id)}`, { ...m, surb: null }); // single use: cleared before the reply is built
    return { id: m.id, surb: m.surb };
  }

  /** Resolves when every queued write has committed; rejects with the first write that failed. */
  async flush(): Promise<void> {
    await this.#pending;
    if (this.#writeError) throw new ClientStateError("an IndexedDB write failed", { cause: this.#writeError });
  }

  close(): void {
    this.idb.close(); // IndexedDB lets queued transactions finish before closing
  }

  #setMeta(key: string, value: Uint8Array): void {
    this.#write("meta", key, value);
  }

  #write<T>(store: StoreName, key: string, value: T): void {
    (this.rows[store] as Map<string, T>).set(key, value);
    const tx = this.idb.transaction(store, "readwrite", { durability: "strict" });
    tx.objectStore(store).put(value, key);
    const done = idbDone(tx).then((error) => {
      if (error) this.#writeError ??= error;
    });
    this.#pending = this.#pending.then(() => done);
  }
}
