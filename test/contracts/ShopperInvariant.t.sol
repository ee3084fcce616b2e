// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ShopperBase} from "./ShopperBase.t.sol";
import {IShopperAudit} from "../../contracts/interfaces/IShopperAudit.sol";
import {MerkleTags} from "../../contracts/lib/MerkleTags.sol";
import {VrfBls} from "../../contracts/lib/VrfBls.sol";

/**
 * @dev Drives random sequences of fund / commit / beacon / reveal / prove /
 * dispute / finalize / claim / time on a real ShopperAudit + RelayRegistry,
 * with real VRF proofs. Tags are honest (in the hop's committed root) or
 * false per a random mask, so every audit outcome occurs.
 */
contract ShopperHandler is ShopperBase {
    uint64 public audited = 1; // epoch whose audit pipeline runs
    bytes32[] public ids;
    mapping(bytes32 id => bytes32[5]) internal _tags;
    mapping(bytes32 id => uint8) internal _honest;
    uint256 public funded;
    uint256 public claimed;
    uint256 public openCount;
    uint256 public revealed;
    /// Honest calls that ran, per action (asserted by the test contract).
    uint256 public commits;
    uint256 public calls;
    uint256 public proofs_;
    uint256 public disputes;
    uint256 public finalized;
    uint256 public claims;
    uint256 public beacons;
    uint256 public reports;
    /// Audits whose sender reported the delivery missing: each must finalize Broken, never Paid.
    mapping(bytes32 id => bool) internal _reported;

    constructor() {
        deployWorld(type(uint256).max / 2);
        enterEpoch(1);
        token.approve(address(shopper), 100e18);
        shopper.fund(100e18);
        funded = 100e18;
    }

    function current() public view returns (uint64) {
        return registry.currentEpoch();
    }

    function shopperAddress() external view returns (address) {
        return address(shopper);
    }

    function shopperBalance() external view returns (uint256) {
        return token.balanceOf(address(shopper));
    }

    function relayCount() external pure returns (uint256) {
        return RELAYS;
    }

    function relayAt(uint256 i) external view returns (address) {
        return relays[i];
    }

    function fund(uint256 amount) external {
        amount = bound(amount, 1, 200e18);
        token.approve(address(shopper), amount);
        shopper.fund(amount);
        funded += amount;
        ++calls;
    }

    function commit(uint256 who) public {
        address r = relays[who % RELAYS];
        uint64 e = audited;
        if (current() != e + 1) return;
        (bytes32 root,) = shopper.commitment(e, r);
        if (root != bytes32(0) || !registry.isListed(r, e)) return;
        bytes32 newRoot = rootOf(e, r);
        vm.prank(r);
        shopper.commit(e, newRoot, 2);
        ++commits;
    }

    function beacon() public {
        uint64 e = audited;
        // The beacon is drawn from the registry seed of e + 2 and requested only during e + 2.
        if (current() != e + 2 || shopper.beaconOf(e) != bytes32(0)) return;
        fixBeacon(e);
        ++beacons;
    }

    function reveal(uint256 who, uint256 j, uint8 honestMask) public {
        uint64 e = audited;
        if (current() != e + 2 || shopper.beaconOf(e) == bytes32(0)) return;
        uint256 s = who % RELAYS;
        uint32 index = uint32(j % JMAX); // beyond jMax is the fuzz test's (testFuzz_indicesAtOrAboveJMaxNeverWin)
        if (!senderStaked(relays[s], e)) return;
        bytes memory alpha = shopper.loopInput(relays[s], e, index);
        bytes memory proof = vrfProve(vrfSecrets[s], alpha);
        bytes32 beta = VrfBls.output(proof);
        if (!shopper.isWinner(e, beta)) return;
        shopper.snapshotDirectory(e); // idempotent; the first commitment usually did it
        for (uint8 l = 0; l < 4; ++l) if (shopper.layerMembers(e, l).length == 0) return; // no route exists
        address[5] memory route = shopper.loopRoute(e, beta);
        if (honestMask >= 0x80) honestMask = 0x1f; // half the loops fully honest, so complete routes occur
        bytes32[5] memory tags;
        for (uint256 h = 0; h < 5; ++h) {
            tags[h] = (honestMask >> h) & 1 == 1 ? tagOf(e, route[h], 0) : keccak256(abi.encode("lie", h, beta));
        }
        (IShopperAudit.AuditStatus st) = shopper.audit(keccak256(abi.encode(relays[s], e, index))).status;
        if (st != IShopperAudit.AuditStatus.None || shopper.pool() < 5 * REWARD) return;
        vm.prank(relays[s]);
        bytes32 id = shopper.reveal(relays[s], e, index, proof, claimOf(tags));
        ++revealed;
        ids.push(id);
        _tags[id] = tags;
        _honest[id] = honestMask & 0x1f;
        ++openCount;
        if (j & 1 == 1) prove(ids.length - 1, 0xff); // hops often prove right away
    }

    function prove(uint256 which, uint8 hopMask) public {
        if (ids.length == 0) return;
        bytes32 id = ids[which % ids.length];
        IShopperAudit.Audit memory a = shopper.audit(id);
        if (a.status != IShopperAudit.AuditStatus.Open || current() > a.epoch + 3) return;
        address[5] memory route = shopper.loopRoute(a.epoch, a.vrfOutput);
        if (hopMask >= 0x80) hopMask = 0x1f;
        uint8 mask = hopMask & _honest[id] & ~a.provenMask;
        uint256 n;
        for (uint256 h = 0; h < 5; ++h) {
            (bytes32 root,) = shopper.commitment(a.epoch, route[h]);
            if ((mask >> h) & 1 == 1 && root == bytes32(0)) mask &= ~uint8(1 << h);
            if ((mask >> h) & 1 == 1) ++n;
        }
        if (n == 0) return;
        uint8[] memory hops = new uint8[](n);
        bytes32[][] memory proofs = new bytes32[][](n);
        uint256 k;
        for (uint8 h = 0; h < 5; ++h) {
            if ((mask >> h) & 1 == 0) continue;
            hops[k] = h;
            proofs[k] = new bytes32[](1);
            proofs[k][0] = MerkleTags.leaf(valueOf(a.epoch, route[h], 1));
            ++k;
        }
        shopper.proveHops(id, claimOf(_tags[id]), hops, proofs);
        ++proofs_;
    }

    function dispute(uint256 which, uint8 hop) external {
        if (ids.length == 0) return;
        bytes32 id = ids[which % ids.length];
        IShopperAudit.Audit memory a = shopper.audit(id);
        hop = hop % 5;
        // Only a hop whose tag was invented can be disputed successfully (the recomputation is costly).
        if (a.status != IShopperAudit.AuditStatus.Open || current() > a.epoch + 3 || (_honest[id] >> hop) & 1 == 1) return;
        shopper.dispute(id, claimOf(_tags[id]), hop);
        --openCount;
        ++disputes;
    }

    /// @dev The sender reports its loop's delivery missing (reportUndelivered; only the sender may).
    function reportUndelivered(uint256 which) public {
        if (ids.length == 0) return;
        bytes32 id = ids[which % ids.length];
        IShopperAudit.Audit memory a = shopper.audit(id);
        if (a.status != IShopperAudit.AuditStatus.Open || current() > a.epoch + 3 || _reported[id]) return;
        vm.prank(a.sender);
        shopper.reportUndelivered(id, claimOf(_tags[id]));
        _reported[id] = true;
        ++reports;
    }

    function finalize(uint256 which) public {
        if (ids.length == 0) return;
        bytes32 id = ids[which % ids.length];
        IShopperAudit.Audit memory a = shopper.audit(id);
        if (a.status != IShopperAudit.AuditStatus.Open || current() < a.epoch + 4) return;
        IShopperAudit.AuditStatus st = shopper.finalize(id);
        check(!_reported[id] || st == IShopperAudit.AuditStatus.Broken, "a reported delivery finalizes Broken");
        --openCount;
        ++finalized;
    }

    function claim(uint256 who) external {
        address r = relays[who % RELAYS];
        uint256 owed = shopper.owed(r);
        if (owed == 0) return;
        vm.prank(r);
        shopper.claim(r);
        claimed += owed;
        ++claims;
    }

    /// @dev Next epoch; the pipeline's scheduled steps happen with it so random runs reach every phase.
    function advance(uint8 commitMask) external {
        uint64 next = current() + 1;
        enterEpoch(next);
        ++calls;
        if (next >= audited + 5) audited = next; // start auditing the epoch that just began
        bool finalizeAll = commitMask & 0x40 != 0;
        if (commitMask >= 0x80) commitMask = 0x1f;
        if (next == audited + 1) {
            for (uint256 i = 0; i < RELAYS; ++i) if ((commitMask >> i) & 1 == 1) commit(i);
        }
        if (next == audited + 2) {
            beacon();
            reveal(commitMask, commitMask | 1, commitMask | 0x80); // one honest, proven reveal attempt per epoch
        }
        if (next == audited + 3 && commitMask & 0x20 != 0 && ids.length > 0) {
            reportUndelivered(ids.length - 1); // the latest loop's delivery missing, in its proof window
        }
        if (finalizeAll) {
            for (uint256 i = 0; i < ids.length; ++i) finalize(i);
        }
    }
}

