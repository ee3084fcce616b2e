/**
 * Identity backup for "restore": the sealing secret key, the mailbox pull key
 * and the gateway, as one hex string (`obolkey1` + 32 + 32 + 20 bytes). Whoever
 * holds it reads this identity's mail: the page says so where it shows it.
 */
import { bytesToHex, getAddress, hexToBytes, isHex, type Address } from "viem";
import { ClientStateError } from "../../client/errors.js";

const PREFIX = "obolkey1";
const SIZE = 32 + 32 + 20;

export type IdentityBackup = { sealSecretKey: Uint8Array; pullKey: Uint8Array; gateway: Address };

export function encodeBackup({ sealSecretKey, pullKey, gateway }: IdentityBackup): string {
  const out = new Uint8Array(SIZE);
  out.set(sealSecretKey, 0);
  out.set(pullKey, 32);
  out.set(hexToBytes(gateway), 64);
  return PREFIX + bytesToHex(out).slice(2);
}

/** @throws ClientStateError when the text is not a backup. */
export function decodeBackup(text: string): IdentityBackup {
  const hex = `0x${text.trim().slice(PREFIX.length)}`;
  if (!text.trim().startsWith(PREFIX) || !isHex(hex) || hex.length !== 2 + 2 * SIZE)
    throw new ClientStateError("this is not an identity backup", {
      hint: `paste the whole text starting with ${PREFIX}`,
    });
  const bytes = hexToBytes(hex);
  return {
    sealSecretKey: bytes.slice(0, 32),
    pullKey: bytes.slice(32, 64),
    gateway: getAddress(bytesToHex(bytes.subarray(64))),
  };
}
