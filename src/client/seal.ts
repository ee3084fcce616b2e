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
 * Primitives are node:crypto's (OpenSSL); only the composition is ours.
 * A fresh ephemeral key per message makes the derived nonce single-use.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from "node:crypto";
import { InvalidInputError } from "../errors.js";
import { SealOpenError } from "./errors.js";

export const SEAL_LABEL = "obol-seal-v1";
export const SEAL_KEY_SIZE = 32;
const TAG_SIZE = 16;
const NONCE_SIZE = 12;
/** Bytes a sealed message adds to its plaintext: ephemeral key + Poly1305 tag. */
export const SEAL_OVERHEAD = SEAL_KEY_SIZE + TAG_SIZE;
const LABEL_BYTES = Buffer.from(SEAL_LABEL, "ascii");

// RFC 8410 DER prefixes, so raw 32-byte keys can become node:crypto KeyObjects.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");

export type SealKeyPair = { secretKey: Uint8Array; publicKey: Uint8Array };

/**
 * Generates an X25519 key pair for receiving sealed messages.
 *
 * @returns raw 32-byte secret and public keys.
 * @example
 * const { secretKey, publicKey } = generateSealKeyPair();
 */
export function generateSealKeyPair(): SealKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  return { secretKey: rawSecret(privateKey), publicKey: rawPublic(publicKey) };
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
  return rawPublic(createPublicKey(importSecret(secretKey)));
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
export function seal({ message, recipientPublicKey }: { message: Uint8Array; recipientPublicKey: Uint8Array }): Uint8Array {
  if (!(message instanceof Uint8Array)) throw new InvalidInputError("message", "must be a Uint8Array");
  const recipient = importPublic(recipientPublicKey, "recipientPublicKey");
  const ephemeral = generateKeyPairSync("x25519");
  const E = rawPublic(ephemeral.publicKey);
  const dh = agree(ephemeral.privateKey, recipient, "recipientPublicKey");
  const { key, nonce } = deriveKeys(dh, E, recipientPublicKey);
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(LABEL_BYTES, { plaintextLength: message.length });
  const body = Buffer.concat([cipher.update(message), cipher.final(), cipher.getAuthTag()]);
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
  const privateKey = importSecret(secretKey);
  const E = sealed.subarray(0, SEAL_KEY_SIZE);
  let sender: KeyObject;
  try {
    sender = importPublic(E, "ephemeral key");
  } catch (cause) {
    throw new SealOpenError("malformed ephemeral key", { cause });
  }
  let dh: Uint8Array;
  try {
    dh = agree(privateKey, sender, "ephemeral key");
  } catch (cause) {
    throw new SealOpenError("ephemeral key is a low-order point", { cause });
  }
  const { key, nonce } = deriveKeys(dh, E, rawPublic(createPublicKey(privateKey)));
  const ciphertext = sealed.subarray(SEAL_KEY_SIZE, sealed.length - TAG_SIZE);
  const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_SIZE });
  decipher.setAAD(LABEL_BYTES, { plaintextLength: ciphertext.length });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch (cause) {
    throw new SealOpenError("authentication failed", { cause });
  }
}

function deriveKeys(dh: Uint8Array, E: Uint8Array, R: Uint8Array): { key: Buffer; nonce: Buffer } {
  const salt = Buffer.concat([E, R]);
  const okm = Buffer.from(hkdfSync("sha256", dh, salt, LABEL_BYTES, SEAL_KEY_SIZE + NONCE_SIZE));
  return { key: okm.subarray(0, SEAL_KEY_SIZE), nonce: okm.subarray(SEAL_KEY_SIZE) };
}

function agree(privateKey: KeyObject, publicKey: KeyObject, field: string): Uint8Array {
  let dh: Buffer;
  try {
    dh = diffieHellman({ privateKey, publicKey });
  } catch (cause) {
    // OpenSSL refuses an all-zero shared secret (RFC 7748 §6.1 check).
    throw new InvalidInputError(field, "is a low-order point", { cause });
  }
  if (dh.every((b) => b === 0)) throw new InvalidInputError(field, "is a low-order point");
  return dh;
}

function importSecret(secretKey: Uint8Array): KeyObject {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SEAL_KEY_SIZE)
    throw new InvalidInputError("secretKey", `must be ${SEAL_KEY_SIZE} bytes`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: "der", type: "pkcs8" });
}

function importPublic(publicKey: Uint8Array, field: string): KeyObject {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== SEAL_KEY_SIZE)
    throw new InvalidInputError(field, `must be ${SEAL_KEY_SIZE} bytes`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
}

function rawSecret(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: "der", type: "pkcs8" }).subarray(PKCS8_PREFIX.length));
}

function rawPublic(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: "der", type: "spki" }).subarray(SPKI_PREFIX.length));
}
