// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {X25519} from "./X25519.sol";
import {VrfBls} from "./VrfBls.sol";
import {VrfLoop} from "./VrfLoop.sol";
import {MerkleTags} from "./MerkleTags.sol";

/**
 * @title VrfHarness
 * @notice Exposes the shopper libraries (X25519, VrfBls, VrfLoop, MerkleTags)
 * so differential tests and gas benchmarks can call them directly against
 * node:crypto / noble. Never deployed by Ignition.
 */
contract VrfHarness {
    /// @notice RFC 7748 X25519(k, u).
    function x25519(bytes32 k, bytes32 u) external view returns (bytes32) {
        return X25519.x25519(k, u);
    }

    /// @notice VRF verification; returns (valid, β).
    function vrfVerify(bytes calldata publicKey, bytes calldata alpha, bytes calldata proof)
        external
        view
        returns (bool, bytes32)
    {
        return VrfBls.verify(publicKey, alpha, proof);
    }

    /// @notice RFC 9380 hash to G1 with the VRF DST.
    function hashToG1(bytes calldata message) external view returns (bytes memory) {
        return VrfBls.hashToG1(message);
    }

    /// @notice Replay tag of hop `hop` for session key `x` and the route's X25519 keys.
    function hopTag(bytes32 x, bytes32[5] calldata mixKeys, uint256 hop) external view returns (bytes32) {
        return VrfLoop.hopTag(x, mixKeys, hop);
    }

    /// @notice Sorted-pair Merkle inclusion.
    function merkleVerify(bytes32 root, bytes32 tag, bytes32[] calldata proof) external pure returns (bool) {
        return MerkleTags.verify(root, tag, proof);
    }
}
