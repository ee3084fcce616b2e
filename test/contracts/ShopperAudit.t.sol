// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ShopperBase} from "./ShopperBase.t.sol";
import {IShopperAudit} from "../../contracts/interfaces/IShopperAudit.sol";
import {MerkleTags} from "../../contracts/lib/MerkleTags.sol";
import {VrfBls} from "../../contracts/lib/VrfBls.sol";
import {X25519} from "../../contracts/lib/X25519.sol";

/// @dev Fuzz tests of ShopperAudit and its libraries (plain asserts; no forge-std).
contract ShopperAuditTest is ShopperBase {
    function setUp() public {
        deployWorld(type(uint256).max);
        token.approve(address(shopper), type(uint256).max);
        shopper.fund(1000e18);
    }

    /// @dev External so a proof can be passed as calldata.
    function merkleVerify(bytes32 root, bytes32 tag, bytes32[] calldata proof) external pure returns (bool) {
        return MerkleTags.verify(root, tag, proof);
    }

    function testFuzz_merkleThreeLeaves(bytes32 a, bytes32 b, bytes32 c, bytes32 outsider) public view {
        if (a == b || b == c || a == c || outsider == a || outsider == b || outsider == c) return;
        bytes32 la = MerkleTags.leaf(a);
        bytes32 lb = MerkleTags.leaf(b);
        bytes32 lc = MerkleTags.leaf(c);
        bytes32 ab = MerkleTags.node(la, lb);
        bytes32 root = MerkleTags.node(ab, lc);
        bytes32[] memory p = new bytes32[](2);
        p[0] = lb;
        p[1] = lc;
        check(this.merkleVerify(root, a, p), "a included");
        check(!this.merkleVerify(root, outsider, p), "outsider excluded");
        p[0] = la;
        check(this.merkleVerify(root, b, p), "b included");
        bytes32[] memory q = new bytes32[](1);
        q[0] = ab;
        check(this.merkleVerify(root, c, q), "c included");
        // An inner node is never accepted as a tag (domain separation).
        check(!this.merkleVerify(root, ab, new bytes32[](0)), "inner node rejected");
        check(MerkleTags.node(la, lb) == MerkleTags.node(lb, la), "sorted pairs");
    }

    /// hardhat-config: fuzz.runs = 6
    function testFuzz_x25519DiffieHellmanAgrees(bytes32 a, bytes32 b) public view {
        bytes32 pa = X25519.publicKey(a);
        bytes32 pb = X25519.publicKey(b);
        check(X25519.x25519(a, pb) == X25519.x25519(b, pa), "DH");
    }

    /// hardhat-config: fuzz.runs = 16
    function testFuzz_vrfProofIsUniquePerKeyAndInput(uint256 sk, uint64 epoch, uint32 j) public view {
        address sender = relays[0];
        sk = bound(sk, 1, 2 ** 250);
        bytes memory pk = g2Mul(sk);
        bytes memory alpha = shopper.loopInput(sender, epoch, j);
        bytes memory proof = vrfProve(sk, alpha);
        (bool ok, bytes32 beta) = VrfBls.verify(pk, alpha, proof);
        check(ok && beta == VrfBls.output(proof), "valid proof");
        // Another scalar (another candidate output) never verifies for the same key and input.
        (bool ok2,) = VrfBls.verify(pk, alpha, vrfProve(sk + 1, alpha));
        check(!ok2, "other proof rejected");
        (bool ok3,) = VrfBls.verify(pk, shopper.loopInput(sender, epoch, j ^ 1), proof);
        check(!ok3, "other input rejected");
        // The same key's proof is for one sender only (issue 11, finding 5).
        (bool ok4,) = VrfBls.verify(pk, shopper.loopInput(relays[1], epoch, j), proof);
        check(!ok4, "other sender rejected");
    }

    function testFuzz_commitOnlyInTheNextEpoch(uint8 offset) public {
        uint64 e = 1;
        uint64 current = uint64(bound(offset, 1, 6));
        enterEpoch(e); // relays open each epoch (its directory seed) while it runs
        if (current > e) enterEpoch(current);
        bytes32 root = rootOf(e, relays[2]);
        vm.prank(relays[2]);
        try shopper.commit(e, root, 2) {
            check(current == e + 1, "accepted only in epoch + 1");
        } catch (bytes memory reason) {
            check(current != e + 1, "rejected outside epoch + 1");
            bytes4 sel = bytes4(reason);
            check(
                sel == (current <= e ? IShopperAudit.ShopperAuditEpochNotOver.selector : IShopperAudit.ShopperAuditCommitClosed.selector),
                "right error"
            );
        }
    }

    /// hardhat-config: fuzz.runs = 16
    function testFuzz_indicesAtOrAboveJMaxNeverWin(uint32 j) public {
        j = uint32(bound(j, JMAX, type(uint32).max));
        uint64 e = 1;
        enterEpoch(e + 2);
        fixBeacon(e);
        bytes memory proof = vrfProve(vrfSecrets[0], shopper.loopInput(relays[0], e, j));
        bytes32[5] memory tags;
        vm.prank(relays[0]);
        try shopper.reveal(relays[0], e, j, proof, claimOf(tags)) {
            check(false, "reveal beyond jMax accepted");
        } catch (bytes memory reason) {
            check(bytes4(reason) == IShopperAudit.ShopperAuditIndexTooHigh.selector, "IndexTooHigh");
        }
    }

    /// hardhat-config: fuzz.runs = 16
    function testFuzz_completeRoutePaysEveryHopAndConservesFunds(uint32 j) public {
        j = uint32(bound(j, 0, JMAX - 1));
        uint64 e = 1;
        enterEpoch(e);
        enterEpoch(e + 1);
        for (uint256 i = 0; i < RELAYS; ++i) {
            bytes32 root = rootOf(e, relays[i]);
            vm.prank(relays[i]);
            shopper.commit(e, root, 2);
        }
        enterEpoch(e + 2);
        fixBeacon(e);
        bytes memory proof = vrfProve(vrfSecrets[1], shopper.loopInput(relays[1], e, j));
        (, bytes32 beta) = VrfBls.verify(g2Mul(vrfSecrets[1]), shopper.loopInput(relays[1], e, j), proof);
        address[5] memory route = shopper.loopRoute(e, beta);
        bytes32[5] memory tags;
        uint8[] memory hops = new uint8[](5);
        bytes32[][] memory proofs = new bytes32[][](5);
        for (uint8 h = 0; h < 5; ++h) {
            tags[h] = tagOf(e, route[h], 0);
            hops[h] = h;
            proofs[h] = new bytes32[](1);
            proofs[h][0] = MerkleTags.leaf(valueOf(e, route[h], 1));
        }
        vm.prank(relays[1]);
        bytes32 id = shopper.reveal(relays[1], e, j, proof, claimOf(tags));
        shopper.proveHops(id, claimOf(tags), hops, proofs);
        enterEpoch(e + 4);
        check(shopper.finalize(id) == IShopperAudit.AuditStatus.Paid, "paid");
        uint256 sum;
        for (uint256 i = 0; i < RELAYS; ++i) sum += shopper.owed(relays[i]);
        check(sum == 5 * REWARD && shopper.totalOwed() == sum, "five rewards owed");
        check(token.balanceOf(address(shopper)) == shopper.pool() + shopper.reserved() + shopper.totalOwed(), "conserved");
    }
}
