/**
 * Obol hop payload (DESIGN §3): what each hop learns about the packet. Fixed
 * size per network so every header has the same layout; framed with a BOLT
 * bigsize length prefix so the BOLT #4 header code carries it unchanged.
 *
 *   bigsize(37 + slotSize) ‖ flags (1) ‖ next (32) ‖ delayMs (u32 BE) ‖ slot (slotSize)
 *
 * flags: 0x00 forward (next = 12 zero bytes ‖ 20-byte relay address),
 *        0x01 deliver (next = 32-byte mailbox id), 0x02 drop, 0x03 loop
 *        (next = 32 zero bytes). Any other value is rejected.
 */
import { bytesToHex, getAddress, hexToBytes } from "viem";
import { writeBigsize } from "./bigsize.js";
import { ADDRESS_SIZE, HOP_FIXED_SIZE, HOP_FLAGS, NEXT_FIELD_SIZE } from "./constants.js";
import { SphinxHopPayloadError, SphinxInputError } from "./errors.js";
import { hopPayloadSize, type SphinxParams } from "./params.js";

export type HopInstruction =
  | { action: "forward"; next: `0x${string}`; delayMs: number; slot: Uint8Array }
  | { action: "deliver"; mailbox: Uint8Array; delayMs: number; slot: Uint8Array }
  | { action: "drop"; delayMs: number; slot: Uint8Array }
  | { action: "loop"; delayMs: number; slot: Uint8Array };

export type HopAction = HopInstruction["action"];

const MAX_DELAY_MS = 0xffffffff;
const ADDRESS_OFFSET = NEXT_FIELD_SIZE - ADDRESS_SIZE;

/**
 * Encodes one hop instruction as a framed hop payload of `hopPayloadSize(params.slotSize)` bytes.
 *
 * @param h the instruction; `slot` must be exactly `params.slotSize` bytes
 * @param params the network parameters
 * @returns bigsize length ‖ flags ‖ next ‖ delay ‖ slot
 * @example
 * encodeHop({ action: "forward", next: "0x…20 bytes…", delayMs: 250, slot: new Uint8Array(0) }, params);
 */
export function encodeHop(h: HopInstruction, params: SphinxParams): Uint8Array {
  if (typeof h !== "object" || h === null) throw new SphinxInputError("hop", "must be an object");
  const flags = HOP_FLAGS[h.action as HopAction];
  if (flags === undefined) throw new SphinxInputError("hop.action", `unknown action ${String(h.action)}`);
  if (!Number.isInteger(h.delayMs) || h.delayMs < 0 || h.delayMs > MAX_DELAY_MS)
    throw new SphinxInputError("hop.delayMs", `must be an integer in [0, ${MAX_DELAY_MS}]`);
  if (!(h.slot instanceof Uint8Array) || h.slot.length !== params.slotSize)
    throw new SphinxInputError("hop.slot", `must be ${params.slotSize} bytes (params.slotSize)`);
  const data = HOP_FIXED_SIZE + params.slotSize;
  const out = new Uint8Array(hopPayloadSize(params.slotSize));
  const o = writeBigsize(out, 0, data);
  out[o] = flags;
  if (h.action === "forward") {
    if (typeof h.next !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(h.next))
      throw new SphinxInputError("hop.next", "must be a 20-byte 0x-prefixed hex address");
    out.set(hexToBytes(h.next), o + 1 + ADDRESS_OFFSET);
  } else if (h.action === "deliver") {
    if (!(h.mailbox instanceof Uint8Array) || h.mailbox.length !== NEXT_FIELD_SIZE)
      throw new SphinxInputError("hop.mailbox", `must be ${NEXT_FIELD_SIZE} bytes`);
    out.set(h.mailbox, o + 1);
  }
  new DataView(out.buffer).setUint32(o + 1 + NEXT_FIELD_SIZE, h.delayMs);
  out.set(h.slot, o + HOP_FIXED_SIZE);
  return out;
}

/**
 * Decodes a framed hop payload, strictly: exact size, minimal length prefix,
 * known flags, zero padding in `next` where the action leaves it unused.
 *
 * @param b framed hop payload (as returned by `peelHeader`)
 * @param params the network parameters
 * @returns the instruction; `next` is an EIP-55 checksummed address; `slot`/`mailbox` are copies
 * @throws SphinxHopPayloadError for anything malformed
 * @example
 * const hop = decodeHop(peelHeader(…).hopPayload, params);
 */
export function decodeHop(b: Uint8Array, params: SphinxParams): HopInstruction {
  const size = hopPayloadSize(params.slotSize);
  if (!(b instanceof Uint8Array) || b.length !== size)
    throw new SphinxHopPayloadError(`expected ${size} bytes, got ${b instanceof Uint8Array ? b.length : typeof b}`);
  const data = HOP_FIXED_SIZE + params.slotSize;
  const o = size - data; // prefix length: 1, or 3 for 0xfd ‖ u16
  const prefixOk = o === 1 ? b[0] === data : b[0] === 0xfd && b[1] === data >>> 8 && b[2] === (data & 0xff);
  if (!prefixOk) throw new SphinxHopPayloadError(`length prefix does not announce ${data} bytes`);
  const next = b.subarray(o + 1, o + 1 + NEXT_FIELD_SIZE);
  const d = o + 1 + NEXT_FIELD_SIZE;
  const delayMs = ((b[d]! << 24) | (b[d + 1]! << 16) | (b[d + 2]! << 8) | b[d + 3]!) >>> 0;
  const slot = b.slice(o + HOP_FIXED_SIZE, o + HOP_FIXED_SIZE + params.slotSize);
  const flags = b[o];
  switch (flags) {
    case HOP_FLAGS.forward:
      checkZero(next.subarray(0, ADDRESS_OFFSET), "forward address padding");
      return { action: "forward", next: getAddress(bytesToHex(next.subarray(ADDRESS_OFFSET))), delayMs, slot };
    case HOP_FLAGS.deliver:
      return { action: "deliver", mailbox: next.slice(), delayMs, slot };
    case HOP_FLAGS.drop:
      checkZero(next, "drop next field");
      return { action: "drop", delayMs, slot };
    case HOP_FLAGS.loop:
      checkZero(next, "loop next field");
      return { action: "loop", delayMs, slot };
    default:
      throw new SphinxHopPayloadError(`unknown flags 0x${(flags ?? 0).toString(16).padStart(2, "0")}`);
  }
}

function checkZero(bytes: Uint8Array, what: string): void {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) throw new SphinxHopPayloadError(`${what} must be zero`);
}
