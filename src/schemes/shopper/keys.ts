/**
 * The loop sender's VRF key on disk: `<dataDir>/vrf.key`, the 32-byte secret
 * key as hex, mode 0600. Its 256-byte public key must be the sender's
 * `blsKey` in RelayRegistry (in force from the epoch after `updateKeys`).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bytesToHex, hexToBytes } from "viem";
import { vrfKeygen, vrfPublicKey, type VrfKeyPair } from "../../crypto/vrf/bls.js";
import { InvalidInputError } from "../../errors.js";

export const VRF_KEY_FILE = "vrf.key";

/**
 * Loads the VRF key pair of a data directory, creating it on first use.
 *
 * @example
 * const { secretKey, publicKey } = loadOrCreateVrfKey(".obol");
 */
export function loadOrCreateVrfKey(dataDir: string): VrfKeyPair {
  const path = join(dataDir, VRF_KEY_FILE);
  if (existsSync(path)) {
    const text = readFileSync(path, "utf8").trim();
    if (!/^0x[0-9a-f]{64}$/i.test(text))
      throw new InvalidInputError(path, "must hold a 0x-prefixed 32-byte hex VRF secret key");
    const secretKey = hexToBytes(text as `0x${string}`);
    return { secretKey, publicKey: vrfPublicKey(secretKey) };
  }
  mkdirSync(dataDir, { recursive: true });
  const pair = vrfKeygen();
  writeFileSync(path, `${bytesToHex(pair.secretKey)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return pair;
}
