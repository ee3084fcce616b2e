import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { x25519 } from "@noble/curves/ed25519.js";
import { generateSealKeyPair, openSealed, seal, sealPublicKey, SEAL_OVERHEAD } from "../../src/client/seal.js";
import { SealOpenError } from "../../src/client/errors.js";
import { InvalidInputError } from "../../src/errors.js";

describe("sealing (X25519 + HKDF-SHA256 + ChaCha20-Poly1305)", () => {
  const recipient = generateSealKeyPair();

  it("derives the same public key as noble's X25519", () => {
    expect(sealPublicKey(recipient.secretKey)).toEqual(recipient.publicKey);
    expect(x25519.getPublicKey(recipient.secretKey)).toEqual(recipient.publicKey);
  });

  it("round-trips messages of any length, each sealing distinct", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), (message) => {
        const a = seal({ message, recipientPublicKey: recipient.publicKey });
        const b = seal({ message, recipientPublicKey: recipient.publicKey });
        expect(a.length).toBe(message.length + SEAL_OVERHEAD);
        expect(a).not.toEqual(b);
        expect(openSealed({ sealed: a, secretKey: recipient.secretKey })).toEqual(message);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects any flipped bit, truncation and the wrong key", () => {
    const message = new TextEncoder().encode("meet at the usual place");
    const sealed = seal({ message, recipientPublicKey: recipient.publicKey });
    for (let bit = 0; bit < sealed.length * 8; bit += 3) {
      const t = sealed.slice();
      t[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => openSealed({ sealed: t, secretKey: recipient.secretKey })).toThrow(SealOpenError);
    }
    expect(() => openSealed({ sealed: sealed.subarray(0, sealed.length - 1), secretKey: recipient.secretKey })).toThrow(
      SealOpenError,
    );
    expect(() => openSealed({ sealed: sealed.subarray(0, 40), secretKey: recipient.secretKey })).toThrow(/too short/);
    const other = generateSealKeyPair();
    expect(() => openSealed({ sealed, secretKey: other.secretKey })).toThrow(/authentication failed/);
  });

  it("refuses low-order and malformed recipient keys", () => {
    expect(() => seal({ message: new Uint8Array(1), recipientPublicKey: new Uint8Array(32) })).toThrow(
      InvalidInputError,
    );
    expect(() => seal({ message: new Uint8Array(1), recipientPublicKey: new Uint8Array(31) })).toThrow(
      /recipientPublicKey/,
    );
    const lowOrder = new Uint8Array(32);
    lowOrder[0] = 1; // u = 1 has order 4
    expect(() => seal({ message: new Uint8Array(1), recipientPublicKey: lowOrder })).toThrow(/low-order/);
    const forged = new Uint8Array(SEAL_OVERHEAD + 4); // E = 0 (low order)
    expect(() => openSealed({ sealed: forged, secretKey: recipient.secretKey })).toThrow(SealOpenError);
  });
});
