// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title X25519
 * @notice X25519 scalar multiplication (RFC 7748 §5) in the EVM: the Montgomery
 * ladder over GF(2^255 − 19) with `mulmod`, and the final inversion through the
 * MODEXP precompile (0x05). Inputs and outputs use RFC 7748's little-endian
 * 32-byte encodings, exactly like `node:crypto` / noble `x25519`.
 *
 * It is expensive (tens of thousands of gas per multiplication) and exists only
 * for ShopperAudit disputes, where a relay proves that a loop sender lied about
 * a replay tag by recomputing the Sphinx shared secrets on chain.
 *
 * Field arithmetic keeps every stored value reduced below p; a sum or a
 * difference (a + p − b) of two reduced values is < 2p < 2^256, so plain `add`
 * cannot overflow and `mulmod` reduces it again.
 */
library X25519 {
    /// @dev p = 2^255 − 19 (RFC 7748 §4.1).
    uint256 internal constant P = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed;
    /// @dev a24 = (486662 − 2) / 4 (RFC 7748 §5).
    uint256 internal constant A24 = 121665;
    /// @dev The base point's u-coordinate, 9, little-endian encoded.
    bytes32 internal constant BASE_POINT = bytes32(uint256(9) << 248);

    /// @notice Thrown when the MODEXP precompile fails (never on a correct EVM).
    error X25519ModExpFailed();

    /**
     * @notice X25519(k, u) of RFC 7748 §5.
     * @param k 32-byte scalar, little-endian; clamped here as the RFC requires.
     * @param u 32-byte u-coordinate, little-endian; top bit masked, reduced mod p.
     * @return 32-byte u-coordinate of [k]u, little-endian.
     */
    function x25519(bytes32 k, bytes32 u) internal view returns (bytes32) {
        uint256 scalar = _reverse(uint256(k));
        // Clamp (RFC 7748 §5, decodeScalar25519).
        scalar &= ~uint256(7);
        scalar &= ~(uint256(1) << 255);
        scalar |= uint256(1) << 254;
        uint256 x1 = (_reverse(uint256(u)) & ((uint256(1) << 255) - 1)) % P;
        (uint256 x2, uint256 z2) = _ladder(scalar, x1);
        return bytes32(_reverse(mulmod(x2, _inverse(z2), P)));
    }

    /// @notice X25519(k, 9): the public key of private key `k`.
    function publicKey(bytes32 k) internal view returns (bytes32) {
        return x25519(k, BASE_POINT);
    }

    /// @dev Montgomery ladder of RFC 7748 §5, constant structure (time does not matter on chain).
    function _ladder(uint256 k, uint256 x1) private pure returns (uint256 x2, uint256 z2) {
        assembly ("memory-safe") {
            let p := P
            x2 := 1
            z2 := 0
            let x3 := x1
            let z3 := 1
            let swap := 0
            for { let t := 255 } gt(t, 0) {} {
                t := sub(t, 1)
                let kt := and(shr(t, k), 1)
                swap := xor(swap, kt)
                // Conditional swap by xor masks.
                let mask := sub(0, swap)
                let dx := and(xor(x2, x3), mask)
                x2 := xor(x2, dx)
                x3 := xor(x3, dx)
                let dz := and(xor(z2, z3), mask)
                z2 := xor(z2, dz)
                z3 := xor(z3, dz)
                swap := kt

                let a := add(x2, z2)
                let aa := mulmod(a, a, p)
                let b := add(x2, sub(p, z2))
                let bb := mulmod(b, b, p)
                let e := add(aa, sub(p, bb))
                let c := add(x3, z3)
                let d := add(x3, sub(p, z3))
                let da := mulmod(d, a, p)
                let cb := mulmod(c, b, p)
                let s := add(da, cb)
                x3 := mulmod(s, s, p)
                let df := add(da, sub(p, cb))
                z3 := mulmod(x1, mulmod(df, df, p), p)
                x2 := mulmod(aa, bb, p)
                z2 := mulmod(e, add(aa, mulmod(A24, e, p)), p)
            }
            let mask := sub(0, swap)
            let dx := and(xor(x2, x3), mask)
            x2 := xor(x2, dx)
            let dz := and(xor(z2, z3), mask)
            z2 := xor(z2, dz)
        }
    }

    /// @dev z^(p−2) mod p through MODEXP; 0 maps to 0 as RFC 7748 requires.
    function _inverse(uint256 z) private view returns (uint256 r) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 32)
            mstore(add(m, 0x20), 32)
            mstore(add(m, 0x40), 32)
            mstore(add(m, 0x60), z)
            mstore(add(m, 0x80), sub(P, 2))
            mstore(add(m, 0xa0), P)
            ok := staticcall(gas(), 0x05, m, 0xc0, m, 0x20)
            r := mload(m)
        }
        if (!ok) revert X25519ModExpFailed();
    }

    /// @dev Reverses the byte order of a 256-bit word (little-endian <-> big-endian).
    function _reverse(uint256 v) private pure returns (uint256) {
        v = ((v & 0xFF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00) >> 8)
            | ((v & 0x00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF00FF) << 8);
        v = ((v & 0xFFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000) >> 16)
            | ((v & 0x0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF0000FFFF) << 16);
        v = ((v & 0xFFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000) >> 32)
            | ((v & 0x00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF00000000FFFFFFFF) << 32);
        v = ((v & 0xFFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF0000000000000000) >> 64)
            | ((v & 0x0000000000000000FFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF) << 64);
        return (v >> 128) | (v << 128);
    }
}
