/**
 * Blind BLS tokens (src/crypto/blind): round trips, interoperability with
 * noble's standard min-sig BLS, and every malformed input and forgery.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { loadBlindBls } from "../../src/crypto/blind/bls.js";
import { tokenMessage, g1ToEip2537, g2ToEip2537 } from "../../src/crypto/blind/encoding.js";
import { TOKEN_DST } from "../../src/crypto/blind/constants.js";
import { BlindSignatureRejectedError, InvalidPointError } from "../../src/crypto/blind/errors.js";
import { InvalidInputError } from "../../src/errors.js";
import { tokenDomain } from "../helpers/token-domain.js";

const bls = await loadBlindBls();
const relay = "0x00000000000000000000000000000000000000a1" as const;
const domain = tokenDomain;
const serial = (i: number) => Uint8Array.from({ length: 16 }, (_, j) => (i * 31 + j) & 0xff);
const { secretKey, publicKey } = bls.keygen();

/** A G1 point on the curve but outside the prime-order subgroup, ZCash-compressed. */
function nonSubgroupPoint(): Uint8Array {
  const Fp = bls12_381.fields.Fp;
  for (let x = 1n; ; x++) {
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 4n);
    let y: bigint;
    try {
      y = Fp.sqrt(rhs);
    } catch {
      continue;
    }
    const p = bls12_381.G1.Point.fromAffine({ x, y });
    if (p.multiply(1n).is0() || p.isTorsionFree()) continue;
    const out = Fp.toBytes(x);
    out[0]! |= 0x80; // compressed flag
    if (y > Fp.neg(y)) out[0]! |= 0x20; // lexicographically largest y
    return out;
  }
}

