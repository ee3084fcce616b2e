/**
 * Browser backend of the keccak-256 port: no native addon in a page, so
 * noble's `keccak_256` (the Node backend's fallback, byte-identical: tested
 * in test/schemes/channels/secp.test.ts).
 */
import { keccak_256 } from "@noble/hashes/sha3.js";

/** Never native in a page. */
export const nativeKeccak = false;

/**
 * keccak-256 (Ethereum's, original padding).
 *
 * @param data bytes to hash
 * @returns 32 bytes
 */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}