contract ShopperInvariantTest {
    ShopperHandler internal handler;

    error InvariantBroken(string what);

    function setUp() public {
        handler = new ShopperHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function _shopper() internal view returns (IShopperAudit) {
        return IShopperAudit(address(handler.shopperAddress()));
    }

    /// hardhat-config: invariant.runs = 24
    function invariant_fundsConserved() public view {
        IShopperAudit s = _shopper();
        uint256 balance = handler.shopperBalance();
        if (balance != s.pool() + s.reserved() + s.totalOwed()) revert InvariantBroken("balance == pool + reserved + owed");
        if (handler.funded() != balance + handler.claimed()) revert InvariantBroken("funded == balance + claimed");
    }

    /// hardhat-config: invariant.runs = 24
    function invariant_reserveMatchesOpenAudits() public view {
        IShopperAudit s = _shopper();
        if (s.reserved() != handler.openCount() * 5 * s.rewardPerHop()) revert InvariantBroken("reserved == 5 x reward x open");
    }

    /// hardhat-config: invariant.runs = 24
    function invariant_auditCountsConsistent() public view {
        if (handler.finalized() + handler.disputes() + handler.openCount() != handler.revealed()) {
            revert InvariantBroken("revealed == finalized + disputed + open");
        }
    }

    /// The honest calls ran (failOnRevert: none of them reverted).
    function afterInvariant() public view {
        if (handler.calls() == 0) revert InvariantBroken("no handler call ran");
        // Every reveal needs a beacon fixed by the handler (drawn from the registry seed of e + 2).
        if (handler.revealed() > 0 && handler.beacons() == 0) revert InvariantBroken("reveal without a beacon");
        if (handler.reports() > handler.revealed()) revert InvariantBroken("more delivery reports than loops");
    }

    /// The scheduled pipeline, driven in order for 6 audited epochs, reaches the delivery report and
    /// finalizes reported loops Broken (the random runs above may stop before an epoch's e + 3).
    function test_scheduledPipelineReportsUndelivered() public {
        for (uint256 i = 0; i < 30; ++i) handler.advance(0x7f); // commit all, reveal, report, finalize all
        if (handler.reports() == 0) revert InvariantBroken("no delivery report ran");
        if (handler.finalized() == 0) revert InvariantBroken("no audit finalized");
    }

    /// hardhat-config: invariant.runs = 24
    function invariant_owedSumsToTotal() public view {
        IShopperAudit s = _shopper();
        uint256 sum;
        for (uint256 i = 0; i < handler.relayCount(); ++i) sum += s.owed(handler.relayAt(i));
        if (sum != s.totalOwed()) revert InvariantBroken("sum owed == totalOwed");
    }
}
