// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RelayRegistry} from "../../contracts/RelayRegistry.sol";
import {IRelayRegistry} from "../../contracts/interfaces/IRelayRegistry.sol";
import {RelayRegistryBase} from "./RelayRegistryBase.t.sol";

/// @dev Fuzz tests of the registry's rules (docs/registry.md).
contract RelayRegistryFuzzTest is RelayRegistryBase {
    function setUp() public {
        deployCore();
    }

    /// Stake below the minimum is refused with the exact error; anything else is pulled in full.
    function testFuzz_registerPullsStakeOrRejects(uint256 stake, uint8 role) public {
        stake = bound(stake, 0, 1e24);
        role = uint8(bound(role, 0, 1));
        address a = actor(1);
        vm.prank(a);
        (bool ok, bytes memory data) = address(registry).call(
            abi.encodeCall(IRelayRegistry.register, (role, bytes32(uint256(7)), "", "/dns4/x/tcp/1", stake))
        );
        if (stake < MIN_STAKE) {
            checkRevert(
                ok,
                data,
                abi.encodeWithSelector(IRelayRegistry.RelayRegistryStakeTooLow.selector, stake, MIN_STAKE),
                "low stake"
            );
            check(token.balanceOf(address(registry)) == 0, "tokens moved on revert");
            return;
        }
        check(ok, "register failed");
        check(token.balanceOf(address(registry)) == stake, "stake not pulled");
        IRelayRegistry.RelayInfo memory info = registry.relayInfo(a);
        check(info.stake == stake && info.role == role && info.status == 1, "record");
        check(!registry.isListed(a, registry.currentEpoch()), "listed before next epoch");
        check(registry.isListed(a, registry.currentEpoch() + 1), "not listed next epoch");
    }

    /// Any role byte other than 0 or 1 is refused by name.
    function testFuzz_invalidRoleRejected(uint8 role) public {
        role = uint8(bound(role, 2, 255));
        address a = actor(1);
        vm.prank(a);
        (bool ok, bytes memory data) = address(registry).call(
            abi.encodeCall(IRelayRegistry.register, (role, bytes32(uint256(7)), "", "/dns4/x/tcp/1", MIN_STAKE))
        );
        checkRevert(ok, data, abi.encodeWithSelector(IRelayRegistry.RelayRegistryInvalidRole.selector, role), "role");
    }

    /// Keys committed in epoch e are in force from e+1; e keeps the old ones; a second update in e replaces the first.
    function testFuzz_keysTakeEffectNextEpoch(bytes32 k1, bytes32 k2, bytes32 k3, uint32 offset) public {
        if (k1 == 0 || k2 == 0 || k3 == 0) return;
        address a = actor(1);
        vm.prank(a);
        registry.register(1, k1, hex"01", "/dns4/x/tcp/1", MIN_STAKE);
        enterEpoch(3, bytes32(uint256(1)));
        vm.warp(block.timestamp + (offset % EPOCH));
        vm.prank(a);
        registry.updateKeys(k2, hex"02");
        vm.prank(a);
        registry.updateKeys(k3, hex"0303");
        (bytes32 now_, bytes memory blsNow) = registry.keysAt(a, 3);
        (bytes32 next, bytes memory blsNext) = registry.keysAt(a, 4);
        (bytes32 before, ) = registry.keysAt(a, 1);
        check(now_ == k1 && keccak256(blsNow) == keccak256(hex"01"), "current keys changed");
        check(next == k3 && keccak256(blsNext) == keccak256(hex"0303"), "pending keys wrong");
        check(before == k1, "past keys wrong");
        (bool ok, bytes memory data) = address(registry).call(abi.encodeCall(IRelayRegistry.keysAt, (a, 0)));
        checkRevert(
            ok,
            data,
            abi.encodeWithSelector(IRelayRegistry.RelayRegistryKeysNotAvailable.selector, a, uint64(0)),
            "keys before registration"
        );
    }

    /// For any number of mixes and any randomness, layers differ in size by at most one,
    /// and layerOf agrees with the directory view.
    function testFuzz_layersBalanced(uint8 mixes, uint8 gateways, bytes32 randao) public {
        mixes = uint8(bound(mixes, 0, 40));
        gateways = uint8(bound(gateways, 0, 4));
        for (uint256 i; i < mixes; ++i) registerAs(actor(i), 1, MIN_STAKE);
        for (uint256 i; i < gateways; ++i) registerAs(actor(100 + i), 0, MIN_STAKE);
        enterEpoch(1, randao);
        uint256[4] memory sizes = layerSizes(1);
        checkBalanced(sizes);
        check(sizes[1] + sizes[2] + sizes[3] == mixes, "mix count");
        RelayRegistry.DirectoryEntry[] memory entries = registry.directory(1, 0, 1000);
        for (uint256 i; i < entries.length; ++i) {
            check(registry.layerOf(entries[i].relay, 1) == entries[i].layer, "layerOf disagrees");
        }
    }

    /// Withdraw fails before the unlock time with the exact time, succeeds after and returns the stake.
    function testFuzz_unbondThenWithdraw(uint256 stake, uint32 waited) public {
        stake = bound(stake, MIN_STAKE, 1e24);
        address a = actor(1);
        registerAs(a, 1, stake);
        enterEpoch(2, bytes32(uint256(9)));
        vm.prank(a);
        registry.unbond();
        uint64 unlockAt = registry.genesis() + 3 * EPOCH + DELAY;
        check(registry.isListed(a, 2) && !registry.isListed(a, 3), "exit epoch");
        vm.warp(block.timestamp + waited);
        uint256 before = token.balanceOf(a);
        vm.prank(a);
        (bool ok, bytes memory data) = address(registry).call(abi.encodeCall(IRelayRegistry.withdraw, ()));
        if (block.timestamp < unlockAt) {
            checkRevert(
                ok,
                data,
                abi.encodeWithSelector(IRelayRegistry.RelayRegistryStillLocked.selector, a, unlockAt),
                "early withdraw"
            );
            return;
        }
        check(ok, "withdraw failed");
        check(token.balanceOf(a) == before + stake, "stake not returned");
        check(registry.relayCount() == 0 && registry.relayInfo(a).status == 0, "record kept");
    }

    /// Slashing moves exactly `amount` to the sink; below the minimum an active relay is unbonded.
    function testFuzz_slash(uint256 stake, uint256 amount) public {
        stake = bound(stake, MIN_STAKE, 1e21);
        amount = bound(amount, 1, stake);
        address a = actor(1);
        registerAs(a, 1, stake);
        registry.grantRole(registry.FAULT_RECORDER_ROLE(), address(this));
        registry.slash(a, amount, "missing-hop");
        check(token.balanceOf(SINK) == amount, "sink");
        check(registry.relayInfo(a).stake == stake - amount, "stake");
        check(registry.relayInfo(a).status == (stake - amount < MIN_STAKE ? 2 : 1), "auto-unbond");
        (bool ok, bytes memory data) = address(registry).call(
            abi.encodeCall(IRelayRegistry.slash, (a, stake - amount + 1, "x"))
        );
        checkRevert(
            ok,
            data,
            abi.encodeWithSelector(
                IRelayRegistry.RelayRegistrySlashExceedsStake.selector,
                a,
                stake - amount + 1,
                stake - amount
            ),
            "over-slash"
        );
    }

    /// The seed of an epoch is fixed by its first call and never changes afterwards.
    function testFuzz_seedFixedOncePerEpoch(bytes32 r1, bytes32 r2, uint32 offset) public {
        enterEpoch(5, r1);
        bytes32 seed = registry.epochSeed(5);
        vm.warp(block.timestamp + (offset % EPOCH));
        vm.prevrandao(r2);
        registry.openEpoch();
        check(registry.epochSeed(5) == seed, "seed changed");
        check(seed == keccak256(abi.encode(r1, uint64(5), address(registry))), "seed formula");
    }
}
