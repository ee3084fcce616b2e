/**
 * The plaintext a client puts inside a packet (docs/client.md §Envelope):
 *
 *   version u8 (=1) ‖ type u8 (1 message, 2 reply) ‖ id 16 ‖ surbLength u16 BE ‖ surb ‖ content
 *
 * A message is sealed to the recipient (`seal.ts`) and may carry one SURB so
 * the recipient can answer without learning who wrote; a reply travels inside
 * that SURB (its layered encryption already hides it from everyone but the
 * SURB's creator), names the message it answers and carries no SURB.
 */
import { InvalidInputError } from "../errors.js";

export const ENVELOPE_VERSION = 1;
export const MESSAGE_ID_SIZE = 16;
export const ENVELOPE_HEADER_SIZE = 1 + 1 + MESSAGE_ID_SIZE + 2;

export type Envelope =
  | { type: "message"; id: Uint8Array; surb: Uint8Array | null; content: Uint8Array }
  | { type: "reply"; id: Uint8Array; content: Uint8Array };

const TYPE_CODE = { message: 1, reply: 2 } as const;

/**
 * Serialises an envelope.
 *
 * @returns `ENVELOPE_HEADER_SIZE + surb + content` bytes.
 * @example
 * const bytes = encodeEnvelope({ type: "message", id, surb, content: utf8("hi") });
 */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  if (envelope.id.length !== MESSAGE_ID_SIZE) throw new InvalidInputError("id", `must be ${MESSAGE_ID_SIZE} bytes`);
  const surb = envelope.type === "message" && envelope.surb ? envelope.surb : new Uint8Array(0);
  if (surb.length > 0xffff) throw new InvalidInputError("surb", "longer than 65535 bytes");
  const out = new Uint8Array(ENVELOPE_HEADER_SIZE + surb.length + envelope.content.length);
  out[0] = ENVELOPE_VERSION;
  out[1] = TYPE_CODE[envelope.type];
  out.set(envelope.id, 2);
  new DataView(out.buffer).setUint16(2 + MESSAGE_ID_SIZE, surb.length);
  out.set(surb, ENVELOPE_HEADER_SIZE);
  out.set(envelope.content, ENVELOPE_HEADER_SIZE + surb.length);
  return out;
}

/**
 * Parses an envelope strictly.
 *
 * @throws InvalidInputError naming the bad field (version, type, surbLength).
 * @example
 * const envelope = decodeEnvelope(openSealed({ sealed, secretKey }));
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length < ENVELOPE_HEADER_SIZE)
    throw new InvalidInputError("envelope", `shorter than ${ENVELOPE_HEADER_SIZE} bytes`);
  if (bytes[0] !== ENVELOPE_VERSION) throw new InvalidInputError("envelope.version", `unknown version ${bytes[0]}`);
  const id = bytes.slice(2, 2 + MESSAGE_ID_SIZE);
  const surbLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(2 + MESSAGE_ID_SIZE);
  if (ENVELOPE_HEADER_SIZE + surbLength > bytes.length)
    throw new InvalidInputError("envelope.surbLength", "runs past the end");
  const surb = bytes.slice(ENVELOPE_HEADER_SIZE, ENVELOPE_HEADER_SIZE + surbLength);
  const content = bytes.slice(ENVELOPE_HEADER_SIZE + surbLength);
  if (bytes[1] === TYPE_CODE.message) return { type: "message", id, surb: surbLength > 0 ? surb : null, content };
  if (bytes[1] === TYPE_CODE.reply) {
    if (surbLength !== 0) throw new InvalidInputError("envelope.surbLength", "a reply carries no SURB");
    return { type: "reply", id, content };
  }
  throw new InvalidInputError("envelope.type", `unknown type ${bytes[1]}`);
}
