// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TicketBank} from "../../contracts/TicketBank.sol";
import {BLS12381} from "../../contracts/lib/BLS12381.sol";
import {HashToG1} from "../../contracts/lib/HashToG1.sol";

/// @dev Foundry cheatcodes Hardhat's Solidity test runner supports (no forge-std here).
interface Vm {
    function prank(address sender) external;
    function warp(uint256 timestamp) external;
}

/**
 * @dev Shared helpers for the TicketBank Solidity tests. Real tokens are minted
 * with the EIP-2537 MSM precompiles: σ = sk·H(m) (G1MSM) and pk = sk·g2
 * (G2MSM), so the tests exercise the same pairing equation as production.
 */
abstract contract TicketBankBase {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    /// @dev Order r of G1/G2.
    uint256 internal constant R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;

    bytes internal constant G2_GEN =
        hex"00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
        hex"0000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
        hex"000000000000000000000000000000000ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"
        hex"000000000000000000000000000000000606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be";

    error AssertionFailed(string what);

    function check(bool cond, string memory what) internal pure {
        if (!cond) revert AssertionFailed(what);
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    function g1Mul(bytes memory point, uint256 scalar) internal view returns (bytes memory out) {
        out = new bytes(128);
        (bool ok, bytes memory res) = address(0x0c).staticcall(abi.encodePacked(point, scalar));
        check(ok && res.length == 128, "G1MSM");
        out = res;
    }

    function publicKeyOf(uint256 sk) internal view returns (bytes memory) {
        (bool ok, bytes memory res) = address(0x0e).staticcall(abi.encodePacked(G2_GEN, sk));
        check(ok && res.length == 256, "G2MSM");
        return res;
    }

    /// @dev The bank and issuer the helpers' tokens name; bank tests override it (zero: plain BLS tests).
    function tokenDomain() internal view virtual returns (address bank, address issuer) {
        return (address(0), address(0));
    }

    /// @dev chainId (8) ‖ bank (20) ‖ issuer (20) ‖ relay (20) ‖ epoch (8) ‖ serial (16), as TicketBank hashes it.
    function tokenMessage(address relay, uint64 epoch, bytes16 serial) internal view returns (bytes memory) {
        (address bank_, address issuer_) = tokenDomain();
        return abi.encodePacked(uint64(block.chainid), bank_, issuer_, relay, epoch, serial);
    }

    /// @dev A real token signature: sk·H(message).
    function sign(uint256 sk, address relay, uint64 epoch, bytes16 serial) internal view returns (bytes memory) {
        return g1Mul(HashToG1.hashToG1(tokenMessage(relay, epoch, serial), bytes(TicketBankDst.DST)), sk);
    }

    /// @dev Serials derived from a seed, and the aggregate signature of those tokens.
    function batch(uint256 sk, address relay, uint64 epoch, uint256 seed, uint256 n)
        internal
        view
        returns (bytes memory serials, bytes memory aggregate)
    {
        aggregate = new bytes(128);
        for (uint256 i = 0; i < n; ++i) {
            bytes16 serial = bytes16(keccak256(abi.encode(seed, i)));
            serials = bytes.concat(serials, serial);
            aggregate = BLS12381.g1Add(aggregate, sign(sk, relay, epoch, serial));
        }
    }

    function selectorOf(bytes memory revertData) internal pure returns (bytes4 sel) {
        if (revertData.length < 4) return bytes4(0);
        assembly ("memory-safe") {
            sel := mload(add(revertData, 0x20))
        }
    }
}

/// @dev The bank's DST, repeated so helpers need no deployed bank.
library TicketBankDst {
    string internal constant DST = "OBOL_TICKETS_V2_BLS12381G1_XMD:SHA-256_SSWU_RO_";
}
