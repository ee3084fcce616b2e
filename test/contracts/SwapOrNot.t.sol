// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SwapOrNot} from "../../contracts/lib/SwapOrNot.sol";
import {RelayRegistryBase} from "./RelayRegistryBase.t.sol";

/// @dev The registry's layer shuffle and its frozen membership (issue 11, finding 6; docs/registry.md).
contract SwapOrNotTest is RelayRegistryBase {
    function setUp() public {
        deployCore();
    }

    /// unpermute inverts permute, and permute hits every index of [0, count) once.
    function testFuzz_permutationIsABijection(bytes32 seed, uint256 count) public pure {
        count = bound(count, 1, 40);
        bool[] memory hit = new bool[](count);
        for (uint256 i; i < count; ++i) {
            uint256 p = SwapOrNot.permute(i, count, seed);
            check(p < count, "out of range");
            check(!hit[p], "not injective");
            hit[p] = true;
            check(SwapOrNot.unpermute(p, count, seed) == i, "not inverted");
        }
    }

    /// Registrations and unbonds made in epoch e change epoch e + 1 only: e's members stay as they were.
    function testFuzz_pastMembershipIsFrozen(uint256 joins, uint256 leaves, bytes32 randao) public {
        joins = bound(joins, 1, 12);
        leaves = bound(leaves, 0, joins);
        for (uint256 i; i < joins; ++i) registerAs(actor(i), uint8(i % 2), MIN_STAKE);
        enterEpoch(1, randao);
        address[] memory before = members(1);
        for (uint256 i; i < leaves; ++i) {
            vm.prank(actor(i));
            registry.unbond();
        }
        for (uint256 i = joins; i < joins + 3; ++i) registerAs(actor(i), 1, MIN_STAKE);
        address[] memory after_ = members(1);
        check(before.length == joins && after_.length == joins, "epoch 1 changed size");
        for (uint256 i; i < before.length; ++i) check(before[i] == after_[i], "epoch 1 changed");
        check(registry.listedCount(2, 0) + registry.listedCount(2, 1) == joins - leaves + 3, "epoch 2");
        enterEpoch(2, randao);
        uint256[4] memory sizes = layerSizes(2);
        for (uint8 l = 1; l <= 3; ++l) check(sizes[l] == registry.layerSize(2, l), "layerSize != directory");
        checkBalanced(sizes);
    }

    function members(uint64 e) internal view returns (address[] memory list) {
        uint256 g = registry.listedCount(e, 0);
        list = new address[](g + registry.listedCount(e, 1));
        for (uint256 i; i < list.length; ++i) {
            list[i] = i < g ? registry.listedAt(e, 0, i) : registry.listedAt(e, 1, i - g);
        }
    }
}
