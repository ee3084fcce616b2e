// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RelayRegistry} from "../../contracts/RelayRegistry.sol";
import {IRelayRegistry} from "../../contracts/interfaces/IRelayRegistry.sol";
import {ObolToken} from "../../contracts/ObolToken.sol";
import {RelayRegistryBase, RegistryVm} from "./RelayRegistryBase.t.sol";

/// @dev Drives random register / addStake / updateKeys / unbond / withdraw / slash / time
/// sequences over a fixed set of actors, skipping calls whose preconditions fail so that
/// the fuzzer's depth is spent on valid transitions. Keeps ghost totals to check against.
contract RelayRegistryHandler {
    RegistryVm internal constant vm = RegistryVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint256 public constant ACTORS = 12;

    RelayRegistry public immutable registry;
    ObolToken public immutable token;
    address public immutable sink;

    /// Sum of stakes not yet withdrawn or slashed.
    uint256 public ghostStaked;
    /// Actor withdrew and has not registered again since.
    mapping(address actor => bool) public withdrawn;
    uint256 public calls;
    /// Honest calls that ran, per action (asserted in afterInvariant and against each other).
    uint256 public registers;
    uint256 public unbonds;
    uint256 public withdraws;

    constructor(RelayRegistry registry_, ObolToken token_, address sink_) {
        registry = registry_;
        token = token_;
        sink = sink_;
        for (uint256 i; i < ACTORS; ++i) {
            address a = actorAt(i);
            vm.prank(a);
            token.approve(address(registry_), type(uint256).max);
        }
    }

    function actorAt(uint256 i) public pure returns (address) {
        return address(uint160(0xA000 + (i % ACTORS)));
    }

    function register(uint256 who, uint256 role, uint256 stake, bytes32 mixKey) external {
        address a = actorAt(who);
        if (registry.relayInfo(a).status != 0) return;
        stake = registry.minStake() + (stake % 1e21);
        if (mixKey == 0) mixKey = bytes32(uint256(1));
        vm.prank(a);
        // A VRF key per actor: the registry refuses a key another relay holds.
        registry.register(uint8(role % 2), mixKey, abi.encodePacked(a, mixKey), "/ip4/10.0.0.1/tcp/1", stake);
        ghostStaked += stake;
        withdrawn[a] = false;
        ++registers;
        ++calls;
    }

    function addStake(uint256 who, uint256 amount) external {
        address a = actorAt(who);
        if (registry.relayInfo(a).status != 1) return;
        amount = 1 + (amount % 1e21);
        vm.prank(a);
        registry.addStake(amount);
        ghostStaked += amount;
        ++calls;
    }

    function updateKeys(uint256 who, bytes32 mixKey) external {
        address a = actorAt(who);
        if (registry.relayInfo(a).status != 1 || mixKey == 0) return;
        vm.prank(a);
        registry.updateKeys(mixKey, "");
        ++calls;
    }

    function unbond(uint256 who) external {
        address a = actorAt(who);
        if (registry.relayInfo(a).status != 1) return;
        vm.prank(a);
        registry.unbond();
        ++unbonds;
        ++calls;
    }

    function withdraw(uint256 who) external {
        address a = actorAt(who);
        IRelayRegistry.RelayInfo memory info = registry.relayInfo(a);
        if (info.status != 2 || block.timestamp < info.unlockAt) return;
        vm.prank(a);
        registry.withdraw();
        ghostStaked -= info.stake;
        withdrawn[a] = true;
        ++withdraws;
        ++calls;
    }

    function slash(uint256 who, uint256 amount) external {
        address a = actorAt(who);
        uint256 stake = registry.relayInfo(a).stake;
        if (registry.relayInfo(a).status == 0 || stake == 0) return;
        amount = 1 + (amount % stake);
        registry.slash(a, amount, "invariant");
        ghostStaked -= amount;
        ++calls;
    }

    function passTime(uint256 seconds_, bytes32 randao) external {
        vm.warp(block.timestamp + (seconds_ % 200));
        vm.prevrandao(randao);
        registry.openEpoch();
        ++calls;
    }
}

