// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RelayRegistry} from "../../contracts/RelayRegistry.sol";
import {ObolToken} from "../../contracts/ObolToken.sol";
import {ShopperAudit} from "../../contracts/ShopperAudit.sol";
import {VrfBls} from "../../contracts/lib/VrfBls.sol";
import {IShopperAudit} from "../../contracts/interfaces/IShopperAudit.sol";
import {MerkleTags} from "../../contracts/lib/MerkleTags.sol";

/// @dev The Foundry cheatcodes these tests use (Hardhat's runner serves them; no forge-std).
interface ShopperVm {
    function prank(address sender) external;
    function warp(uint256 timestamp) external;
    function roll(uint256 blockNumber) external;
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;
}

/**
 * @dev A small real world for the ShopperAudit Solidity tests: ObolToken,
 * RelayRegistry and ShopperAudit; 2 gateways and one mix per layer, each
 * with a real BLS VRF key made with the EIP-2537 MSM precompiles, so the
 * tests produce real VRF proofs σ = sk·H(α) on chain.
 */
abstract contract ShopperBase {
    ShopperVm internal constant vm = ShopperVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint64 internal constant EPOCH = 60;
    uint256 internal constant REWARD = 1e18;
    uint32 internal constant JMAX = 4;
    uint256 internal constant RELAYS = 5;

    ObolToken internal token;
    RelayRegistry internal registry;
    ShopperAudit internal shopper;
    address[RELAYS] internal relays;
    uint256[RELAYS] internal vrfSecrets;

    error AssertionFailed(string what);

    function check(bool cond, string memory what) internal pure {
        if (!cond) revert AssertionFailed(what);
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    function deployWorld(uint256 winThreshold) internal {
        token = new ObolToken(1e27);
        registry = new RelayRegistry(address(token), EPOCH, 100e18, 0, address(0x51AC));
        shopper = new ShopperAudit(address(registry), address(token), JMAX, winThreshold, REWARD);
        registry.grantRole(registry.FAULT_RECORDER_ROLE(), address(shopper));
        for (uint256 i = 0; i < RELAYS; ++i) {
            address a = address(uint160(0x1000 + i));
            relays[i] = a;
            vrfSecrets[i] = uint256(keccak256(abi.encode("vrf", i))) % 2 ** 250 + 1;
            token.mint(a, 1e24);
            vm.prank(a);
            token.approve(address(registry), type(uint256).max);
            bytes memory pk = g2Mul(vrfSecrets[i]); // before the prank: a precompile call would consume it
            vm.prank(a);
            registry.register(i < 2 ? 0 : 1, keccak256(abi.encode("mix", i)), pk, "/ip4/127.0.0.1/tcp/1", 100e18);
        }
    }

    /// @dev Whether `relay` may reveal loops of `epoch` (listed then, still staked).
    function senderStaked(address relay, uint64 epoch) internal view returns (bool) {
        return registry.isListed(relay, epoch) && registry.relayInfo(relay).stake >= registry.minStake();
    }

    /// @dev Start of `epoch`, opened in the registry.
    function enterEpoch(uint64 epoch) internal {
        vm.warp(registry.genesis() + uint256(epoch) * EPOCH);
        registry.openEpoch();
    }

    /// @dev In epoch + 2: opens it in the registry if needed and fixes the beacon from its seed.
    function fixBeacon(uint64 epoch) internal {
        shopper.requestBeacon(epoch);
        vm.roll(block.number + 1);
        shopper.fixBeacon(epoch);
    }

    /// @dev sk·g2 through G2MSM (0x0e), EIP-2537 encoding.
    function g2Mul(uint256 sk) internal view returns (bytes memory) {
        bytes memory input = abi.encodePacked(
            uint256(0x024aa2b2f08f0a91260805272dc51051), uint256(0xc6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8),
            uint256(0x13e02b6052719f607dacd3a088274f65), uint256(0x596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e),
            uint256(0x0ce5d527727d6e118cc9cdc6da2e351a), uint256(0xadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801),
            uint256(0x0606c4a02ea734cc32acd2b02bc28b99), uint256(0xcb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be),
            sk
        );
        (bool ok, bytes memory out) = address(0x0e).staticcall(input);
        check(ok && out.length == 256, "G2MSM");
        return out;
    }

    /// @dev VRF proof σ = sk·H(α) through G1MSM (0x0c).
    function vrfProve(uint256 sk, bytes memory alpha) internal view returns (bytes memory) {
        (bool ok, bytes memory out) = address(0x0c).staticcall(abi.encodePacked(VrfBls.hashToG1(alpha), sk));
        check(ok && out.length == 128, "G1MSM");
        return out;
    }

    /// @dev The two tags relay `relay` stores for `epoch` in these tests, and their root.
    function tagOf(uint64 epoch, address relay, uint256 k) internal pure returns (bytes32) {
        return keccak256(abi.encode("tag", epoch, relay, k));
    }

    /// @dev Header hash every hop claims in these tests (the leaf binds it to the tag).
    bytes32 internal constant HEADER = keccak256("header");

    /// @dev Merkle leaf value of stored tag k: keccak256(tag ‖ header hash).
    function valueOf(uint64 epoch, address relay, uint256 k) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(tagOf(epoch, relay, k), HEADER));
    }

    function rootOf(uint64 epoch, address relay) internal pure returns (bytes32) {
        return MerkleTags.node(MerkleTags.leaf(valueOf(epoch, relay, 0)), MerkleTags.leaf(valueOf(epoch, relay, 1)));
    }

    /// @dev A claim of `tags` with HEADER at every hop.
    function claimOf(bytes32[5] memory tags) internal pure returns (IShopperAudit.LoopClaim memory c) {
        c.tags = tags;
        for (uint256 h = 0; h < 5; ++h) c.headers[h] = HEADER;
    }
}
