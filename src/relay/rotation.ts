/**
 * Mix-key rotation per epoch (docs/operations.md §Rotate; Loopix §4.4,
 * Katzenpost and Nym rotate the same way). The RelayRegistry already keeps a
 * key history: `updateKeys` sent in epoch e puts a key in force from e + 1,
 * and `keysAt(relay, e)` is the key clients build for in epoch e.
 *
 * Every epoch e the relay
 * 1. writes a fresh X25519 secret to `<data-dir>/mix-keys/` (before anything
 *    is sent, so a crash never leaves a registered key without its secret),
 * 2. sends `updateKeys(next, currentBlsKey)` so it is in force from e + 1,
 * 3. accepts packets under the key in force in e, the one registered for
 *    e + 1 (a client whose clock is ahead), and the key of e − 1 for
 *    `graceMs` after it saw e begin (packets built just before the boundary,
 *    still in flight or in mixing queues),
 * 4. once the grace ends, deletes every other secret file (a key seized later
 *    opens no recorded traffic) and prunes the replay tags filed before the
 *    first epoch of the key now in force: no packet those tags protect can be
 *    peeled any more. Scheme tables (earned, unclaimed credit) are not touched.
 *
 * Which secret is in force is read from the chain, never assumed: a rotation
 * transaction that lands late just leaves the previous key in force longer.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bytesToHex, hexToBytes } from "viem";
import { relayRegistryAbi } from "../chain/abi/RelayRegistry.js";
import { currentEpoch } from "../chain/epochs.js";
import { updateRelayKeys } from "../chain/registry.js";
import type { ChainClients } from "../chain/types.js";
import { x25519Group, type SphinxGroup } from "../crypto/sphinx/group.js";
import type { Logger } from "../log.js";
import type { ReplayStore } from "../store/replay.js";
import { RelayConfigError } from "./errors.js";
import { MIX_KEY_FILE } from "./keys.js";

/** Folder of rotating mix secrets inside a data directory (files `<pubkey hex>.key`, 32 bytes, mode 0600). */
export const MIX_KEYS_DIR = "mix-keys";
/**
 * Default grace for the previous epoch's key: the relay's largest accepted
 * per-hop delay (60 s) times the 5 hops a packet may still have ahead, plus
 * the clients' 10 s directory cache, rounded up.
 */
export const DEFAULT_GRACE_MS = 6 * 60_000;

type Key = { secretKey: Uint8Array; publicKey: Uint8Array; hex: string };

/** What the rotation needs from the chain (the registry); `chainKeyDirectory` implements it. */
export type KeyDirectory = {
  /** The mix key in force for this relay in `epoch`, or null when none is (not registered then). */
  keyAt(epoch: bigint): Promise<Uint8Array | null>;
  /** Registers `mixKey` to be in force from the next epoch (keeping the BLS key). */
  publishNext(mixKey: Uint8Array): Promise<void>;
};

/**
 * The relay's mix secrets on disk and which of them are in force.
 *
 * @example
 * const ring = MixKeyRing.open(dataDir);
 * createRelay(components, { …, mixSecretKey: ring.any().secretKey, mixKeys: ring });
 */
export class MixKeyRing {
  readonly #dir: string;
  readonly #group: SphinxGroup;
  readonly #keys = new Map<string, Key>();
  #active: { secretKey: Uint8Array; tagEpoch?: bigint }[] = [];

  private constructor(dataDir: string, group: SphinxGroup) {
    this.#dir = join(dataDir, MIX_KEYS_DIR);
    this.#group = group;
  }

