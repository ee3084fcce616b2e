/**
 * `BlindBls.verifyEach`, the relay's batch check: every σ decompressed and
 * every message hashed once into mcl's heap, the batch bisected on those
 * cached points. Its verdicts must be exactly the single-token verdicts
 * (`verify`, a throw counting as false) on seeded mixes of valid tokens and
 * every kind of bad one, and `verifyBatch` must still name a malformed σ.
 */
import { describe, expect, it } from "vitest";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { loadBlindBls } from "../../../src/crypto/blind/bls.js";
import { tokenMessage } from "../../../src/crypto/blind/encoding.js";
import { InvalidPointError } from "../../../src/crypto/blind/errors.js";
import { seededRandom } from "../../../bench/channels-mutants.js";
import { nonSubgroupPoint } from "../../../bench/tickets-mutants.js";
import { tokenDomain } from "../../helpers/token-domain.js";
import { mclG1Hasher } from "../../../src/crypto/blind/hash-to-g1.js";
import { blstG1Decompressor } from "../../../src/crypto/blind/native-g1.js";
import { TOKEN_DST } from "../../../src/crypto/blind/constants.js";

const bls = await loadBlindBls();
const relay = "0x00000000000000000000000000000000000000a1" as const;
const domain = tokenDomain;
const { secretKey, publicKey } = bls.keygen();
type Item = { message: Uint8Array; signature: Uint8Array };

let next = 0;
function token(): Item {
  const serial = new Uint8Array(16);
  new DataView(serial.buffer).setUint32(0, ++next);
  const message = tokenMessage(domain, relay, 3n, serial);
  const st = bls.blind(message);
  return { message, signature: bls.unblind(st, bls.signBlinded(secretKey, st.blinded), publicKey) };
}

/** A G1 point on the curve outside the prime-order subgroup, compressed (the first from x = 1). */
const torsion = nonSubgroupPoint(() => 0);
const infinity = Uint8Array.from({ length: 48 }, (_, i) => (i === 0 ? 0xc0 : 0));
const nonCanonical = (() => {
  const out = bls12_381.fields.Fp.toBytes(bls12_381.fields.Fp.ORDER - 0n); // x = p
  out[0]! |= 0x80;
  return out;
})();

/** Bad variants of a fresh token (none cancels another: each uses a σ nobody else in the batch has). */
const BAD: Record<string, (t: Item, spare: Item) => Item> = {
  "σ of a token outside the batch": (t, spare) => ({ ...t, signature: spare.signature }),
  "H(m) as σ (no key)": (t) => ({ ...t, signature: bls.hashToG1(t.message) }),
  "message relabelled to another relay": (t) => ({
    ...t,
    message: tokenMessage(domain, "0x00000000000000000000000000000000000000b2", 3n, t.message.slice(76)),
  }),
  "outside the subgroup": (t) => ({ ...t, signature: torsion }),
  "point at infinity": (t) => ({ ...t, signature: infinity }),
  "47 bytes": (t) => ({ ...t, signature: t.signature.slice(1) }),
  "x = p (non-canonical)": (t) => ({ ...t, signature: nonCanonical }),
  "compression flag cleared": (t) => {
    const s = t.signature.slice();
    s[0]! &= 0x7f;
    return { ...t, signature: s };
  },
  "a σ bit flipped": (t) => {
    const s = t.signature.slice();
    s[47]! ^= 1;
    return { ...t, signature: s };
  },
};

function single(item: Item): boolean {
  try {
    return bls.verify(item.message, item.signature, publicKey);
  } catch {
    return false;
  }
}

