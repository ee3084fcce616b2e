// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title BLS12381
 * @notice Checked wrappers around the EIP-2537 BLS12-381 precompiles (Prague).
 * @dev Encodings are EIP-2537's final ones:
 * - Fp element: 64 bytes = 16 zero bytes ‖ 48-byte big-endian value, value < p;
 * - G1 point: 128 bytes = x ‖ y; the point at infinity is 128 zero bytes;
 * - G2 point: 256 bytes = x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1 (note: noble / zcash
 *   serialisation puts c1 first; the off-chain encoder swaps).
 * What each precompile checks (EIP-2537 §"ABI"): G1ADD checks that both inputs
 * are on the curve but NOT in the subgroup; PAIRING_CHECK checks curve and
 * subgroup membership of every input; MAP_FP_TO_G1 rejects non-canonical Fp
 * and its output is in G1 (cofactor cleared). A failing precompile consumes
 * all gas it was given and returns nothing; these wrappers turn that into a
 * custom error, and check canonical Fp encodings and infinity up front so a
 * caller gets a precise reason instead of an opaque failure.
 */
library BLS12381 {
    /// @dev Precompile addresses, EIP-2537 §"Constants".
    address internal constant G1ADD = address(0x0b);
    address internal constant G1MSM = address(0x0c);
    address internal constant PAIRING_CHECK = address(0x0f);
    address internal constant MAP_FP_TO_G1 = address(0x10);
    /// @dev EIP-198 MODEXP, used to reduce 64-byte hash outputs modulo p.
    address internal constant MODEXP = address(0x05);
    /// @dev SHA-256 precompile.
    address internal constant SHA256 = address(0x02);

    /// @dev p = 0x1a0111ea…aaab split as it sits in a 64-byte Fp word pair:
    /// first word = 16 zero bytes ‖ top 16 bytes of p, second word = low 32 bytes.
    uint256 internal constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 internal constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    /// @dev Sizes of EIP-2537 encodings.
    uint256 internal constant FP_SIZE = 64;
    uint256 internal constant G1_SIZE = 128;
    uint256 internal constant G2_SIZE = 256;

    /// @dev −g2 (negated G2 generator), EIP-2537 encoding: the fixed G2 side of
    /// a BLS check e(σ, −g2)·e(H(m), pk) = 1.
    bytes internal constant NEG_G2 =
        hex"00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
        hex"0000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
        hex"000000000000000000000000000000000d1b3cc2c7027888be51d9ef691d77bcb679afda66c73f17f9ee3837a55024f78c71363275a75d75d86bab79f74782aa"
        hex"0000000000000000000000000000000013fa4d4a0ad8b1ce186ed5061789213d993923066dddaf1040bc3ff59f825c78df74f2d75467e25e0f55f8a00fa030ed";

    /**
     * @notice A 64-byte field element is not canonical (padding not zero, or value ≥ p).
     * @param offset Byte offset of the element inside the encoded point.
     */
    error BLS12381NonCanonicalFieldElement(uint256 offset);

    /**
     * @notice An encoded point has the wrong length.
     * @param expected Bytes required (128 for G1, 256 for G2).
     * @param actual Bytes given.
     */
    error BLS12381InvalidPointLength(uint256 expected, uint256 actual);

    /// @notice The point at infinity was given where a proper point is required.
    error BLS12381PointAtInfinity();

    /**
     * @notice A precompile rejected its input (point not on the curve or, for
     * the pairing, not in the prime-order subgroup) or is not available.
     * @param precompile Address of the failing precompile.
     */
    error BLS12381PrecompileFailed(address precompile);

    /**
     * @notice Reverts unless `point` is a 128-byte G1 encoding with canonical
     * coordinates that is not the point at infinity. Curve and subgroup
     * membership are left to the precompile that consumes the point.
     * @param point Encoded G1 point.
     */
    function checkG1(bytes memory point) internal pure {
        if (point.length != G1_SIZE) revert BLS12381InvalidPointLength(G1_SIZE, point.length);
        _checkCoordinates(point, 2);
        if (isZero(point)) revert BLS12381PointAtInfinity();
    }

    /**
     * @notice Reverts unless `point` is a 256-byte G2 encoding with canonical
     * coordinates that is not the point at infinity.
     * @param point Encoded G2 point.
     */
    function checkG2(bytes memory point) internal pure {
        if (point.length != G2_SIZE) revert BLS12381InvalidPointLength(G2_SIZE, point.length);
        _checkCoordinates(point, 4);
        if (isZero(point)) revert BLS12381PointAtInfinity();
    }

    /**
     * @notice Runs PAIRING_CHECK on `input` (k × (G1 ‖ G2), 384·k bytes).
     * @dev Gas: 32,600·k + 37,700 (EIP-2537). The precompile performs subgroup
     * checks on every point; a point outside G1/G2 makes it fail, which this
     * wrapper reports as {BLS12381PrecompileFailed}.
     * @param input Concatenated pairs.
     * @return ok True iff the product of pairings is the identity in GT.
     */
    function pairingCheck(bytes memory input) internal view returns (bool ok) {
        bool success;
        (success, ok) = tryPairingCheck(input, gasleft());
        if (!success) revert BLS12381PrecompileFailed(PAIRING_CHECK);
    }

    /**
     * @notice PAIRING_CHECK that reports a rejected input instead of reverting,
     * for callers where a malformed point is an ordinary "does not verify".
     * @dev A rejected input consumes all of `gasLimit`, so a caller facing
     * untrusted points caps it near the EIP-2537 price (32,600·k + 37,700).
     * @param input Concatenated pairs (k × (G1 ‖ G2), 384·k bytes).
     * @param gasLimit Gas given to the precompile.
     * @return success False iff the precompile rejected the input (bad
     * encoding, point off the curve or outside its subgroup) or ran out of gas.
     * @return ok True iff success and the product of pairings is the identity.
     */
    function tryPairingCheck(bytes memory input, uint256 gasLimit) internal view returns (bool success, bool ok) {
        uint256 result;
        assembly ("memory-safe") {
            success := staticcall(gasLimit, 0x0f, add(input, 0x20), mload(input), 0x00, 0x20)
            result := mload(0x00)
        }
        ok = success && result == 1;
    }

    /**
     * @notice G1ADD of two encoded points (both must be on the curve).
     * @param a First G1 point (128 bytes).
     * @param b Second G1 point (128 bytes).
     * @return sum a + b, 128 bytes.
     */
    function g1Add(bytes memory a, bytes memory b) internal view returns (bytes memory sum) {
        if (a.length != G1_SIZE) revert BLS12381InvalidPointLength(G1_SIZE, a.length);
        if (b.length != G1_SIZE) revert BLS12381InvalidPointLength(G1_SIZE, b.length);
        _checkCoordinates(a, 2);
        _checkCoordinates(b, 2);
        sum = new bytes(G1_SIZE);
        bool success;
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mcopy(buf, add(a, 0x20), 128)
            mcopy(add(buf, 128), add(b, 0x20), 128)
            success := staticcall(gas(), 0x0b, buf, 256, add(sum, 0x20), 128)
        }
        if (!success) revert BLS12381PrecompileFailed(G1ADD);
    }

    /**
     * @notice True iff the 64-byte word pair (hi, lo) is a canonical Fp element.
     * @param hi First 32 bytes (16 zero bytes ‖ top 16 bytes of the value).
     * @param lo Last 32 bytes.
     * @return canonical Whether hi < 2^128 and hi‖lo < p.
     */
    function isCanonicalFp(uint256 hi, uint256 lo) internal pure returns (bool canonical) {
        canonical = hi < P_HI || (hi == P_HI && lo < P_LO);
    }

    /// @dev Checks `words` consecutive 64-byte Fp elements of `point`.
    function _checkCoordinates(bytes memory point, uint256 count) private pure {
        for (uint256 i = 0; i < count; ++i) {
            uint256 hi;
            uint256 lo;
            // offset stays < 256 (count ≤ 4, 64 bytes each), inside the checked length.
            uint256 offset = i * FP_SIZE;
            assembly ("memory-safe") {
                hi := mload(add(add(point, 0x20), offset))
                lo := mload(add(add(point, 0x40), offset))
            }
            if (!isCanonicalFp(hi, lo)) revert BLS12381NonCanonicalFieldElement(offset);
        }
    }

    /**
     * @notice True iff every byte of `data` is zero (for an encoded point: the point at infinity).
     * @param data Bytes whose length is a multiple of 32 (any trailing partial word is ignored).
     * @return zero Whether all bytes are zero.
     */
    function isZero(bytes memory data) internal pure returns (bool zero) {
        uint256 acc;
        uint256 words = data.length / 32;
        for (uint256 i = 0; i < words; ++i) {
            assembly ("memory-safe") {
                acc := or(acc, mload(add(add(data, 0x20), mul(i, 0x20))))
            }
        }
        zero = acc == 0;
    }
}
