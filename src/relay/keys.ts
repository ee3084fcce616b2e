/**
 * The relay's X25519 mix key, persisted in its data directory so the key it
 * registered on chain survives restarts (docs/relay.md §Configuration).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { x25519Group, type SphinxGroup } from "../crypto/sphinx/group.js";
import { RelayConfigError } from "./errors.js";

/** File name of the mix secret key inside a data directory (32 raw bytes, mode 0600). */
export const MIX_KEY_FILE = "mix.key";

/**
 * Loads `<dataDir>/mix.key`, creating a fresh key there when absent.
 *
 * @param dataDir the relay's data directory
 * @param group the Sphinx group (x25519 by default)
 * @returns the secret key and its public key
 * @throws RelayConfigError when the file has the wrong size or is not a valid key
 * @example
 * const { secretKey, publicKey } = loadOrCreateMixKey(".obol");
 */
export function loadOrCreateMixKey(
  dataDir: string,
  group: SphinxGroup = x25519Group,
): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const file = join(dataDir, MIX_KEY_FILE);
  let secretKey: Uint8Array;
  if (existsSync(file)) {
    secretKey = new Uint8Array(readFileSync(file));
    if (secretKey.length !== group.scalarSize)
      throw new RelayConfigError("mix key", `${file} holds ${secretKey.length} bytes, expected ${group.scalarSize}`, {
        hint: "restore the file from a backup; a new key must be registered with `updateKeys` before use",
      });
  } else {
    mkdirSync(dataDir, { recursive: true });
    secretKey = group.randomSecretKey();
    writeFileSync(`${file}.tmp`, secretKey, { mode: 0o600 });
    renameSync(`${file}.tmp`, file); // atomic: never a half-written key
  }
  return { secretKey, publicKey: group.publicKey(secretKey) };
}
