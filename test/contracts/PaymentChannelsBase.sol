// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PaymentChannels} from "../../contracts/PaymentChannels.sol";
import {IPaymentChannels} from "../../contracts/interfaces/IPaymentChannels.sol";
import {ObolToken} from "../../contracts/ObolToken.sol";

/// @dev Foundry cheatcodes Hardhat's Solidity test runner supports (no forge-std here).
interface Vm {
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function addr(uint256 privateKey) external pure returns (address);
    function prank(address sender) external;
    function warp(uint256 timestamp) external;
    function toString(uint256 value) external pure returns (string memory);
    function chainId(uint256 newChainId) external;
    function expectRevert(bytes4 selector) external;
    function expectRevert(bytes calldata revertData) external;
}

/// @dev Shared helpers for the PaymentChannels Solidity tests: keys, signing, responses.
abstract contract PaymentChannelsBase {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 internal constant GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;
    uint56 internal constant ALWAYS = type(uint56).max;
    /// @dev Every destination in these tests commits this secret as its lottery round 1.
    bytes32 internal constant ROUND_SECRET = bytes32(uint256(0x0b01));
    /// @dev Indices R1 + k (k < 2^24) name round 1.
    uint48 internal constant R1 = uint48(1) << 24;

    error AssertionFailed(string what);

    function check(bool cond, string memory what) internal pure {
        if (!cond) revert AssertionFailed(what);
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    /// @dev Address of k·G (same ecrecover trick as the contract, re-derived here).
    function pointAddress(uint256 k) internal pure returns (address) {
        return ecrecover(bytes32(0), 27, bytes32(GX), bytes32(mulmod(k, GX, N)));
    }

    /// @dev A ticket of `key`'s channel to `destination`, signed with vm.sign.
    function signedTicket(
        PaymentChannels pc,
        uint256 key,
        address destination,
        uint96 amount,
        uint48 index,
        uint24 epoch,
        uint56 winProb,
        uint256 response
    ) internal view returns (IPaymentChannels.RedeemableTicket memory t) {
        address source = vm.addr(key);
        t.source = source;
        t.channel = pc.channelId(source, destination);
        t.amount = amount;
        t.index = index;
        t.epoch = epoch;
        t.winProb = winProb;
        t.challenge = pointAddress(response);
        t.response = response;
        (t.r, t.vs) = signDigest(key, pc.ticketDigest(t.channel, amount, index, epoch, winProb, t.challenge));
        t.roundSecret = ROUND_SECRET;
    }

    /// @dev `destination` commits ROUND_SECRET as its next lottery round.
    function commitRound(PaymentChannels pc, address destination) internal {
        vm.prank(destination);
        pc.commitRound(keccak256(abi.encode(ROUND_SECRET)));
    }

    function signDigest(uint256 key, bytes32 digest) internal pure returns (bytes32 r, bytes32 vs) {
        (uint8 v, bytes32 r_, bytes32 s) = vm.sign(key, digest);
        r = r_;
        vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
    }
}
