/** Sorted-pair Merkle tree (src/crypto/merkle.ts) against contracts/lib/MerkleTags.sol. */
import { describe, expect, it, beforeAll } from "vitest";
import hre from "hardhat";
import { deployHarness, type VrfHarness } from "../schemes/shopper/harness.js";
import { randomBytes } from "node:crypto";
import { bytesToHex } from "viem";
import fc from "fast-check";
import { buildMerkleTree, merkleLeaf, merkleNode, merkleProof, merkleVerify } from "../../src/crypto/merkle.js";
import { InvalidInputError } from "../../src/errors.js";

const { viem } = await hre.network.connect();
let harness: VrfHarness;
beforeAll(async () => {
  harness = await deployHarness(viem as never);
});
const tagArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("Merkle tags", () => {
  it("every tag of any set has a proof that verifies; outsiders have none", () => {
    fc.assert(
      fc.property(fc.array(tagArb, { minLength: 1, maxLength: 40 }), tagArb, (tags, outsider) => {
        const tree = buildMerkleTree(tags);
        for (const t of tags) expect(merkleVerify(tree.root, t, merkleProof(tree, t)!)).toBe(true);
        if (!tags.some((t) => Buffer.from(t).equals(Buffer.from(outsider))))
          expect(merkleProof(tree, outsider)).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it("a single tag is its own leaf root; order and duplicates do not change the root", () => {
    const t = new Uint8Array(randomBytes(32));
    expect(buildMerkleTree([t]).root).toEqual(merkleLeaf(t));
    const tags = Array.from({ length: 9 }, () => new Uint8Array(randomBytes(32)));
    expect(buildMerkleTree([...tags].reverse().concat(tags[0]!)).root).toEqual(buildMerkleTree(tags).root);
    expect(buildMerkleTree(tags).size).toBe(9);
  });

  it("rejects tampered proofs, a proof for another tag, and inner nodes passed off as tags", () => {
    const tags = Array.from({ length: 8 }, () => new Uint8Array(randomBytes(32)));
    const tree = buildMerkleTree(tags);
    const proof = merkleProof(tree, tags[3]!)!;
    const bad = proof.map((p) => p.slice());
    bad[1]![0]! ^= 1;
    expect(merkleVerify(tree.root, tags[3]!, bad)).toBe(false);
    expect(merkleVerify(tree.root, tags[4]!, proof)).toBe(false);
    // The level-1 node over two leaves is not a tag: domain separation.
    const inner = merkleNode(tree.levels[0]![0]!, tree.levels[0]![1]!);
    expect(merkleVerify(tree.root, inner, merkleProof(tree, tags[0]!)!.slice(1))).toBe(false);
  });

  it("rejects empty trees and malformed tags naming the field", () => {
    expect(() => buildMerkleTree([])).toThrow(InvalidInputError);
    expect(() => buildMerkleTree([new Uint8Array(31)])).toThrow(/tag/);
  });

  it("the contract verifies exactly the proofs the library produces", async () => {
    const tags = Array.from({ length: 13 }, () => new Uint8Array(randomBytes(32)));
    const tree = buildMerkleTree(tags);
    const root = bytesToHex(tree.root);
    for (const i of [0, 6, 12]) {
      const proof = merkleProof(tree, tags[i]!)!.map((p) => bytesToHex(p));
      expect(await harness.read.merkleVerify([root, bytesToHex(tags[i]!), proof])).toBe(true);
      expect(await harness.read.merkleVerify([root, bytesToHex(randomBytes(32)), proof])).toBe(false);
    }
  });
});
