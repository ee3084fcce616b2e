// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BLS12381} from "./BLS12381.sol";
import {HashToG1} from "./HashToG1.sol";

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
 * The precompile calls are those of the ticket scheme: BLS12381 (pairing, point
 * constants) and HashToG1 (hash to G1, here under the VRF's own DST).
 */
library VrfBls {
    /// @dev Domain separation tag of the hash to G1 (RFC 9380 §3.1).
    bytes internal constant DST = "OBOL-SHOPPER-VRF-V1-BLS12381G1_XMD:SHA-256_SSWU_RO_";
    /// @dev Label of the output hash.
    bytes internal constant OUTPUT_LABEL = "obol-vrf-output-v1";

    uint256 internal constant G1_POINT_SIZE = BLS12381.G1_SIZE;
    uint256 internal constant G2_POINT_SIZE = BLS12381.G2_SIZE;

    // Gas given to the pairing: its EIP-2537 price plus a margin, so a malformed
    // point (which makes the precompile consume all it is given) cannot burn
    // the caller's whole gas.
    uint256 private constant PAIRING2_GAS = 110_000; // 37,700 + 2 × 32,600

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
        if (BLS12381.isZero(publicKey)) return (false, 0);
        bytes memory input = bytes.concat(proof, BLS12381.NEG_G2, hashToG1(alpha), publicKey);
        // A failed call means an invalid encoding or a point outside its subgroup.
        (, bool ok) = BLS12381.tryPairingCheck(input, PAIRING2_GAS);
        if (!ok) return (false, 0);
        return (true, output(proof));
    }

    /// @notice β = SHA-256("obol-vrf-output-v1" ‖ σ).
    function output(bytes memory proof) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(OUTPUT_LABEL, proof));
    }

    /**
     * @notice hash_to_curve (RFC 9380 §3) onto G1 with suite
     * BLS12381G1_XMD:SHA-256_SSWU_RO_ and DST {DST} (see HashToG1).
     * @return 128-byte G1 point.
     */
    function hashToG1(bytes memory message) internal view returns (bytes memory) {
        return HashToG1.hashToG1(message, DST);
    }
}