describe("verifyEach: per-token verdicts of a batch", () => {
  it("equals the single-token check on 12 seeded mixes of valid and bad tokens of every kind", () => {
    const kinds = Object.keys(BAD);
    const drawn = new Map<string, number>();
    for (let seed = 1; seed <= 12; seed++) {
      const random = seededRandom(seed);
      const size = 1 + Math.floor(random() * 40);
      const batch: { item: Item; kind: string }[] = [];
      for (let i = 0; i < size; i++) {
        const kind = random() < 0.7 ? "valid" : kinds[Math.floor(random() * kinds.length)]!;
        const t = token();
        batch.push({ kind, item: kind === "valid" ? t : BAD[kind]!(t, token()) });
        drawn.set(kind, (drawn.get(kind) ?? 0) + 1);
      }
      const verdicts = bls.verifyEach(
        batch.map((b) => b.item),
        publicKey,
      );
      // the relay's path (blst decompresses σ) gives the same verdicts
      expect(
        bls.verifyEach(
          batch.map((b) => b.item),
          publicKey,
          blstG1Decompressor,
        ),
        `seed ${seed}, blst`,
      ).toEqual(verdicts);
      expect(
        batch.map((b, i) => ({ kind: b.kind, verdict: verdicts[i] })),
        `seed ${seed}`,
      ).toEqual(batch.map((b) => ({ kind: b.kind, verdict: single(b.item) })));
      expect(verdicts.filter(Boolean).length, `seed ${seed}`).toBe(batch.filter((b) => b.kind === "valid").length);
    }
    expect([...drawn.keys()].sort()).toEqual(["valid", ...kinds].sort()); // every kind was drawn
  });

  it("a batch of only bad tokens, and an empty batch, yield no true verdict", () => {
    const bad = Object.values(BAD).map((make) => make(token(), token()));
    expect(bls.verifyEach(bad, publicKey)).toEqual(bad.map(() => false));
    expect(bls.verifyEach([], publicKey)).toEqual([]);
  });

  it("like verifyBatch, accepts a SET: σ1 + δ and σ2 − δ pass together, and each fails alone (docs/tickets.md §8)", () => {
    const [a, b] = [token(), token()];
    const delta = bls12_381.G1.Point.BASE.multiply(12345n);
    const shift = (s: Uint8Array, sign: 1n | -1n) =>
      bls12_381.G1.Point.fromBytes(s)
        .add(sign === 1n ? delta : delta.negate())
        .toBytes(true);
    const pair = [
      { ...a, signature: shift(a.signature, 1n) },
      { ...b, signature: shift(b.signature, -1n) },
    ];
    expect(bls.verifyEach(pair, publicKey)).toEqual([true, true]);
    expect([bls.verifyEach([pair[0]!], publicKey), bls.verifyEach([pair[1]!], publicKey)]).toEqual([[false], [false]]);
  });

  it("verifyBatch still names a σ that does not decode", () => {
    const ok = [token(), token()];
    const withSig = (signature: Uint8Array) => [ok[0]!, { ...ok[1]!, signature }];
    expect(() => bls.verifyBatch(withSig(infinity), publicKey)).toThrow(/point at infinity/);
    expect(() => bls.verifyBatch(withSig(new Uint8Array(47)), publicKey)).toThrow(/expected 48 bytes, got 47/);
    expect(() => bls.verifyBatch(withSig(nonCanonical), publicKey)).toThrow(InvalidPointError);
    expect(bls.verifyBatch(withSig(torsion), publicKey)).toBe(false);
    expect(bls.verifyBatch(ok, publicKey)).toBe(true);
  });
});

describe("σ decompressed by blst (the relay's path) instead of mcl", () => {
  /** Faults and, over the tokens that decoded, Σσ and ΣH (compressed), decoded one way or the other. */
  const decode = (items: Item[], native: boolean) =>
    mclG1Hasher(TOKEN_DST).withTokens(
      items,
      (batch) => {
        const decoded = items.map((_, i) => i).filter((i) => batch.faults[i] === null);
        const { sigma, hashes } = batch.sums(decoded);
        return { faults: batch.faults, sigma: sigma.serialize(), hashes: hashes.serialize() };
      },
      native ? blstG1Decompressor : undefined,
    );

  it("refuses every malformed σ for the same reason and decodes every other σ to the same point", () => {
    const items = [token(), ...Object.values(BAD).map((make) => make(token(), token())), token()];
    const native = decode(items, true);
    expect(native).toEqual(decode(items, false));
    expect(native.faults).toEqual([
      null,
      null,
      null,
      null,
      null,
      "infinity",
      "length",
      "encoding",
      "encoding",
      native.faults[9],
      null,
    ]);
  });

  it("decodes 200 seeded random x the same way (about half have no square root)", () => {
    const random = seededRandom(7);
    const items = Array.from({ length: 200 }, () => {
      const signature = Uint8Array.from({ length: 48 }, () => Math.floor(random() * 256));
      signature[0] = (signature[0]! & 0x1f) | 0x80 | (random() < 0.5 ? 0x20 : 0); // compressed, either sign of y
      return { message: token().message, signature };
    });
    const native = decode(items, true);
    expect(native).toEqual(decode(items, false));
    const decoded = native.faults.filter((f) => f === null).length;
    expect(decoded).toBeGreaterThan(60);
    expect(decoded).toBeLessThan(140);
  });
});
