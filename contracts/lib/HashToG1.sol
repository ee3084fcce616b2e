// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BLS12381} from "./BLS12381.sol";

/**
 * @title HashToG1
 * @notice RFC 9380 hash_to_curve for the suite BLS12381G1_XMD:SHA-256_SSWU_RO_
 * (§8.8.1) on the EIP-2537 precompiles.
 * @dev Steps, names as in RFC 9380:
 * 1. `uniform_bytes = expand_message_xmd(msg, DST, 128)` (§5.3.1) with SHA-256
 *    (b_in_bytes = 32, s_in_bytes = 64, ell = 4): b_0 = H(Z_pad ‖ msg ‖
 *    I2OSP(128, 2) ‖ I2OSP(0, 1) ‖ DST_prime), b_1 = H(b_0 ‖ I2OSP(1, 1) ‖
 *    DST_prime), b_i = H(strxor(b_0, b_{i−1}) ‖ I2OSP(i, 1) ‖ DST_prime).
 * 2. `hash_to_field` (§5.2) with count = 2, L = 64: u_i = OS2IP(64-byte
 *    chunk i) mod p, reduced with the MODEXP precompile (base^1 mod p).
 * 3. Q_i = MAP_FP_TO_G1(u_i): EIP-2537 applies the simplified SWU map, the
 *    11-isogeny and clear_cofactor (h_eff) to each u_i.
 * 4. P = Q_0 + Q_1 (G1ADD). RFC 9380 clears the cofactor after the addition;
 *    clear_cofactor is multiplication by h_eff, a group homomorphism, so
 *    clearing each Q_i first gives the same point.
 * Equality with noble's `bls12_381.G1.hashToCurve` is tested on ≥ 1,000
 * random messages (test/crypto/blind-h2c-diff.test.ts).
 *
 * A hasher buffer is prepared once per (DST, message length) and reused for
 * every message of a batch, so hashing n messages costs no memory expansion
 * beyond one buffer and only the message-dependent writes per message.
 */
