/**
 * The Sphinx body: a fixed-size block, LIONESS-encrypted once per hop with a
 * key derived from that hop's `ss` (label "obol-body"). Relays strip one layer
 * each (`lionessDecrypt`); the sender pre-applies every layer in reverse order.
 *
 * Framing of the plaintext body (docs/sphinx.md "Body"):
 *   16 zero bytes ‖ u16 BE message length ‖ message ‖ zero padding to bodySize
 * The zero prefix is the integrity check: any change to the ciphertext turns
 * the whole LIONESS plaintext into noise, so it survives with probability 2^-128.
 */
import { lionessDecrypt, lionessEncrypt } from "../lioness.js";
import { BODY_FRAMING_SIZE, BODY_ZERO_PREFIX_SIZE, LABELS } from "./constants.js";
import { SphinxInputError, SphinxMessageTooLargeError } from "./errors.js";
import { generateKey } from "./keys.js";

/** Frames `message` into a plaintext body of exactly `bodySize` bytes. */
export function frameMessage(message: Uint8Array, bodySize: number): Uint8Array {
  if (!(message instanceof Uint8Array)) throw new SphinxInputError("message", "must be a Uint8Array");
  const max = bodySize - BODY_FRAMING_SIZE;
  if (message.length > max) throw new SphinxMessageTooLargeError(message.length, max);
  const body = new Uint8Array(bodySize);
  body[BODY_ZERO_PREFIX_SIZE] = message.length >>> 8;
  body[BODY_ZERO_PREFIX_SIZE + 1] = message.length & 0xff;
  body.set(message, BODY_FRAMING_SIZE);
  return body;
}

/**
 * Reads the message out of a decrypted body; returns a string naming the
 * problem when the body fails its integrity check (non-zero prefix, length
 * beyond the body, non-zero padding).
 */
export function unframeMessage(body: Uint8Array): Uint8Array | string {
  let acc = 0;
  for (let i = 0; i < BODY_ZERO_PREFIX_SIZE; i++) acc |= body[i]!;
  if (acc !== 0) return "integrity prefix is not zero";
  const length = (body[BODY_ZERO_PREFIX_SIZE]! << 8) | body[BODY_ZERO_PREFIX_SIZE + 1]!;
  const end = BODY_FRAMING_SIZE + length;
  if (end > body.length) return `message length ${length} exceeds the body`;
  for (let i = end; i < body.length; i++) acc |= body[i]!;
  if (acc !== 0) return "padding is not zero";
  return body.slice(BODY_FRAMING_SIZE, end);
}

/** Per-hop LIONESS key: HMAC-SHA256(key = "obol-body", msg = ss). */
export function bodyKey(ss: Uint8Array): Uint8Array {
  return generateKey(LABELS.body, ss);
}

/** Applies the LIONESS encryption of each hop, last hop first, so hop 0 peels the outer layer. */
export function wrapBody(body: Uint8Array, secrets: readonly Uint8Array[]): Uint8Array {
  let out = body;
  for (let i = secrets.length - 1; i >= 0; i--) out = lionessEncrypt(bodyKey(secrets[i]!), out);
  return out;
}

/** What one relay does to the body: strip its LIONESS layer (into `out` when given). */
export function peelBody(body: Uint8Array, ss: Uint8Array, out?: Uint8Array): Uint8Array {
  return lionessDecrypt(bodyKey(ss), body, out);
}
