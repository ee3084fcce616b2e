// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BLS12381} from "../../contracts/lib/BLS12381.sol";
import {HashToG1} from "../../contracts/lib/HashToG1.sol";
import {TicketBankBase, TicketBankDst} from "./TicketBankBase.sol";

/// @dev Fuzz tests of the precompile wrappers and the on-chain hash to G1.
contract BLS12381FuzzTest is TicketBankBase {
    /// @dev p as a 512-bit pair (hi, lo) compared limb by limb: the reference for isCanonicalFp.
    function testFuzz_CanonicalFieldElements(uint256 hi, uint256 lo) public pure {
        hi = hi % (BLS12381.P_HI + 2); // concentrate around p's top limb
        bool expected = hi < BLS12381.P_HI || (hi == BLS12381.P_HI && lo < BLS12381.P_LO);
        check(BLS12381.isCanonicalFp(hi, lo) == expected, "canonical iff < p");
        check(BLS12381.isCanonicalFp(BLS12381.P_HI, BLS12381.P_LO) == false, "p itself is not canonical");
        check(BLS12381.isCanonicalFp(BLS12381.P_HI, BLS12381.P_LO - 1), "p - 1 is canonical");
    }

    /// @dev hash_to_curve lands in G1: multiplying by r gives infinity, and the pairing precompile accepts it.
    function testFuzz_HashToG1InSubgroup(bytes calldata message) public view {
        bytes memory h = HashToG1.hashToG1(message, bytes(TicketBankDst.DST));
        check(h.length == 128, "128 bytes");
        bytes memory rh = g1Mul(h, R);
        check(keccak256(rh) == keccak256(new bytes(128)), "r*H(m) = O");
        BLS12381.pairingCheck(bytes.concat(h, G2_GEN)); // reverts if H(m) is not in G1
    }

    /// @dev Distinct messages hash to distinct points; the same message to the same point.
    function testFuzz_HashToG1Deterministic(bytes calldata a, bytes calldata b) public view {
        bytes memory dst = bytes(TicketBankDst.DST);
        bytes memory ha = HashToG1.hashToG1(a, dst);
        check(keccak256(ha) == keccak256(HashToG1.hashToG1(a, dst)), "deterministic");
        if (keccak256(a) != keccak256(b)) check(keccak256(ha) != keccak256(HashToG1.hashToG1(b, dst)), "distinct");
    }

    /// @dev Out-of-range coordinates are rejected before any precompile call.
    function testFuzz_CheckG1RejectsNonCanonical(uint256 hi, uint256 lo) public {
        if (BLS12381.isCanonicalFp(hi, lo)) return;
        bytes memory point = abi.encodePacked(hi, lo, uint256(0), uint256(1));
        (bool ok, bytes memory data) = address(this).call(abi.encodeCall(this.checkG1External, (point)));
        check(!ok && selectorOf(data) == BLS12381.BLS12381NonCanonicalFieldElement.selector, "non-canonical rejected");
    }

    function checkG1External(bytes memory point) external pure {
        BLS12381.checkG1(point);
    }
}
