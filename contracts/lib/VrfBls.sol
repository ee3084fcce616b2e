// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title VrfBls
 * @notice A verifiable random function from BLS signatures on BLS12-381, checked
 * through the EIP-2537 precompiles (Prague). See docs/shopper.md §VRF.
 *
 * - Proof π = σ = sk·H(α) ∈ G1, with H = hash_to_curve of RFC 9380 suite
 *   `BLS12381G1_XMD:SHA-256_SSWU_RO_` under the Obol DST {DST}.
 * - Public key pk = sk·g2 ∈ G2.
 * - Verification: e(σ, −g2) · e(H(α), pk) == 1 (one 2-pair PAIRING_CHECK).
 * - Output β = SHA-256("obol-vrf-output-v1" ‖ σ), σ in its 128-byte EIP-2537 encoding.
 *
 * BLS signatures are deterministic, and the pairing precompile checks subgroup
 * membership of σ and pk, so for a valid pk (not the identity) exactly one σ
 * verifies per α: the output is unique, hence a VRF.
 *
 * Encodings are EIP-2537's: a base-field element is 64 bytes (16 zero bytes then
 * the 48-byte big-endian value), a G1 point is x ‖ y (128 bytes), a G2 point is
 * x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1 (256 bytes).
 *
 * NOTE: contracts/lib/BLS12381.sol (scheme B) wraps the same precompiles; this
 * library keeps its own minimal calls until the two are folded together.
 */
