/**
 * Byte layouts of the channels scheme's slot (inside hop i's Sphinx payload)
 * and receipt (hop i+1 → hop i); docs/channels.md §Wire formats.
 *
 * slot    = flags(1) ‖ remaining(1) ‖ hint(33) ‖ onwardChallenge(20)   55 bytes
 * receipt = ack(32, big-endian scalar)                                  32 bytes
 */
import { bytesToHex, hexToBytes, type Address } from "viem";
import { FLAG_EXIT, RECEIPT_SIZE, SLOT_SIZE } from "./constants.js";
import { ChannelsInputError, TicketRejectedError } from "./errors.js";

export type Slot = {
  /** This hop is the exit: it issues no ticket onward and self-derives its ack half. */
  exit: boolean;
  /** Paid hops after this one (0 at the exit): the onward ticket covers that many units. */
  remaining: number;
  /** 33-byte compressed point ack_{i+1}·G. */
  hint: Uint8Array;
  /** Challenge for the ticket this hop issues to the next hop (zero address at the exit). */
  onwardChallenge: Address;
};

const ZERO: Address = "0x0000000000000000000000000000000000000000";

/**
 * Serialises a slot.
 *
 * @param slot fields; `remaining` 0..255; exit ⇔ remaining = 0
 * @returns 55 bytes
 * @example
 * encodeSlot({ exit: true, remaining: 0, hint, onwardChallenge: zeroAddress });
 */
export function encodeSlot(slot: Slot): Uint8Array {
  if (!Number.isInteger(slot.remaining) || slot.remaining < 0 || slot.remaining > 255)
    throw new ChannelsInputError("slot.remaining", "must be an integer in 0..255");
  if (slot.exit !== (slot.remaining === 0)) throw new ChannelsInputError("slot.exit", "exit hop ⇔ remaining = 0");
  if (slot.hint.length !== 33) throw new ChannelsInputError("slot.hint", "must be a 33-byte compressed point");
  const out = new Uint8Array(SLOT_SIZE);
  out[0] = slot.exit ? FLAG_EXIT : 0;
  out[1] = slot.remaining;
  out.set(slot.hint, 2);
  out.set(hexToBytes(slot.exit ? ZERO : slot.onwardChallenge), 35);
  return out;
}

/**
 * Parses a slot.
 *
 * @param bytes 55 bytes
 * @throws TicketRejectedError("malformed") on a wrong length, unknown flags or exit/remaining mismatch
 */
export function decodeSlot(bytes: Uint8Array): Slot {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SLOT_SIZE)
    throw new TicketRejectedError("malformed", `slot must be ${SLOT_SIZE} bytes, got ${bytes?.length}`);
  const flags = bytes[0]!;
  if ((flags & ~FLAG_EXIT) !== 0)
    throw new TicketRejectedError("malformed", `unknown slot flags 0x${flags.toString(16)}`);
  const exit = (flags & FLAG_EXIT) !== 0;
  const remaining = bytes[1]!;
  if (exit !== (remaining === 0)) throw new TicketRejectedError("malformed", "slot: exit flag and remaining disagree");
  return {
    exit,
    remaining,
    hint: bytes.slice(2, 35),
    onwardChallenge: bytesToHex(bytes.subarray(35, 55)) as Address,
  };
}

/** Receipt bytes for an ack scalar. */
export function encodeReceipt(ack: bigint): Uint8Array {
  const out = new Uint8Array(RECEIPT_SIZE);
  let v = ack;
  for (let i = RECEIPT_SIZE - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Ack scalar of a receipt, or null when it is not 32 bytes. */
export function decodeReceipt(bytes: Uint8Array): bigint | null {
  if (!(bytes instanceof Uint8Array) || bytes.length !== RECEIPT_SIZE) return null;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}
