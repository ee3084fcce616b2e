/**
 * The two backends of the crypto port (`#platform/crypto`) must produce the
 * same bytes, or a browser client's packets would not peel at a Node relay.
 * Runs the browser backend (noble + WebCrypto CSPRNG) in Node beside the Node
 * backend (node:crypto + libsodium) on random inputs and on RFC vectors.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { hexToBytes, bytesToHex } from "viem";
import { primitives as node } from "../../src/platform/node/crypto.js";
import { primitives as browser } from "../../src/platform/browser/crypto.js";

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("crypto port: node and browser backends agree", () => {
  it("names its backend", () => {
    expect(node.backend).toBe("node");
    expect(browser.backend).toBe("browser");
  });

  it("SHA-256 and HMAC-SHA256 (also with string labels)", () => {
    fc.assert(
      fc.property(bytes(0, 300), bytes(0, 300), key32, (a, b, k) => {
        expect(bytesToHex(browser.sha256(a, b))).toBe(bytesToHex(node.sha256(a, b)));
        expect(bytesToHex(browser.hmacSha256(k, a, b))).toBe(bytesToHex(node.hmacSha256(k, a, b)));
        expect(bytesToHex(browser.hmacSha256("obol-mailbox", a))).toBe(bytesToHex(node.hmacSha256("obol-mailbox", a)));
      }),
      { numRuns: 50, seed: 13 },
    );
    // FIPS 180-2 "abc"
    expect(bytesToHex(browser.sha256(new TextEncoder().encode("abc")))).toBe(
      "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("djb ChaCha20 stream and XOR, in place too", () => {
    fc.assert(
      fc.property(key32, bytes(0, 700), (k, data) => {
        expect(bytesToHex(browser.chacha20Stream(k, data.length))).toBe(
          bytesToHex(node.chacha20Stream(k, data.length)),
        );
        const a = data.slice();
        const b = data.slice();
        browser.chacha20Xor(k, a, a);
        node.chacha20Xor(k, b, b);
        expect(bytesToHex(a)).toBe(bytesToHex(b));
      }),
      { numRuns: 50, seed: 13 },
    );
  });

  it("X25519 (RFC 7748 §6.1 vector) and low-order rejection", () => {
    const a = hexToBytes("0x77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const B = hexToBytes("0xde9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const shared = "0x4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    for (const p of [node, browser]) {
      expect(bytesToHex(p.x25519Base(a))).toBe("0x8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
      expect(bytesToHex(p.x25519(a, B))).toBe(shared);
      expect(() => p.x25519(a, new Uint8Array(32))).toThrow(); // u = 0 has small order
    }
    fc.assert(
      fc.property(key32, key32, (s, t) => {
        expect(bytesToHex(browser.x25519Base(s))).toBe(bytesToHex(node.x25519Base(s)));
        const T = node.x25519Base(t);
        expect(bytesToHex(browser.x25519(s, T))).toBe(bytesToHex(node.x25519(s, T)));
      }),
      { numRuns: 30, seed: 13 },
    );
  });

  it("HKDF-SHA256 and ChaCha20-Poly1305 (each opens what the other sealed; tampering fails)", () => {
    fc.assert(
      fc.property(key32, bytes(0, 64), bytes(0, 400), (ikm, salt, msg) => {
        const okm = node.hkdfSha256(ikm, salt, new TextEncoder().encode("obol-seal-v1"), 44);
        expect(bytesToHex(browser.hkdfSha256(ikm, salt, new TextEncoder().encode("obol-seal-v1"), 44))).toBe(
          bytesToHex(okm),
        );
        const [k, n, aad] = [okm.subarray(0, 32), okm.subarray(32), salt];
        const sealedNode = node.chachaPolySeal(k, n, aad, msg);
        expect(bytesToHex(browser.chachaPolySeal(k, n, aad, msg))).toBe(bytesToHex(sealedNode));
        expect(bytesToHex(browser.chachaPolyOpen(k, n, aad, sealedNode))).toBe(bytesToHex(msg));
        const bad = sealedNode.slice();
        bad[0]! ^= 1;
        expect(() => browser.chachaPolyOpen(k, n, aad, bad)).toThrow();
        expect(() => node.chachaPolyOpen(k, n, aad, bad)).toThrow();
      }),
      { numRuns: 40, seed: 13 },
    );
  });

  it("randomness: right lengths, distinct draws, randomInt in range and covering it", () => {
    for (const p of [node, browser]) {
      expect(p.randomBytes(70_000).length).toBe(70_000);
      expect(bytesToHex(p.randomBytes(32))).not.toBe(bytesToHex(p.randomBytes(32)));
      const seen = new Set<number>();
      for (let i = 0; i < 500; i++) {
        const v = p.randomInt(7);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(7);
        seen.add(v);
      }
      expect(seen.size).toBe(7);
    }
    expect(() => browser.randomInt(0)).toThrow(RangeError);
  });

  it("timing-safe equality", () => {
    for (const p of [node, browser]) {
      expect(p.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
      expect(p.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
      expect(p.timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 3]))).toBe(false);
    }
  });
});
