/**
 * Obol addresses: where a recipient can be reached, printable and checksummed.
 *
 * An address names the recipient's gateway (the exit of every route to it),
 * its 32-byte mailbox id at that gateway and its X25519 public key for
 * end-to-end sealing. Layout (docs/client.md §Address):
 *
 *   "obol1" ‖ base32(version=0x01 ‖ gateway 20 ‖ mailbox 32 ‖ publicKey 32 ‖ checksum 4)
 *
 * base32 is RFC 4648 §6 with the lowercase alphabet and no padding;
 * checksum = SHA-256("obol-address" ‖ version ‖ gateway ‖ mailbox ‖ publicKey)[0..4].
 */
import { primitives } from "#platform/crypto";
import { bytesToHex, getAddress, hexToBytes, isAddress, type Address } from "viem";
import { MAILBOX_SIZE } from "../net/constants.js";
import { InvalidAddressError } from "./errors.js";

/** Human-readable prefix; the "1" separates it from the data as in bech32. */
export const ADDRESS_PREFIX = "obol1";
export const ADDRESS_VERSION = 1;
export const PUBLIC_KEY_SIZE = 32;
const CHECKSUM_SIZE = 4;
const PAYLOAD_SIZE = 1 + 20 + MAILBOX_SIZE + PUBLIC_KEY_SIZE + CHECKSUM_SIZE;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const CHECKSUM_LABEL = new TextEncoder().encode("obol-address");

export type ObolAddress = {
  /** Registry id of the recipient's gateway (exit gateway of routes to it). */
  gateway: Address;
  /** 32-byte mailbox id at that gateway. */
  mailbox: Uint8Array;
  /** 32-byte X25519 public key messages are sealed to. */
  publicKey: Uint8Array;
};

/**
 * Formats an address for humans (copy-paste safe, lowercase, checksummed).
 *
 * @param address gateway, mailbox and public key of the recipient.
 * @returns the `obol1…` string (143 characters after the prefix).
 * @example
 * const text = formatAddress({ gateway, mailbox, publicKey });
 */
export function formatAddress({ gateway, mailbox, publicKey }: ObolAddress): string {
  if (!isAddress(gateway, { strict: false })) throw new InvalidAddressError("gateway is not a 20-byte address");
  if (mailbox.length !== MAILBOX_SIZE) throw new InvalidAddressError(`mailbox must be ${MAILBOX_SIZE} bytes`);
  if (publicKey.length !== PUBLIC_KEY_SIZE) throw new InvalidAddressError(`publicKey must be ${PUBLIC_KEY_SIZE} bytes`);
  const body = new Uint8Array(PAYLOAD_SIZE - CHECKSUM_SIZE);
  body[0] = ADDRESS_VERSION;
  body.set(hexToBytes(gateway), 1);
  body.set(mailbox, 21);
  body.set(publicKey, 21 + MAILBOX_SIZE);
  const payload = new Uint8Array(PAYLOAD_SIZE);
  payload.set(body);
  payload.set(checksum(body), body.length);
  return ADDRESS_PREFIX + base32Encode(payload);
}

/**
 * Parses and verifies a printable address.
 *
 * @param text an `obol1…` string (surrounding whitespace is ignored, case-insensitive).
 * @returns the decoded address.
 * @throws InvalidAddressError naming what is wrong (prefix, characters, length, version, checksum).
 * @example
 * const { gateway, mailbox, publicKey } = parseAddress(process.argv[2]);
 */
export function parseAddress(text: string): ObolAddress {
  if (typeof text !== "string") throw new InvalidAddressError("not a string");
  const s = text.trim().toLowerCase();
  if (!s.startsWith(ADDRESS_PREFIX)) throw new InvalidAddressError(`must start with "${ADDRESS_PREFIX}"`);
  const payload = base32Decode(s.slice(ADDRESS_PREFIX.length));
  if (payload.length !== PAYLOAD_SIZE)
    throw new InvalidAddressError(`decodes to ${payload.length} bytes, expected ${PAYLOAD_SIZE}`);
  if (payload[0] !== ADDRESS_VERSION) throw new InvalidAddressError(`unknown version ${payload[0]}`);
  const body = payload.subarray(0, PAYLOAD_SIZE - CHECKSUM_SIZE);
  const expected = checksum(body);
  const actual = payload.subarray(PAYLOAD_SIZE - CHECKSUM_SIZE);
  if (!expected.every((b, i) => b === actual[i]))
    throw new InvalidAddressError("checksum mismatch (a character was mistyped or lost)");
  return {
    gateway: getAddress(bytesToHex(payload.subarray(1, 21))),
    mailbox: payload.slice(21, 21 + MAILBOX_SIZE),
    publicKey: payload.slice(21 + MAILBOX_SIZE, 21 + MAILBOX_SIZE + PUBLIC_KEY_SIZE),
  };
}

function checksum(body: Uint8Array): Uint8Array {
  return primitives.sha256(CHECKSUM_LABEL, body).subarray(0, CHECKSUM_SIZE);
}

/** RFC 4648 §6 base32, lowercase, unpadded. Encoding only, not cryptography. */
function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1; // keep only the bits not yet emitted
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Uint8Array {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const [i, ch] of [...text].entries()) {
    const v = BASE32.indexOf(ch);
    if (v < 0)
      throw new InvalidAddressError(`character "${ch}" at position ${i + ADDRESS_PREFIX.length} is not base32`);
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  // Unpadded base32 leaves < 5 spare bits, all zero in a canonical encoding.
  if (bits >= 5 || buffer !== 0) throw new InvalidAddressError("non-canonical base32 ending");
  return Uint8Array.from(out);
}
