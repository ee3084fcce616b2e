// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RelayRegistry} from "../../contracts/RelayRegistry.sol";
import {ObolToken} from "../../contracts/ObolToken.sol";

/// @dev The Foundry cheatcodes these tests use (Hardhat's runner serves them; no forge-std).
interface RegistryVm {
    function prank(address sender) external;
    function warp(uint256 timestamp) external;
    function prevrandao(bytes32 value) external;
}

/// @dev Shared setup and plain assertions for the RelayRegistry Solidity tests.
abstract contract RelayRegistryBase {
    RegistryVm internal constant vm = RegistryVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint64 internal constant EPOCH = 60;
    uint256 internal constant MIN_STAKE = 100e18;
    uint64 internal constant DELAY = 120;
    address internal constant SINK = address(0x51AC);

    ObolToken internal token;
    RelayRegistry internal registry;

    error AssertionFailed(string what);

    function check(bool cond, string memory what) internal pure {
        if (!cond) revert AssertionFailed(what);
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    function deployCore() internal {
        token = new ObolToken(1e27);
        registry = new RelayRegistry(address(token), EPOCH, MIN_STAKE, DELAY, SINK);
    }

    /// @dev Relay number `i` (never the zero address), funded and approving the registry.
    function actor(uint256 i) internal returns (address a) {
        a = address(uint160(0x1000 + i));
        if (token.balanceOf(a) == 0) {
            token.mint(a, 1e24);
            vm.prank(a);
            token.approve(address(registry), type(uint256).max);
        }
    }

    function registerAs(address a, uint8 role, uint256 stake) internal {
        vm.prank(a);
        registry.register(role, keccak256(abi.encode(a)), abi.encodePacked(a), "/ip4/127.0.0.1/tcp/4001", stake);
    }

    /// @dev Moves to the start of `epoch` with the given randomness and opens it.
    function enterEpoch(uint64 epoch, bytes32 randao) internal {
        vm.warp(registry.genesis() + uint256(epoch) * EPOCH);
        vm.prevrandao(randao);
        registry.openEpoch();
    }

    /// @dev Asserts `call` reverted with exactly `expected` (selector and arguments).
    function checkRevert(bool ok, bytes memory data, bytes memory expected, string memory what) internal pure {
        check(!ok, string.concat(what, ": did not revert"));
        check(keccak256(data) == keccak256(expected), string.concat(what, ": wrong revert data"));
    }

    /// @dev Layer sizes of `epoch` (index 1..3), read through the directory view.
    function layerSizes(uint64 epoch) internal view returns (uint256[4] memory sizes) {
        RelayRegistry.DirectoryEntry[] memory entries = registry.directory(epoch, 0, type(uint256).max);
        for (uint256 i; i < entries.length; ++i) {
            if (entries[i].listed && entries[i].role == 1) ++sizes[entries[i].layer];
        }
    }

    function checkBalanced(uint256[4] memory s) internal pure {
        uint256 lo = s[1] < s[2] ? (s[1] < s[3] ? s[1] : s[3]) : (s[2] < s[3] ? s[2] : s[3]);
        uint256 hi = s[1] > s[2] ? (s[1] > s[3] ? s[1] : s[3]) : (s[2] > s[3] ? s[2] : s[3]);
        check(hi - lo <= 1, "layers unbalanced");
        check(s[0] == 0, "mix in layer 0");
    }
}