describe("blind BLS tokens", () => {
  it("blind → sign → unblind yields a standard BLS signature noble verifies (min-sig, same DST)", () => {
    const m = tokenMessage(domain, relay, 7n, serial(1));
    const state = bls.blind(m);
    const sig = bls.unblind(state, bls.signBlinded(secretKey, state.blinded), publicKey);
    expect(bls12_381.shortSignatures.verify(sig, bls12_381.shortSignatures.hash(m, TOKEN_DST), publicKey)).toBe(true);
    expect(sig).toEqual(
      bls12_381.shortSignatures.sign(bls12_381.shortSignatures.hash(m, TOKEN_DST), secretKey).toBytes(true),
    );
    expect(bls.verify(m, sig, publicKey)).toBe(true);
    expect(bls.verify(tokenMessage(domain, relay, 8n, serial(1)), sig, publicKey)).toBe(false);
  });

  it("the issuer sees a uniformly re-randomised point: two blindings of one message differ", () => {
    const m = tokenMessage(domain, relay, 7n, serial(2));
    expect(bls.blind(m).blinded).not.toEqual(bls.blind(m).blinded);
    expect(bls.blind(m).blinded).not.toEqual(bls.hashToG1(m));
  });

  it("hashToG1 equals noble's RFC 9380 hashToCurve under the Obol DST", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (m) => {
        expect(bls.hashToG1(m)).toEqual(bls12_381.G1.hashToCurve(m, { DST: TOKEN_DST }).toBytes(true));
      }),
      { numRuns: 30 },
    );
  });

  it("a client rejects a blind signature made with another key", () => {
    const state = bls.blind(tokenMessage(domain, relay, 1n, serial(3)));
    const other = bls.keygen();
    expect(() => bls.unblind(state, bls.signBlinded(other.secretKey, state.blinded), publicKey)).toThrow(
      BlindSignatureRejectedError,
    );
  });

  it("unblindBatch checks a whole purchase with one pairing and names a wrong signature", () => {
    const states = Array.from({ length: 6 }, (_, i) => bls.blind(tokenMessage(domain, relay, 3n, serial(40 + i))));
    const blind = states.map((st) => bls.signBlinded(secretKey, st.blinded));
    const sigs = bls.unblindBatch(states, blind, publicKey);
    sigs.forEach((sig, i) => {
      expect(bls.verify(tokenMessage(domain, relay, 3n, serial(40 + i)), sig, publicKey)).toBe(true);
    });
    // A cheating issuer: two signatures whose errors cancel in a plain sum are still caught.
    const delta = bls12_381.G1.Point.BASE.multiply(7n);
    const cheat = [...blind];
    cheat[1] = bls12_381.G1.Point.fromBytes(blind[1]!).add(delta).toBytes(true);
    cheat[4] = bls12_381.G1.Point.fromBytes(blind[4]!).subtract(delta).toBytes(true);
    expect(() => bls.unblindBatch(states, cheat, publicKey)).toThrow(/#1 is wrong/);
    expect(() => bls.unblindBatch(states, blind.slice(1), publicKey)).toThrow(InvalidPointError);
  });

  it("the issuer refuses malformed, infinite and non-subgroup blinded points", () => {
    expect(() => bls.signBlinded(secretKey, new Uint8Array(47))).toThrow(InvalidPointError);
    const inf = new Uint8Array(48);
    inf[0] = 0xc0;
    expect(() => bls.signBlinded(secretKey, inf)).toThrow(/infinity/);
    const bad = bls.blind(tokenMessage(domain, relay, 1n, serial(4))).blinded;
    bad[47]! ^= 0xff;
    expect(() => bls.signBlinded(secretKey, bad)).toThrow(InvalidPointError);
    expect(() => bls.signBlinded(secretKey, nonSubgroupPoint())).toThrow(/subgroup/);
    expect(() => bls.signBlinded(new Uint8Array(32), bls.hashToG1(new Uint8Array(1)))).toThrow(/secretKey/);
  });

  it("verifyBatch accepts a valid batch and rejects any forged, swapped or foreign member", () => {
    const items = Array.from({ length: 8 }, (_, i) => {
      const message = tokenMessage(domain, relay, 2n, serial(10 + i));
      const st = bls.blind(message);
      return { message, signature: bls.unblind(st, bls.signBlinded(secretKey, st.blinded), publicKey) };
    });
    expect(bls.verifyBatch(items, publicKey)).toBe(true);
    const forged = items.map((t, i) => (i === 3 ? { ...t, signature: bls.hashToG1(t.message) } : t));
    expect(bls.verifyBatch(forged, publicKey)).toBe(false);
    const otherRelay = items.map((t, i) =>
      i === 5
        ? { ...t, message: tokenMessage(domain, "0x00000000000000000000000000000000000000b2", 2n, serial(15)) }
        : t,
    );
    expect(bls.verifyBatch(otherRelay, publicKey)).toBe(false);
    expect(bls.verifyBatch(items, bls.keygen().publicKey)).toBe(false);
    const withTorsion = items.map((t, i) => (i === 0 ? { ...t, signature: nonSubgroupPoint() } : t));
    expect(bls.verifyBatch(withTorsion, publicKey)).toBe(false);
    expect(() => bls.verifyBatch([], publicKey)).toThrow(InvalidPointError);
  });

  it("validates token message fields and EIP-2537 encodings", () => {
    expect(() => tokenMessage(domain, "0x01", 1n, serial(0))).toThrow(InvalidInputError);
    expect(() => tokenMessage(domain, relay, -1n, serial(0))).toThrow(/epoch/);
    expect(() => tokenMessage(domain, relay, 1n << 64n, serial(0))).toThrow(/epoch/);
    expect(() => tokenMessage(domain, relay, 1n, new Uint8Array(15))).toThrow(/serial/);
    expect(tokenMessage(domain, relay, 0x0102n, serial(0)).subarray(68, 76)).toEqual(
      Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 2]),
    );
    const p = bls12_381.G1.Point.BASE.multiply(5n);
    const enc = g1ToEip2537(p.toBytes(true));
    expect(enc.subarray(0, 16)).toEqual(new Uint8Array(16));
    expect(BigInt(`0x${Buffer.from(enc.subarray(16, 64)).toString("hex")}`)).toBe(p.toAffine().x);
    const q = g2ToEip2537(publicKey);
    expect(BigInt(`0x${Buffer.from(q.subarray(16, 64)).toString("hex")}`)).toBe(
      bls12_381.G2.Point.fromBytes(publicKey).toAffine().x.c0,
    );
    expect(() => g1ToEip2537(new Uint8Array(48))).toThrow(InvalidPointError);
    expect(() => g2ToEip2537(new Uint8Array(95))).toThrow(InvalidPointError);
  });
});