/// @dev Invariants of the registry under random operation sequences.
contract RelayRegistryInvariantTest is RelayRegistryBase {
    /// @dev Shape the invariant runner expects from `targetSelectors()` (as in forge-std).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    RelayRegistryHandler internal handler;

    function setUp() public {
        deployCore();
        handler = new RelayRegistryHandler(registry, token, SINK);
        for (uint256 i; i < handler.ACTORS(); ++i) token.mint(handler.actorAt(i), 1e25);
        registry.grantRole(registry.FAULT_RECORDER_ROLE(), address(handler));
        registry.openEpoch();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Only the handler's actions, not its getters, so the whole depth drives state.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = RelayRegistryHandler.register.selector;
        selectors[1] = RelayRegistryHandler.addStake.selector;
        selectors[2] = RelayRegistryHandler.updateKeys.selector;
        selectors[3] = RelayRegistryHandler.unbond.selector;
        selectors[4] = RelayRegistryHandler.withdraw.selector;
        selectors[5] = RelayRegistryHandler.slash.selector;
        selectors[6] = RelayRegistryHandler.passTime.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /// The registry holds exactly the stakes not yet withdrawn or slashed.
    function invariant_tokenBalanceEqualsStakes() public view {
        uint256 sum;
        uint256 n = registry.relayCount();
        for (uint256 i; i < n; ++i) sum += registry.relayInfo(registry.relayAt(i)).stake;
        check(token.balanceOf(address(registry)) == sum, "balance != sum of records");
        check(sum == handler.ghostStaked(), "records != ghost");
    }

    /// Mix layers of the current epoch differ in size by at most one.
    function invariant_layersBalanced() public view {
        checkBalanced(layerSizes(registry.currentEpoch()));
    }

    /// The frozen membership (listedAt) of the current and next epoch is exactly the listed records,
    /// and every layer member of the current epoch is in the layer `layerOf` names (issue 11, finding 6).
    function invariant_frozenMembershipMatchesRecords() public view {
        uint64 e = registry.currentEpoch();
        checkFrozen(e);
        checkFrozen(e + 1);
        uint256 sum;
        for (uint8 l = 1; l <= 3; ++l) {
            uint256 size = registry.layerSize(e, l);
            sum += size;
            for (uint256 j; j < size; ++j) check(registry.layerOf(registry.layerMember(e, l, j), e) == l, "layer");
        }
        check(sum == registry.listedCount(e, 1), "layer sizes != mixes");
        check(registry.layerSize(e, 0) == registry.listedCount(e, 0), "gateways");
    }

    function checkFrozen(uint64 e) internal view {
        uint256[2] memory listed;
        for (uint256 i; i < handler.ACTORS(); ++i) {
            address a = handler.actorAt(i);
            if (registry.isListed(a, e)) ++listed[registry.relayInfo(a).role];
        }
        for (uint8 role; role < 2; ++role) {
            uint256 n = registry.listedCount(e, role);
            check(n == listed[role], "listedCount != listed records");
            for (uint256 i; i < n; ++i) {
                address a = registry.listedAt(e, role, i);
                check(registry.isListed(a, e) && registry.relayInfo(a).role == role, "listedAt not listed");
            }
        }
    }

    /// A withdrawn relay is neither recorded nor listed now or next epoch.
    function invariant_withdrawnNeverListed() public view {
        uint64 e = registry.currentEpoch();
        for (uint256 i; i < handler.ACTORS(); ++i) {
            address a = handler.actorAt(i);
            if (!handler.withdrawn(a)) continue;
            check(registry.relayInfo(a).status == 0, "withdrawn but recorded");
            check(!registry.isListed(a, e) && !registry.isListed(a, e + 1), "withdrawn but listed");
        }
    }

    /// Withdrawals follow unbonds (or slashes below minStake) of registered relays.
    function invariant_actionCountsConsistent() public view {
        check(handler.withdraws() <= handler.registers(), "more withdrawals than registrations");
    }

    /// The honest calls ran (failOnRevert: none of them reverted).
    function afterInvariant() public view {
        check(handler.calls() > 0, "no handler call ran");
    }

    /// The enumeration holds each recorded relay once, with matching positions.
    function invariant_enumerationConsistent() public view {
        uint256 n = registry.relayCount();
        uint256 recorded;
        for (uint256 i; i < handler.ACTORS(); ++i) {
            if (registry.relayInfo(handler.actorAt(i)).status != 0) ++recorded;
        }
        check(n == recorded, "count != recorded actors");
        for (uint256 i; i < n; ++i) check(registry.relayInfo(registry.relayAt(i)).status != 0, "listed a ghost");
    }
}
