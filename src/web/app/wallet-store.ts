/**
 * The page's chain wallet in IndexedDB (database `obol-wallet:<identity>`,
 * one object store `kv`): the secp256k1 key that pays (generated on first
 * use, never leaving the worker), the outgoing ticket index per channel and epoch
 * (`OutIndices` of the channels scheme), and the blind tokens of the tickets
 * scheme (`TokenPurse`, one row `tk:<serial>` each, spent or not). Everything is loaded into memory at
 * open; each write updates memory and queues an IndexedDB transaction at once,
 * in call order, before the ticket that uses the index leaves the worker.
 *
 * Durability: as for the client store (docs/web.md §What does not work yet),
 * a page killed in the few ms before a queued write commits loses it; an index
 * lost so is issued again after a reload and the gateway refuses that one
 * ticket as `reused-index` (the next packet pays with a fresh index); a
 * token marked spent and lost so is spent again after a reload and the relay
 * refuses it as a double spend (the packet is dropped).
 */
import { bytesToHex, getAddress, hexToBytes, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ObolError } from "../../errors.js";
import type { OutIndices } from "../../schemes/channels/payer.js";
import { idbDone, idbRequest } from "../../platform/browser/idb.js";
import { primitives } from "#platform/crypto";
import { NoTokenError } from "../../schemes/tickets/errors.js";
import type { TokenPurse, WalletToken } from "../../schemes/tickets/purse.js";

/** One token as stored (bigint as a decimal string: structured clone keeps it, but JSON views do not). */
type TokenRow = { relay: Address; epoch: string; serial: Uint8Array; signature: Uint8Array; spent: boolean };

/** IndexedDB refused the wallet database (private mode, quota, blocked upgrade). */
export class WalletStoreError extends ObolError {
  override name = "WalletStoreError";
}

/** A key to import is not a secp256k1 private key. */
export class InvalidPaymentKeyError extends ObolError {
  override name = "InvalidPaymentKeyError";
  constructor(problem: string) {
    super(`Not a payment key: ${problem}`, {
      hint: "paste the key as 0x followed by 64 hex digits (as “Back up” shows it, or a Hardhat account's key)",
    });
  }
}

export class WalletStore implements OutIndices, TokenPurse {
  /** The last queued write: IndexedDB commits a database's transactions in the order they were created. */
  #last: Promise<void> = Promise.resolve();
  #writeError: unknown = null;
  private constructor(
    private readonly idb: IDBDatabase,
    private readonly rows: Map<string, unknown>,
  ) {}

  /** Opens (creating when absent) the wallet of `identity`. */
  static async open(identity: string): Promise<WalletStore> {
    const name = `obol-wallet:${identity}`;
    try {
      const open = indexedDB.open(name, 1);
      open.onupgradeneeded = () => void open.result.createObjectStore("kv");
      const idb = await idbRequest(open);
      const s = idb.transaction("kv", "readonly").objectStore("kv");
      const [keys, values] = await Promise.all([idbRequest(s.getAllKeys()), idbRequest(s.getAll())]);
      return new WalletStore(idb, new Map(keys.map((k, i) => [String(k), values[i]])));
    } catch (cause) {
      throw new WalletStoreError(`cannot open IndexedDB database ${name}`, {
        cause,
        details: String(cause),
        hint: "allow site storage for this page (not a private window)",
      });
    }
  }

  #put(key: string, value: unknown): void {
    this.#putAll([[key, value]]);
  }

  /** Writes rows in one IndexedDB transaction (all or none on disk). */
  #putAll(rows: readonly (readonly [string, unknown])[]): void {
    if (rows.length === 0) return;
    const tx = this.idb.transaction("kv", "readwrite");
    for (const [key, value] of rows) {
      this.rows.set(key, value);
      tx.objectStore("kv").put(value, key);
    }
    this.#last = idbDone(tx).then((error) => {
      if (error) this.#writeError ??= error;
    });
  }

  /**
   * Replaces the paying key with `key` (a restored wallet); tokens and ticket indices stay.
   *
   * @throws InvalidPaymentKeyError unless `key` is a 0x-prefixed 32-byte secp256k1 secret key
   */
  importChainKey(key: string): void {
    const hex = key.trim();
    try {
      if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new Error("not 0x followed by 64 hex digits");
      privateKeyToAccount(hex as Hex); // rejects 0 and keys ≥ the curve order
    } catch (cause) {
      throw new InvalidPaymentKeyError((cause as Error).message);
    }
    this.#put("chainKey", hexToBytes(hex as Hex));
  }

  /** The paying key: the stored one, else a fresh one (stored before it is returned). */
  chainKey(): Hex {
    const stored = this.rows.get("chainKey") as Uint8Array | undefined;
    if (stored) return bytesToHex(stored);
    const key = generatePrivateKey();
    this.#put("chainKey", hexToBytes(key));
    return key;
  }

  next(channel: Hex, epoch: bigint, chainIndex: bigint, floor: bigint): bigint {
    const key = `out:${channel.toLowerCase()}`;
    const row = this.rows.get(key) as { epoch: string; next: string } | undefined;
    let next = row && BigInt(row.epoch) === epoch ? BigInt(row.next) : 1n;
    if (next <= chainIndex) next = chainIndex + 1n;
    if (next <= floor) next = floor + 1n;
    this.#put(key, { epoch: epoch.toString(), next: (next + 1n).toString() });
    return next;
  }

  add(tokens: readonly WalletToken[]): void {
    const fresh = tokens
      .map((t) => [`tk:${bytesToHex(t.serial)}`, t] as const)
      .filter(([key]) => !this.rows.has(key))
      .map(([key, t]) => {
        const row: TokenRow = {
          relay: getAddress(t.relay),
          epoch: t.epoch.toString(),
          serial: t.serial,
          signature: t.signature,
          spent: false,
        };
        return [key, row] as const;
      });
    this.#putAll(fresh);
  }

  takeEach(relays: readonly Address[], epoch: bigint): WalletToken[] {
    const taken = new Set<string>();
    const picked = relays.map((relay) => {
      const want = getAddress(relay);
      const unspent = [...this.rows].filter(([key, v]) => {
        if (!key.startsWith("tk:") || taken.has(key)) return false;
        const row = v as TokenRow;
        return !row.spent && row.relay === want && row.epoch === epoch.toString();
      });
      // Uniformly random among the unspent ones: an order a relay could predict links packets (wallet.ts).
      if (unspent.length === 0) throw new NoTokenError(relay, epoch); // nothing marked spent yet
      const [key, row] = unspent[primitives.randomInt(unspent.length)]!;
      taken.add(key);
      return [key, row as TokenRow] as const;
    });
    this.#putAll(picked.map(([key, row]) => [key, { ...row, spent: true }] as const));
    return picked.map(([, r]) => ({ relay: r.relay, epoch, serial: r.serial, signature: r.signature }));
  }

  /** Unspent tokens per epoch (the Wallet box). */
  unspentTokens(): Map<bigint, number> {
    const counts = new Map<bigint, number>();
    for (const [key, v] of this.rows) {
      if (!key.startsWith("tk:") || (v as TokenRow).spent) continue;
      const epoch = BigInt((v as TokenRow).epoch);
      counts.set(epoch, (counts.get(epoch) ?? 0) + 1);
    }
    return counts;
  }

  /** Waits for every queued write. */
  async flush(): Promise<void> {
    await this.#last;
    if (this.#writeError)
      throw new WalletStoreError("a wallet write failed", {
        cause: this.#writeError,
        details: String(this.#writeError),
      });
  }
}
