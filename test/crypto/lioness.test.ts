/**
 * LIONESS (Anderson–Biham) over ChaCha20 + HMAC-SHA256: inverse pair, whole-
 * block diffusion of any tampering, and agreement with an independent
 * re-implementation of docs/sphinx.md from @noble primitives (RFC 8439 ChaCha20
 * with a 96-bit zero nonce), which also pins libsodium's ChaCha20 key stream.
 */
import { chacha20 } from "@noble/ciphers/chacha.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lionessDecrypt, lionessEncrypt } from "../../src/crypto/lioness.js";
import { SphinxInputError } from "../../src/crypto/sphinx/errors.js";

/** docs/sphinx.md "LIONESS", written from the text with noble primitives only. */
function referenceEncrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  const zero12 = new Uint8Array(12);
  const k = chacha20(key, zero12, new Uint8Array(128));
  const sub = (j: number) => k.subarray(32 * j, 32 * (j + 1));
  const L = block.slice(0, 32);
  let R = block.slice(32);
  const xorKey = (j: number) => L.map((b, i) => b ^ sub(j)[i]!);
  R = chacha20(xorKey(0), zero12, R);
  hmac(sha256, sub(1), R).forEach((b, i) => {
    L[i]! ^= b;
  });
  R = chacha20(xorKey(2), zero12, R);
  hmac(sha256, sub(3), R).forEach((b, i) => {
    L[i]! ^= b;
  });
  return Uint8Array.from([...L, ...R]);
}

const differingBits = (a: Uint8Array, b: Uint8Array) => {
  let n = 0;
  for (let i = 0; i < a.length; i++) for (let x = a[i]! ^ b[i]!; x; x &= x - 1) n++;
  return n;
};

describe("LIONESS", () => {
  it("matches the reference re-implementation and inverts", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 33, maxLength: 3000 }),
        (key, block) => {
          const c = lionessEncrypt(key, block);
          expect(c).toEqual(referenceEncrypt(key, block));
          expect(lionessDecrypt(key, c)).toEqual(block);
          expect(lionessEncrypt(key, lionessDecrypt(key, block))).toEqual(block);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("works in place", () => {
    const key = randomBytes(32);
    const block = new Uint8Array(randomBytes(2048));
    const copy = block.slice();
    expect(lionessEncrypt(key, block, block)).toBe(block);
    expect(lionessDecrypt(key, block, block)).toEqual(copy);
  });

  it("one flipped ciphertext bit anywhere garbles the whole plaintext", () => {
    const key = new Uint8Array(randomBytes(32));
    const plain = new Uint8Array(2048); // all zero: any surviving byte would show
    const c = lionessEncrypt(key, plain);
    for (const at of [0, 15, 31, 32, 33, 1000, 2047]) {
      const tampered = c.slice();
      tampered[at]! ^= 0x01;
      const garbled = lionessDecrypt(key, tampered);
      const bits = differingBits(garbled, plain);
      // each of the 16384 bits flips with probability 1/2: expect ~8192, never near 0
      expect(bits).toBeGreaterThan(7500);
      expect(bits).toBeLessThan(8900);
      const zeroBytesLeft = garbled.filter((b) => b === 0).length;
      expect(zeroBytesLeft).toBeLessThan(30); // ~8 expected from chance alone
    }
  });

  it("a different key decrypts to noise", () => {
    const plain = new Uint8Array(512);
    const c = lionessEncrypt(new Uint8Array(32).fill(1), plain);
    expect(differingBits(lionessDecrypt(new Uint8Array(32).fill(2), c), plain)).toBeGreaterThan(1800);
  });

  it("validates key and block sizes", () => {
    expect(() => lionessEncrypt(new Uint8Array(31), new Uint8Array(64))).toThrow(SphinxInputError);
    expect(() => lionessEncrypt(new Uint8Array(32), new Uint8Array(32))).toThrow(SphinxInputError);
    expect(() => lionessDecrypt(new Uint8Array(32), new Uint8Array(64), new Uint8Array(63))).toThrow(SphinxInputError);
  });
});
