// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title SwapOrNot
 * @notice A seeded permutation of [0, count) that maps one index in O(ROUNDS),
 * whatever `count` is: the swap-or-not shuffle (Hoang, Morris, Rogaway 2012)
 * as Ethereum's consensus layer uses it (`compute_shuffled_index`), with
 * keccak256 in place of SHA-256. RelayRegistry deals mixes into layers with it
 * so that a layer's member and a relay's layer cost the same at 10 or 10,000
 * relays (docs/registry.md "Layer assignment"; issue 11, finding 6).
 *
 * Round r (0 ≤ r < ROUNDS), with H = keccak256:
 *   pivot    = uint64(H(seed ‖ uint8 r)[0..8]) mod count
 *   flip     = (pivot + count − index) mod count
 *   position = max(index, flip)
 *   source   = H(seed ‖ uint8 r ‖ uint32be(position / 256))
 *   bit      = (source[(position mod 256) / 8] >> (position mod 8)) & 1
 *   index    = bit == 1 ? flip : index
 * Each round is an involution (index and flip share position and bit), so the
 * inverse runs the same rounds in reverse order.
 */
library SwapOrNot {
    /// @notice Rounds of the shuffle (Ethereum's SHUFFLE_ROUND_COUNT).
    uint256 internal constant ROUNDS = 90;

    /// @notice Image of `index` under the permutation of [0, count) keyed by `seed`; requires index < count.
    function permute(uint256 index, uint256 count, bytes32 seed) internal pure returns (uint256) {
        return _rounds(index, count, seed, false);
    }

    /// @notice Preimage of `index` (inverse of {permute}); requires index < count.
    function unpermute(uint256 index, uint256 count, bytes32 seed) internal pure returns (uint256) {
        return _rounds(index, count, seed, true);
    }

    /// @dev The rounds of the header comment, in order or (inverse) reversed; scratch space only.
    function _rounds(uint256 index, uint256 count, bytes32 seed, bool inverse) private pure returns (uint256) {
        assembly ("memory-safe") {
            mstore(0x00, seed)
            for { let i := 0 } lt(i, ROUNDS) { i := add(i, 1) } {
                let r := i
                if inverse { r := sub(sub(ROUNDS, 1), i) }
                mstore(0x20, shl(248, r))
                let pivot := mod(shr(192, keccak256(0x00, 0x21)), count)
                let flip := mod(sub(add(pivot, count), index), count)
                let position := index
                if gt(flip, index) { position := flip }
                mstore(0x20, or(shl(248, r), shl(216, shr(8, position))))
                // Byte (position mod 256) / 8 of the source, then its bit position mod 8.
                let b := shr(sub(248, and(position, 0xf8)), keccak256(0x00, 0x25))
                if and(shr(and(position, 7), b), 1) { index := flip }
            }
        }
        return index;
    }
}
