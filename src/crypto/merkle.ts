/**
 * Sorted-pair Merkle tree over 32-byte replay tags (docs/shopper.md §Merkle),
 * the off-chain half of `contracts/lib/MerkleTags.sol`:
 *
 *   leaf(tag)  = keccak256(0x00 ‖ tag)
 *   node(a, b) = keccak256(0x01 ‖ min(a, b) ‖ max(a, b))   (bytewise order)
 *
 * Construction: leaves are deduplicated and sorted ascending; each level pairs
 * neighbours (0,1), (2,3), …; an odd last node is carried up unchanged. The
 * root of one leaf is that leaf. A proof lists the sibling of each level where
 * one exists (levels where the node was carried up add nothing).
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { InvalidInputError } from "../errors.js";

export type MerkleTree = {
  /** levels[0] = sorted leaf hashes, last level = [root]. */
  levels: Uint8Array[][];
  root: Uint8Array;
  /** Number of distinct tags. */
  size: number;
};

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** leaf(tag) = keccak256(0x00 ‖ tag). */
export function merkleLeaf(tag: Uint8Array): Uint8Array {
  if (!(tag instanceof Uint8Array) || tag.length !== 32) throw new InvalidInputError("tag", "must be 32 bytes");
  const buf = new Uint8Array(33);
  buf.set(tag, 1);
  return keccak_256(buf);
}

/** node(a, b) = keccak256(0x01 ‖ min ‖ max). */
export function merkleNode(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(65);
  buf[0] = 1;
  const [lo, hi] = compare(a, b) <= 0 ? [a, b] : [b, a];
  buf.set(lo, 1);
  buf.set(hi, 33);
  return keccak_256(buf);
}

/**
 * Builds the tree of a set of tags.
 *
 * @param tags 32-byte replay tags, any order, duplicates allowed (ignored)
 * @returns the tree; `root` is what `ShopperAudit.commit` takes
 * @throws InvalidInputError when `tags` is empty or a tag is not 32 bytes
 * @example
 * const { root, size } = buildMerkleTree(tags);
 */
export function buildMerkleTree(tags: Iterable<Uint8Array>): MerkleTree {
  const leaves = [...tags].map(merkleLeaf).sort(compare);
  const unique = leaves.filter((l, i) => i === 0 || compare(l, leaves[i - 1]!) !== 0);
  if (unique.length === 0) throw new InvalidInputError("tags", "a tree needs at least one tag");
  const levels: Uint8Array[][] = [unique];
  while (levels[levels.length - 1]!.length > 1) {
    const prev = levels[levels.length - 1]!;
    const next: Uint8Array[] = [];
    for (let i = 0; i < prev.length; i += 2)
      next.push(i + 1 < prev.length ? merkleNode(prev[i]!, prev[i + 1]!) : prev[i]!);
    levels.push(next);
  }
  return { levels, root: levels[levels.length - 1]![0]!, size: unique.length };
}

/**
 * Inclusion proof of `tag`, or null when the tag is not in the tree.
 *
 * @param tree from `buildMerkleTree`
 * @param tag 32-byte replay tag
 * @returns sibling hashes, leaf level first (what `ShopperAudit.proveHops` takes)
 * @example
 * const proof = merkleProof(tree, tag);
 */
export function merkleProof(tree: MerkleTree, tag: Uint8Array): Uint8Array[] | null {
  const leaf = merkleLeaf(tag);
  let lo = 0;
  let hi = tree.levels[0]!.length - 1;
  let index = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compare(tree.levels[0]![mid]!, leaf);
    if (c === 0) {
      index = mid;
      break;
    }
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  if (index < 0) return null;
  const proof: Uint8Array[] = [];
  for (let level = 0; level < tree.levels.length - 1; level++) {
    const nodes = tree.levels[level]!;
    const sibling = index ^ 1;
    if (sibling < nodes.length) proof.push(nodes[sibling]!);
    index >>= 1;
  }
  return proof;
}

/**
 * Checks an inclusion proof, exactly as `MerkleTags.verify` does on chain.
 *
 * @example
 * merkleVerify(root, tag, proof); // true
 */
export function merkleVerify(root: Uint8Array, tag: Uint8Array, proof: readonly Uint8Array[]): boolean {
  let h = merkleLeaf(tag);
  for (const sibling of proof) h = merkleNode(h, sibling);
  return compare(h, root) === 0 && root.length === 32;
}
