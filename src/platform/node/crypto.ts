/**
 * Node backend of the crypto port (`src/platform/crypto.ts`): node:crypto
 * (OpenSSL) for randomness, HMAC, HKDF and ChaCha20-Poly1305; libsodium
 * (`sodium-native`) for SHA-256, ChaCha20 and X25519 on the Sphinx hot path,
 * loaded on first use so importing the client library costs nothing.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes as nodeRandomBytes,
  randomInt as nodeRandomInt,
  timingSafeEqual as nodeTimingSafeEqual,
} from "node:crypto";
import { createRequire } from "node:module";
import type { CryptoPrimitives } from "../crypto.js";
import type { Sodium } from "./sodium.js";

let loaded: Sodium | undefined;
/** libsodium, required on first use (it is a native addon: the require costs a few ms). */
export function sodium(): Sodium {
  loaded ??= createRequire(import.meta.url)("sodium-native") as Sodium;
  return loaded;
}

/** 64-bit all-zero nonce of libsodium's original ChaCha20. */
const ZERO_NONCE = new Uint8Array(8);
const TAG_SIZE = 16;

/** A plain Uint8Array view of a Buffer (no copy), so callers never see Buffer semantics. */
function plain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Labels as bytes, encoded once: node:crypto converts a string HMAC key on
 * every call, which costs as much as the HMAC itself here. Bounded so that
 * callers inventing labels cannot grow it without limit.
 */
const labelBytes = new Map<string, Buffer>();
const MAX_CACHED_LABELS = 64;
function labelKey(label: string): Buffer {
  let key = labelBytes.get(label);
  if (key === undefined) {
    key = Buffer.from(label, "latin1");
    if (labelBytes.size < MAX_CACHED_LABELS) labelBytes.set(label, key);
  }
  return key;
}

export const primitives: CryptoPrimitives = {
  backend: "node",
  randomBytes: (n) => plain(nodeRandomBytes(n)),
  randomInt: (max) => nodeRandomInt(max),
  sha256(...parts) {
    const out = new Uint8Array(32);
    sodium().crypto_hash_sha256(out, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    return out;
  },
  hmacSha256(key, ...parts) {
    const mac = createHmac("sha256", typeof key === "string" ? labelKey(key) : key);
    for (const part of parts) mac.update(part);
    return plain(mac.digest());
  },
  chacha20Xor(key, data, out) {
    sodium().crypto_stream_chacha20_xor(out, data, ZERO_NONCE, key);
    return out;
  },
  chacha20Stream(key, length) {
    const out = new Uint8Array(length);
    sodium().crypto_stream_chacha20(out, ZERO_NONCE, key);
    return out;
  },
  timingSafeEqual: (a, b) => a.length === b.length && nodeTimingSafeEqual(a, b),
  x25519Base(secretKey) {
    const out = new Uint8Array(32);
    sodium().crypto_scalarmult_base(out, secretKey);
    return out;
  },
  x25519(scalar, u) {
    const out = new Uint8Array(32);
    // libsodium clamps the scalar and fails (status -1) for inputs of small
    // order, i.e. whenever the result would be all zero.
    sodium().crypto_scalarmult(out, scalar, u);
    return out;
  },
  hkdfSha256: (ikm, salt, info, length) => new Uint8Array(hkdfSync("sha256", ikm, salt, info, length)),
  chachaPolySeal(key, nonce, aad, plaintext) {
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_SIZE });
    cipher.setAAD(aad, { plaintextLength: plaintext.length });
    return plain(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
  },
  chachaPolyOpen(key, nonce, aad, sealed) {
    const ciphertext = sealed.subarray(0, sealed.length - TAG_SIZE);
    const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_SIZE });
    decipher.setAAD(aad, { plaintextLength: ciphertext.length });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
    return plain(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  },
};
