// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {X25519} from "./X25519.sol";

/**
 * @title VrfLoop
 * @notice How a verifiable cover loop follows from its VRF output β
 * (docs/shopper.md §Loop derivation), and the on-chain recomputation of its
 * Obol Sphinx v1 replay tags (DESIGN §3, X25519 group) used by disputes.
 *
 * Stream: block(k) = SHA-256("obol-shopper-loop-v1" ‖ β ‖ u32be(k)).
 * - block(0): the Sphinx session key (X25519 private key, clamped by X25519);
 * - block(1 + L), L = 0..4: route draw of layer L, index = uint256(block) mod n_L;
 * - block(6 + h), h = 0..4: delay draw of hop h (off chain only).
 */
library VrfLoop {
    uint256 internal constant HOPS = 5;
    bytes internal constant STREAM_LABEL = "obol-shopper-loop-v1";

    // HMAC-SHA256 pads of the key "obol-replay" (RFC 2104): K0 ^ ipad and K0 ^ opad, 64 bytes each.
    bytes32 private constant IPAD_0 = 0x5954595a1b4453465a574f363636363636363636363636363636363636363636;
    bytes32 private constant IPAD_1 = 0x3636363636363636363636363636363636363636363636363636363636363636;
    bytes32 private constant OPAD_0 = 0x333e3330712e392c303d255c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c;
    bytes32 private constant OPAD_1 = 0x5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c;

    /// @notice block(k) of the loop stream.
    function streamBlock(bytes32 beta, uint32 k) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(STREAM_LABEL, beta, k));
    }

    /// @notice The Sphinx session key of the loop.
    function sessionKey(bytes32 beta) internal pure returns (bytes32) {
        return streamBlock(beta, 0);
    }

    /// @notice Index of the relay chosen in layer `layer` among `size` members (size > 0).
    function routeIndex(bytes32 beta, uint256 layer, uint256 size) internal pure returns (uint256) {
        // layer <= 4, so the u32 cast is exact.
        return uint256(streamBlock(beta, uint32(1 + layer))) % size;
    }

    /// @notice Replay tag HMAC-SHA256(key = "obol-replay", msg = ss) (DESIGN §3).
    function replayTag(bytes32 ss) internal pure returns (bytes32) {
        bytes32 inner = sha256(abi.encodePacked(IPAD_0, IPAD_1, ss));
        return sha256(abi.encodePacked(OPAD_0, OPAD_1, inner));
    }

    /**
     * @notice Replay tag of hop `hop` of a packet built with session key `x`
     * over relays with X25519 public keys `mixKeys` (DESIGN §3, X25519 group):
     *   E_0 = X25519(x, 9); for each hop k:
     *   S_k = X25519(b_{k−1}, … X25519(b_0, X25519(x, PK_k))), ss_k = SHA-256(S_k),
     *   b_k = SHA-256(E_k ‖ ss_k), E_{k+1} = X25519(b_k, E_k).
     * Costs (hop + 1)(hop + 2)/2 + hop + 1 ladders.
     */
    function hopTag(bytes32 x, bytes32[HOPS] memory mixKeys, uint256 hop) internal view returns (bytes32) {
        (bytes32 ss,) = hopSecret(x, mixKeys, hop);
        return replayTag(ss);
    }

    /// @notice Shared secret ss and ephemeral key E of hop `hop` (same derivation as `hopTag`).
    function hopSecret(bytes32 x, bytes32[HOPS] memory mixKeys, uint256 hop)
        internal
        view
        returns (bytes32 ss, bytes32 e)
    {
        bytes32[HOPS] memory blinds;
        e = X25519.publicKey(x);
        for (uint256 k = 0; k <= hop; ++k) {
            bytes32 s = X25519.x25519(x, mixKeys[k]);
            for (uint256 m = 0; m < k; ++m) {
                s = X25519.x25519(blinds[m], s);
            }
            ss = sha256(abi.encodePacked(s));
            if (k == hop) return (ss, e);
            bytes32 b = sha256(abi.encodePacked(e, ss));
            blinds[k] = b;
            e = X25519.x25519(b, e);
        }
        revert(); // unreachable: the loop returns at k == hop
    }
}