library VrfBls {
    /// @dev Domain separation tag of the hash to G1 (RFC 9380 §3.1).
    bytes internal constant DST = "OBOL-SHOPPER-VRF-V1-BLS12381G1_XMD:SHA-256_SSWU_RO_";
    /// @dev Label of the output hash.
    bytes internal constant OUTPUT_LABEL = "obol-vrf-output-v1";

    uint256 internal constant G1_POINT_SIZE = 128;
    uint256 internal constant G2_POINT_SIZE = 256;

    // EIP-2537 precompile addresses.
    address private constant G1ADD = address(0x0b);
    address private constant PAIRING_CHECK = address(0x0f);
    address private constant MAP_FP_TO_G1 = address(0x10);
    address private constant MODEXP = address(0x05);

    // Gas given to each precompile: its EIP-2537 price plus a margin, so a
    // malformed point (which makes the precompile consume all it is given)
    // cannot burn the caller's whole gas.
    uint256 private constant G1ADD_GAS = 1_000;
    uint256 private constant MAP_GAS = 8_000;
    uint256 private constant PAIRING2_GAS = 110_000; // 37,700 + 2 × 32,600

    // BLS12-381 base field modulus p, as 48 bytes split 16 + 32.
    uint256 private constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    // −g2 (negated G2 generator), EIP-2537 layout, each coordinate split 16 + 32 bytes.
    uint256 private constant NEG_G2_X0_HI = 0x024aa2b2f08f0a91260805272dc51051;
    uint256 private constant NEG_G2_X0_LO = 0xc6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8;
    uint256 private constant NEG_G2_X1_HI = 0x13e02b6052719f607dacd3a088274f65;
    uint256 private constant NEG_G2_X1_LO = 0x596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e;
    uint256 private constant NEG_G2_Y0_HI = 0x0d1b3cc2c7027888be51d9ef691d77bc;
    uint256 private constant NEG_G2_Y0_LO = 0xb679afda66c73f17f9ee3837a55024f78c71363275a75d75d86bab79f74782aa;
    uint256 private constant NEG_G2_Y1_HI = 0x13fa4d4a0ad8b1ce186ed5061789213d;
    uint256 private constant NEG_G2_Y1_LO = 0x993923066dddaf1040bc3ff59f825c78df74f2d75467e25e0f55f8a00fa030ed;

    /**
     * @notice Checks a VRF proof and returns its output.
     * @param publicKey 256-byte G2 public key (EIP-2537 encoding), not the identity.
     * @param alpha VRF input.
     * @param proof 128-byte G1 signature σ (EIP-2537 encoding).
     * @return valid Whether the proof verifies.
     * @return beta The 32-byte VRF output (meaningful only when valid).
     */
    function verify(bytes memory publicKey, bytes memory alpha, bytes memory proof)
        internal
        view
        returns (bool valid, bytes32 beta)
    {
        if (publicKey.length != G2_POINT_SIZE || proof.length != G1_POINT_SIZE) return (false, 0);
        if (_isZero(publicKey)) return (false, 0);
        bytes memory h = hashToG1(alpha);
        bytes memory input = abi.encodePacked(
            proof,
            abi.encodePacked(NEG_G2_X0_HI, NEG_G2_X0_LO, NEG_G2_X1_HI, NEG_G2_X1_LO),
            abi.encodePacked(NEG_G2_Y0_HI, NEG_G2_Y0_LO, NEG_G2_Y1_HI, NEG_G2_Y1_LO),
            h,
            publicKey
        );
        (bool ok, bytes memory out) = PAIRING_CHECK.staticcall{gas: PAIRING2_GAS}(input);
        // A failed call means an invalid encoding or a point outside its subgroup.
        if (!ok || out.length != 32 || uint256(bytes32(out)) != 1) return (false, 0);
        return (true, output(proof));
    }

    /// @notice β = SHA-256("obol-vrf-output-v1" ‖ σ).
    function output(bytes memory proof) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(OUTPUT_LABEL, proof));
    }

    /**
     * @notice hash_to_curve (RFC 9380 §3) onto G1 with suite
     * BLS12381G1_XMD:SHA-256_SSWU_RO_ and DST {DST}. MAP_FP_TO_G1 includes the
     * isogeny and cofactor clearing, which is linear, so G1ADD of the two maps
     * equals clear_cofactor(map(u0) + map(u1)).
     * @return 128-byte G1 point.
     */
    function hashToG1(bytes memory message) internal view returns (bytes memory) {
        bytes memory uniform = _expandMessageXmd(message);
        bytes memory q0 = _mapToG1(_reduce(uniform, 0));
        bytes memory q1 = _mapToG1(_reduce(uniform, 64));
        (bool ok, bytes memory sum) = G1ADD.staticcall{gas: G1ADD_GAS}(abi.encodePacked(q0, q1));
        assert(ok && sum.length == G1_POINT_SIZE); // both inputs come from the precompile
        return sum;
    }

    /// @dev expand_message_xmd (RFC 9380 §5.3.1) with SHA-256, len_in_bytes = 128 (ell = 4).
    function _expandMessageXmd(bytes memory message) private pure returns (bytes memory uniform) {
        bytes memory dstPrime = abi.encodePacked(DST, uint8(DST.length));
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), message, uint16(128), uint8(0), dstPrime));
        bytes32 b1 = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        bytes32 b2 = sha256(abi.encodePacked(b0 ^ b1, uint8(2), dstPrime));
        bytes32 b3 = sha256(abi.encodePacked(b0 ^ b2, uint8(3), dstPrime));
        bytes32 b4 = sha256(abi.encodePacked(b0 ^ b3, uint8(4), dstPrime));
        uniform = abi.encodePacked(b1, b2, b3, b4);
    }

    /// @dev OS2IP(uniform[offset:offset+64]) mod p, as a 64-byte EIP-2537 field element (MODEXP, exponent 1).
    function _reduce(bytes memory uniform, uint256 offset) private view returns (bytes memory fe) {
        bytes memory input = new bytes(96 + 64 + 1 + 48);
        assembly ("memory-safe") {
            let d := add(input, 0x20)
            mstore(d, 64) // base length
            mstore(add(d, 0x20), 1) // exponent length
            mstore(add(d, 0x40), 48) // modulus length
            let src := add(add(uniform, 0x20), offset)
            mstore(add(d, 0x60), mload(src))
            mstore(add(d, 0x80), mload(add(src, 0x20)))
            mstore8(add(d, 0xa0), 1) // exponent
            // modulus: 48 bytes = P_HI (16 bytes) ‖ P_LO (32 bytes)
            mstore(add(d, 0xa1), shl(128, P_HI))
            mstore(add(d, 0xb1), P_LO)
        }
        (bool ok, bytes memory r) = MODEXP.staticcall(input);
        assert(ok && r.length == 48); // MODEXP cannot fail on these lengths
        fe = abi.encodePacked(bytes16(0), r);
    }

    /// @dev MAP_FP_TO_G1 precompile.
    function _mapToG1(bytes memory fe) private view returns (bytes memory point) {
        (bool ok, bytes memory r) = MAP_FP_TO_G1.staticcall{gas: MAP_GAS}(fe);
        assert(ok && r.length == G1_POINT_SIZE); // fe < p by construction
        return r;
    }

    function _isZero(bytes memory b) private pure returns (bool) {
        for (uint256 i = 0; i < b.length; i += 32) {
            bytes32 w;
            assembly ("memory-safe") {
                w := mload(add(add(b, 0x20), i))
            }
            if (w != 0) return false;
        }
        return true;
    }
}