  /**
   * Opens `<dataDir>/mix-keys/`, moving a pre-rotation `mix.key` into it, and
   * creating a first key when there is none.
   *
   * @throws RelayConfigError for a key file of the wrong size
   */
  static open(dataDir: string, group: SphinxGroup = x25519Group): MixKeyRing {
    const ring = new MixKeyRing(dataDir, group);
    mkdirSync(ring.#dir, { recursive: true, mode: 0o700 });
    const legacy = join(dataDir, MIX_KEY_FILE);
    if (existsSync(legacy)) ring.#store(ring.#check(new Uint8Array(readFileSync(legacy)), legacy), legacy);
    for (const file of readdirSync(ring.#dir).filter((f) => f.endsWith(".key"))) {
      const path = join(ring.#dir, file);
      const secretKey = ring.#check(new Uint8Array(readFileSync(path)), path);
      const key = ring.#key(secretKey);
      ring.#keys.set(key.hex, key);
    }
    if (ring.#keys.size === 0) ring.create();
    ring.#active = [...ring.#keys.values()].map((k) => ({ secretKey: k.secretKey }));
    return ring;
  }

  #check(secretKey: Uint8Array, path: string): Uint8Array {
    if (secretKey.length !== this.#group.scalarSize)
      throw new RelayConfigError(
        "mix key",
        `${path} holds ${secretKey.length} bytes, expected ${this.#group.scalarSize}`,
        {
          hint: "restore the file from a backup, or delete it: the relay registers a fresh key for the next epoch",
        },
      );
    return secretKey;
  }

  #key(secretKey: Uint8Array): Key {
    const publicKey = this.#group.publicKey(secretKey);
    return { secretKey, publicKey, hex: bytesToHex(publicKey).slice(2) };
  }

  /** Writes a secret atomically (tmp + rename); `moveFrom` is removed after. */
  #store(secretKey: Uint8Array, moveFrom?: string): Key {
    const key = this.#key(secretKey);
    const file = join(this.#dir, `${key.hex}.key`);
    writeFileSync(`${file}.tmp`, secretKey, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    if (moveFrom) rmSync(moveFrom);
    this.#keys.set(key.hex, key);
    return key;
  }

  /** Creates and stores a fresh secret; returns its public key. */
  create(): Uint8Array {
    return this.#store(this.#group.randomSecretKey()).publicKey;
  }

  /** The secret whose public key is `publicKey`, if this relay holds it. */
  secretFor(publicKey: Uint8Array): Uint8Array | undefined {
    return this.#keys.get(bytesToHex(publicKey).slice(2))?.secretKey;
  }

  /** Some held key (for the relay's size check before the first rotation step). */
  any(): Key {
    return this.#keys.values().next().value!;
  }

  /** Number of secrets on disk (the test and the docs' "at most three"). */
  get size(): number {
    return this.#keys.size;
  }

  /** The pipeline's keys, in the order to try them. */
  active(): readonly { secretKey: Uint8Array; tagEpoch?: bigint }[] {
    return this.#active;
  }

  /** Sets the keys in force (by public key); unknown ones are skipped. */
  setActive(keys: readonly { publicKey: Uint8Array; tagEpoch?: bigint }[]): void {
    const active = [];
    const seen = new Set<string>();
    for (const k of keys) {
      const hex = bytesToHex(k.publicKey).slice(2);
      const held = this.#keys.get(hex);
      if (!held || seen.has(hex)) continue;
      seen.add(hex);
      active.push({ secretKey: held.secretKey, ...(k.tagEpoch === undefined ? {} : { tagEpoch: k.tagEpoch }) });
    }
    if (active.length > 0) this.#active = active;
  }

  /** Deletes every secret except `keep` (forward secrecy for retired keys); returns how many went. */
  retireAllBut(keep: readonly Uint8Array[]): number {
    const kept = new Set(keep.map((k) => bytesToHex(k).slice(2)));
    let removed = 0;
    for (const hex of [...this.#keys.keys()])
      if (!kept.has(hex)) {
        rmSync(join(this.#dir, `${hex}.key`), { force: true });
        this.#keys.delete(hex);
        removed++;
      }
    return removed;
  }
}

export type KeyRotatorParameters = {
  ring: MixKeyRing;
  directory: KeyDirectory;
  replay: ReplayStore;
  log: Logger;
  /** How long the previous epoch's key is still accepted after the relay saw a new epoch begin. */
  graceMs?: number;
  /** Milliseconds clock (tests pass their own). */
  now?: () => number;
};

/**
 * Drives the ring from the epoch: call `onEpoch(e)` whenever the relay reads
 * its epoch (it reads the chain only when the epoch changed or a step failed)
 * and `tick()` periodically to end grace windows.
 *
 * @example
 * const rotator = new KeyRotator({ ring, directory: chainKeyDirectory(chain), replay, log });
 * setInterval(async () => { await rotator.onEpoch(await epoch()); rotator.tick(); }, 2_000);
 */
export class KeyRotator {
  readonly #p: KeyRotatorParameters & { graceMs: number; now: () => number };
  #epoch: bigint | null = null;
  #current: Uint8Array | null = null;
  #next: Uint8Array | null = null;
  #previous: Uint8Array | null = null;
  #published = false;
  #graceEndsAt = 0;
  #retired = true;
  #pruneBefore = 0n;
  /** Figures for logs, metrics and the bench. */
  readonly stats = { published: 0, retiredKeys: 0, prunedTags: 0 };

  constructor(p: KeyRotatorParameters) {
    this.#p = { ...p, graceMs: p.graceMs ?? DEFAULT_GRACE_MS, now: p.now ?? Date.now };
  }

  /** The epoch the keys were last aligned with. */
  get epoch(): bigint | null {
    return this.#epoch;
  }

  /**
   * Aligns the keys in force with `epoch` and publishes next epoch's key once
   * per epoch. A failed chain call throws; the keys already in force stay in
   * force and the next call retries.
   */
  async onEpoch(epoch: bigint): Promise<void> {
    const { ring, directory, log } = this.#p;
    if (this.#epoch !== epoch) {
      const [current, previous, next] = await Promise.all([
        directory.keyAt(epoch),
        epoch > 0n ? directory.keyAt(epoch - 1n) : Promise.resolve(null),
        directory.keyAt(epoch + 1n),
      ]);
      const changed = current !== null && previous !== null && !equal(current, previous);
      this.#epoch = epoch;
      this.#current = current;
      this.#previous = changed ? previous : null;
      this.#next = next && current && !equal(next, current) ? next : null;
      this.#published = false;
      // Grace runs from when this relay saw the epoch (after a restart: from the restart).
      this.#graceEndsAt = this.#p.now() + this.#p.graceMs;
      this.#retired = false;
      this.#pruneBefore = changed ? epoch : 0n;
      log.info(
        { epoch, current: current && short(current), next: this.#next && short(this.#next), previousInGrace: changed },
        "mix keys for epoch",
      );
    }
    if (!this.#published && this.#current) {
      if (!this.#next || !ring.secretFor(this.#next)) {
        const fresh = ring.create(); // on disk before the transaction: a registered key always has its secret
        await directory.publishNext(fresh);
        this.#next = fresh;
        this.stats.published++;
        log.info({ from: epoch + 1n, mixKey: short(fresh) }, "next epoch's mix key registered");
      }
      this.#published = true;
    }
    this.#apply();
  }

  /** Ends the grace window when due: deletes retired secrets and prunes their replay tags. */
  tick(): void {
    if (this.#retired || !this.#current || this.#p.now() < this.#graceEndsAt) return;
    this.#retired = true;
    this.#previous = null;
    const { ring, replay, log } = this.#p;
    const removed = ring.retireAllBut([this.#current, ...(this.#next ? [this.#next] : [])]);
    const pruned = this.#pruneBefore > 0n ? replay.pruneBefore(this.#pruneBefore) : 0;
    this.stats.retiredKeys += removed;
    this.stats.prunedTags += pruned;
    this.#apply();
    if (removed > 0 || pruned > 0)
      log.info({ removed, pruned, before: this.#pruneBefore }, "retired mix keys and pruned their replay tags");
  }

  #apply(): void {
    if (!this.#current || this.#epoch === null) return; // not listed yet: every held key stays in force
    this.#p.ring.setActive([
      { publicKey: this.#current },
      ...(this.#next ? [{ publicKey: this.#next, tagEpoch: this.#epoch + 1n }] : []),
      ...(this.#previous ? [{ publicKey: this.#previous }] : []),
    ]);
  }
}

/**
 * The registry as a {@link KeyDirectory} for the operator's own relay.
 *
 * @param chain the operator's chain clients
 * @example
 * new KeyRotator({ ring, directory: chainKeyDirectory(chain), replay, log });
 */
export function chainKeyDirectory(chain: ChainClients): KeyDirectory {
  const address = chain.deployment.contracts.RelayRegistry;
  const read = (epoch: bigint) =>
    chain.publicClient.readContract({
      address,
      abi: relayRegistryAbi,
      functionName: "keysAt",
      args: [chain.account, epoch],
    });
  return {
    async keyAt(epoch) {
      try {
        return hexToBytes((await read(epoch))[0]);
      } catch (error) {
        if (/KeysNotAvailable/.test(String((error as Error)?.message))) return null;
        throw error;
      }
    },
    async publishNext(mixKey) {
      const [, blsKey] = await read(await currentEpoch(chain)); // keep the BLS/VRF key as it is
      await updateRelayKeys(chain, { mixKey, blsKey: hexToBytes(blsKey) });
    },
  };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function short(key: Uint8Array): string {
  return bytesToHex(key).slice(2, 18);
}
