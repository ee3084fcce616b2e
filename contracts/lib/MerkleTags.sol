// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title MerkleTags
 * @notice Sorted-pair Merkle tree over 32-byte Sphinx replay tags
 * (docs/shopper.md §Merkle). Leaves and inner nodes are domain separated so an
 * inner node can never be passed off as a tag:
 *   leaf(tag)  = keccak256(0x00 ‖ tag)
 *   node(a, b) = keccak256(0x01 ‖ min(a, b) ‖ max(a, b))
 * A proof is the list of sibling hashes from the leaf up; because pairs are
 * sorted, no left/right bits are needed.
 */
library MerkleTags {
    /// @notice Leaf hash of a replay tag.
    function leaf(bytes32 tag) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore8(0x00, 0x00)
            mstore(0x01, tag)
            h := keccak256(0x00, 0x21)
        }
    }

    /// @notice Inner node hash of two children, order independent.
    function node(bytes32 a, bytes32 b) internal pure returns (bytes32 h) {
        if (a > b) (a, b) = (b, a);
        assembly ("memory-safe") {
            // Scratch space 0x00..0x3f plus the free-memory pointer slot: use free memory instead.
            let m := mload(0x40)
            mstore8(m, 0x01)
            mstore(add(m, 0x01), a)
            mstore(add(m, 0x21), b)
            h := keccak256(m, 0x41)
        }
    }

    /**
     * @notice Whether `tag` is a leaf of the tree with root `root`.
     * @param root Committed root.
     * @param tag 32-byte replay tag.
     * @param proof Sibling hashes, leaf level first.
     */
    function verify(bytes32 root, bytes32 tag, bytes32[] calldata proof) internal pure returns (bool) {
        bytes32 h = leaf(tag);
        for (uint256 i = 0; i < proof.length; ++i) {
            h = node(h, proof[i]);
        }
        return h == root;
    }
}
