/**
 * The per-hop payment slot of scheme B (docs/tickets.md, "Byte layouts"):
 * `epoch (8, big-endian) ‖ serial (16) ‖ σ (48, compressed G1)` = 72 bytes.
 * The epoch is explicit so a packet built at an epoch boundary still names
 * the token it carries; the relay binds the token to itself (its address is
 * part of the signed message, never on the wire).
 */
import { G1_COMPRESSED_SIZE, SERIAL_SIZE } from "../../crypto/blind/constants.js";
import { SLOT_SIZE } from "./constants.js";
import { MalformedSlotError } from "./errors.js";

export type SlotToken = { epoch: bigint; serial: Uint8Array; signature: Uint8Array };

/**
 * Encodes one token into a slot.
 *
 * @param token epoch, 16-byte serial, 48-byte signature
 * @returns {@link SLOT_SIZE} bytes
 * @example
 * const slot = encodeSlot({ epoch: 4n, serial, signature });
 */
export function encodeSlot({ epoch, serial, signature }: SlotToken): Uint8Array {
  if (serial.length !== SERIAL_SIZE) throw new MalformedSlotError(`serial must be ${SERIAL_SIZE} bytes`);
  if (signature.length !== G1_COMPRESSED_SIZE)
    throw new MalformedSlotError(`signature must be ${G1_COMPRESSED_SIZE} bytes`);
  if (epoch < 0n || epoch >= 1n << 64n) throw new MalformedSlotError("epoch must be a uint64");
  const slot = new Uint8Array(SLOT_SIZE);
  new DataView(slot.buffer).setBigUint64(0, epoch);
  slot.set(serial, 8);
  slot.set(signature, 8 + SERIAL_SIZE);
  return slot;
}

/**
 * Decodes a slot (no cryptographic check).
 *
 * @param slot exactly {@link SLOT_SIZE} bytes
 * @returns the token fields (copies)
 * @example
 * const { epoch, serial, signature } = decodeSlot(packet.slot);
 */
export function decodeSlot(slot: Uint8Array): SlotToken {
  if (slot.length !== SLOT_SIZE) throw new MalformedSlotError(`expected ${SLOT_SIZE} bytes, got ${slot.length}`);
  return {
    epoch: new DataView(slot.buffer, slot.byteOffset, 8).getBigUint64(0),
    serial: slot.slice(8, 8 + SERIAL_SIZE),
    signature: slot.slice(8 + SERIAL_SIZE),
  };
}
