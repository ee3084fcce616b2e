/**
 * End-to-end sealing of a message to a recipient's X25519 public key
 * (an ECIES / HPKE-base-mode style construction; docs/client.md §Sealing):
 *
 *   e, E   = fresh X25519 key pair
 *   dh     = X25519(e, R)                 (rejected when all-zero: low-order R)
 *   okm    = HKDF-SHA256(ikm = dh, salt = E ‖ R, info = "obol-seal-v1", L = 44)
 *   key    = okm[0..32], nonce = okm[32..44]
 *   sealed = E ‖ ChaCha20-Poly1305(key, nonce, aad = "obol-seal-v1", message) ‖ tag(16)
 *
 * Primitives come from the platform port `#platform/crypto` (node:crypto and
 * libsodium in Node, noble in the browser); only the composition is ours.
 * A fresh ephemeral key per message makes the derived nonce single-use.
 */
import { primitives } from "#platform/crypto";
import { InvalidInputError } from "../errors.js";
import { SealOpenError } from "./errors.js";

export const SEAL_LABEL = "obol-seal-v1";
export const SEAL_KEY_SIZE = 32;
const TAG_SIZE = 16;
const NONCE_SIZE = 12;
/** Bytes a sealed message adds to its plaintext: ephemeral key + Poly1305 tag. */
export const SEAL_OVERHEAD = SEAL_KEY_SIZE + TAG_SIZE;
const LABEL_BYTES = new TextEncoder().encode(SEAL_LABEL);

export type SealKeyPair = { secretKey: Uint8Array; publicKey: Uint8Array };

/**
 * Generates an X25519 key pair for receiving sealed messages.
 *
 * @returns raw 32-byte secret and public keys.
 * @example
 * const { secretKey, publicKey } = generateSealKeyPair();
 */
export function generateSealKeyPair(): SealKeyPair {
  const secretKey = primitives.randomBytes(SEAL_KEY_SIZE);
  return { secretKey, publicKey: primitives.x25519Base(secretKey) };
}

/**
 * Derives the public key of a raw X25519 secret key.
 *
 * @param secretKey 32 raw bytes.
 * @returns the 32-byte public key.
 * @example
 * const pk = sealPublicKey(sk);
 */
export function sealPublicKey(secretKey: Uint8Array): Uint8Array {
  checkKey(secretKey, "secretKey");
  return primitives.x25519Base(secretKey);
}

/**
 * Seals `message` so that only the holder of `recipientPublicKey`'s secret can read it.
 *
 * @param parameters.message plaintext bytes.
 * @param parameters.recipientPublicKey 32-byte X25519 public key.
 * @returns `E ‖ ciphertext ‖ tag`, `SEAL_OVERHEAD` bytes longer than the message.
 * @example
 * const sealed = seal({ message: utf8("hi"), recipientPublicKey: address.publicKey });
 */
export function seal({
  message,
  recipientPublicKey,
}: {
  message: Uint8Array;
  recipientPublicKey: Uint8Array;
}): Uint8Array {
  if (!(message instanceof Uint8Array)) throw new InvalidInputError("message", "must be a Uint8Array");
  checkKey(recipientPublicKey, "recipientPublicKey");
  const ephemeral = generateSealKeyPair();
  const E = ephemeral.publicKey;
  const dh = agree(ephemeral.secretKey, recipientPublicKey, "recipientPublicKey");
  const { key, nonce } = deriveKeys(dh, E, recipientPublicKey);
  const body = primitives.chachaPolySeal(key, nonce, LABEL_BYTES, message);
  const out = new Uint8Array(SEAL_KEY_SIZE + body.length);
  out.set(E);
  out.set(body, SEAL_KEY_SIZE);
  return out;
}

/**
 * Opens a sealed message with the recipient's secret key.
 *
 * @param parameters.sealed output of `seal`.
 * @param parameters.secretKey the recipient's 32-byte X25519 secret key.
 * @returns the plaintext.
 * @throws SealOpenError when the message was tampered with, truncated or sealed to another key.
 * @example
 * const message = openSealed({ sealed, secretKey: state.sealSecretKey });
 */
export function openSealed({ sealed, secretKey }: { sealed: Uint8Array; secretKey: Uint8Array }): Uint8Array {
  if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_OVERHEAD)
    throw new SealOpenError(`too short (${sealed?.length ?? 0} bytes, at least ${SEAL_OVERHEAD})`);
  checkKey(secretKey, "secretKey");
  const E = sealed.subarray(0, SEAL_KEY_SIZE);
  let dh: Uint8Array;
  try {
    dh = agree(secretKey, E, "ephemeral key");
  } catch (cause) {
    throw new SealOpenError("ephemeral key is a low-order point", { cause });
  }
  const { key, nonce } = deriveKeys(dh, E, primitives.x25519Base(secretKey));
  try {
    return primitives.chachaPolyOpen(key, nonce, LABEL_BYTES, sealed.subarray(SEAL_KEY_SIZE));
  } catch (cause) {
    throw new SealOpenError("authentication failed", { cause });
  }
}

function deriveKeys(dh: Uint8Array, E: Uint8Array, R: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const salt = new Uint8Array(2 * SEAL_KEY_SIZE);
  salt.set(E);
  salt.set(R, SEAL_KEY_SIZE);
  const okm = primitives.hkdfSha256(dh, salt, LABEL_BYTES, SEAL_KEY_SIZE + NONCE_SIZE);
  return { key: okm.subarray(0, SEAL_KEY_SIZE), nonce: okm.subarray(SEAL_KEY_SIZE) };
}

function agree(secretKey: Uint8Array, publicKey: Uint8Array, field: string): Uint8Array {
  let dh: Uint8Array;
  try {
    dh = primitives.x25519(secretKey, publicKey);
  } catch (cause) {
    // Both backends refuse an all-zero shared secret (RFC 7748 §6.1 check).
    throw new InvalidInputError(field, "is a low-order point", { cause });
  }
  if (dh.every((b) => b === 0)) throw new InvalidInputError(field, "is a low-order point");
  return dh;
}

function checkKey(key: Uint8Array, field: string): void {
  if (!(key instanceof Uint8Array) || key.length !== SEAL_KEY_SIZE)
    throw new InvalidInputError(field, `must be ${SEAL_KEY_SIZE} bytes`);
}
