/**
 * The relay's hash-to-G1 (src/crypto/blind/hash-to-g1.ts): mcl's own RFC 9380
 * hash_to_curve under the token DST. Each hash equals noble's `hashToCurve`,
 * and the batched sum equals the sum of noble's hashes, for messages of every
 * length the heap layout has to hold (0 … 300 bytes, in one batch).
 */
import { describe, expect, it } from "vitest";
import * as mcl from "mcl-wasm";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { loadBlindBls } from "../../src/crypto/blind/bls.js";
import { TOKEN_DST } from "../../src/crypto/blind/constants.js";
import { mclG1Hasher } from "../../src/crypto/blind/hash-to-g1.js";

await loadBlindBls(); // initialises mcl (curve, IRTF map mode, serialisation)
const hasher = mclG1Hasher(TOKEN_DST);
const noble = (m: Uint8Array) => bls12_381.G1.hashToCurve(m, { DST: TOKEN_DST });
const compressed = (p: mcl.G1) => mcl.normalize(p).serialize();

describe("mcl hash-to-G1 under the token DST", () => {
  const messages = Array.from({ length: 40 }, (_, i) =>
    crypto.getRandomValues(new Uint8Array(i === 0 ? 0 : i * 7 + (i % 3))),
  );
  messages.push(new Uint8Array(300).fill(0xab));

  it("hashes each message exactly as noble's hashToCurve", () => {
    for (const m of messages) expect(compressed(hasher.hash(m)), `${m.length} bytes`).toEqual(noble(m).toBytes(true));
  });

  it("sums a batch of mixed lengths to Σ noble hashes, and a one-message batch to its hash", () => {
    const expected = messages.map(noble).reduce((a, b) => a.add(b));
    expect(compressed(hasher.hashSum(messages))).toEqual(expected.toBytes(true));
    expect(compressed(hasher.hashSum([messages[5]!]))).toEqual(noble(messages[5]!).toBytes(true));
    // A repeated message counts twice (the spent set, not the hash, keeps messages distinct).
    expect(compressed(hasher.hashSum([messages[3]!, messages[3]!]))).toEqual(
      noble(messages[3]!).double().toBytes(true),
    );
    expect(() => hasher.hashSum([])).toThrow(/no messages/);
  });

  it("refuses a DST longer than RFC 9380 allows", () => {
    expect(() => mclG1Hasher("x".repeat(256))).toThrow(/255 bytes/);
  });
});