library HashToG1 {
    /**
     * @notice The domain separation tag is empty or longer than 255 bytes (RFC 9380 §5.3.3).
     * @param length Length of the given tag.
     */
    error HashToG1InvalidDst(uint256 length);

    /// @dev Layout of a hasher (offsets into its bytes): a header, then the scratch areas.
    ///   [0, 32)       message length      [32, 64)   DST length
    ///   B   [64, 224)     b_0 ‖ b_1 ‖ b_2 ‖ b_3 ‖ b_4
    ///   H   [224, 544)    strxor(b_0, b_{i-1}) ‖ I2OSP(i, 1) ‖ DST_prime
    ///   M   [544, 768)    MODEXP input: 64 ‖ 1 ‖ 48 ‖ base(64) ‖ 0x01 ‖ p(48)
    ///   ADD [768, 1024)   G1ADD input: acc ‖ Q_i
    ///   U   [1024, 1088)  MAP_FP_TO_G1 input: 16 zero bytes ‖ u_i
    ///   A   [1088, …)     b_0 input: Z_pad(64) ‖ msg ‖ I2OSP(128, 2) ‖ I2OSP(0, 1) ‖ DST_prime
    uint256 internal constant MESSAGE_OFFSET = 1088 + 64;

    /**
     * @notice Prepares a reusable hasher for messages of `messageLength` bytes
     * under `dst`: everything that does not depend on the message (Z_pad,
     * DST_prime, MODEXP header and modulus) is written once.
     * @param dst Domain separation tag, 1..255 bytes.
     * @param messageLength Length of every message hashed with it.
     * @return hasher Opaque buffer; write a message at {messagePointer}, then call {addHash}.
     */
    function newHasher(bytes memory dst, uint256 messageLength) internal pure returns (bytes memory hasher) {
        uint256 dstLen = dst.length;
        if (dstLen == 0 || dstLen > 255) revert HashToG1InvalidDst(dstLen);
        // new bytes() zero-fills, which provides Z_pad, the message placeholder and U's padding.
        hasher = new bytes(MESSAGE_OFFSET + messageLength + 4 + dstLen);
        uint256 pHi = BLS12381.P_HI;
        uint256 pLo = BLS12381.P_LO;
        assembly ("memory-safe") {
            let base := add(hasher, 0x20)
            mstore(base, messageLength)
            mstore(add(base, 32), dstLen)
            // H: DST_prime after the 33 bytes of (strxor ‖ i)
            let h := add(base, 224)
            mcopy(add(h, 33), add(dst, 0x20), dstLen)
            mstore8(add(add(h, 33), dstLen), dstLen)
            // M: MODEXP header, exponent 1 and modulus p
            let m := add(base, 544)
            mstore(m, 64)
            mstore(add(m, 0x20), 1)
            mstore(add(m, 0x40), 48)
            mstore8(add(m, 160), 1)
            mstore(add(m, 161), shl(128, pHi))
            mstore(add(m, 177), pLo)
            // A: suffix after the message: I2OSP(128, 2) ‖ I2OSP(0, 1) ‖ DST_prime
            let p := add(add(base, MESSAGE_OFFSET), messageLength)
            mstore8(add(p, 1), 0x80)
            mcopy(add(p, 3), add(dst, 0x20), dstLen)
            mstore8(add(add(p, 3), dstLen), dstLen)
        }
    }

    /**
     * @notice Memory address of the message area of `hasher` (messageLength bytes).
     * @param hasher A buffer from {newHasher}.
     * @return ptr Where the caller writes the message before {addHash}.
     */
    function messagePointer(bytes memory hasher) internal pure returns (uint256 ptr) {
        assembly ("memory-safe") {
            ptr := add(add(hasher, 0x20), MESSAGE_OFFSET)
        }
    }

    /**
     * @notice acc ← acc + hash_to_curve(message currently in `hasher`).
     * @dev `acc` must be a 128-byte G1 point on the curve (infinity allowed).
     * @param hasher A buffer from {newHasher} holding the message.
     * @param acc Accumulator, 128 bytes, overwritten in place.
     */
    function addHash(bytes memory hasher, bytes memory acc) internal view {
        if (acc.length != BLS12381.G1_SIZE) {
            revert BLS12381.BLS12381InvalidPointLength(BLS12381.G1_SIZE, acc.length);
        }
        bytes4 failSelector = BLS12381.BLS12381PrecompileFailed.selector;
        assembly ("memory-safe") {
            function fail(selector, precompile) {
                mstore(0x00, selector)
                mstore(0x04, precompile)
                revert(0x00, 0x24)
            }
            let base := add(hasher, 0x20)
            let B := add(base, 64)
            let H := add(base, 224)
            let M := add(base, 544)
            let ADD := add(base, 768)
            let U := add(base, 1024)
            let A := add(base, 1088)
            let dstLen := mload(add(base, 32))
            // b_0 over Z_pad ‖ msg ‖ I2OSP(128,2) ‖ I2OSP(0,1) ‖ DST_prime
            if iszero(staticcall(gas(), 0x02, A, add(add(mload(base), 68), dstLen), B, 0x20)) {
                fail(failSelector, 0x02)
            }
            // b_1 … b_4
            let hLen := add(34, dstLen)
            let b0 := mload(B)
            mstore(H, b0)
            mstore8(add(H, 32), 1)
            if iszero(staticcall(gas(), 0x02, H, hLen, add(B, 0x20), 0x20)) { fail(failSelector, 0x02) }
            for { let i := 2 } lt(i, 5) { i := add(i, 1) } {
                mstore(H, xor(b0, mload(add(B, mul(sub(i, 1), 0x20)))))
                mstore8(add(H, 32), i)
                if iszero(staticcall(gas(), 0x02, H, hLen, add(B, mul(i, 0x20)), 0x20)) { fail(failSelector, 0x02) }
            }
            for { let i := 0 } lt(i, 2) { i := add(i, 1) } {
                // u_i = OS2IP(uniform_bytes[64i, 64i+64)) mod p
                mcopy(add(M, 96), add(B, add(0x20, mul(i, 64))), 64)
                if iszero(staticcall(gas(), 0x05, M, 209, add(U, 16), 48)) { fail(failSelector, 0x05) }
                // Q_i = map_to_curve(u_i) with cofactor clearing, straight into ADD's second half
                if iszero(staticcall(gas(), 0x10, U, 64, add(ADD, 128), 128)) { fail(failSelector, 0x10) }
                // acc = acc + Q_i
                mcopy(ADD, add(acc, 0x20), 128)
                if iszero(staticcall(gas(), 0x0b, ADD, 256, add(acc, 0x20), 128)) { fail(failSelector, 0x0b) }
            }
        }
    }

    /**
     * @notice hash_to_curve(message) under `dst`, EIP-2537 encoded.
     * @param message Arbitrary bytes.
     * @param dst Domain separation tag, 1..255 bytes.
     * @return point 128-byte G1 point.
     */
    function hashToG1(bytes memory message, bytes memory dst) internal view returns (bytes memory point) {
        bytes memory hasher = newHasher(dst, message.length);
        uint256 ptr = messagePointer(hasher);
        assembly ("memory-safe") {
            mcopy(ptr, add(message, 0x20), mload(message))
        }
        point = new bytes(BLS12381.G1_SIZE); // all zero: the point at infinity
        addHash(hasher, point);
    }
}
