// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TicketBank} from "../../contracts/TicketBank.sol";
import {ITicketBank} from "../../contracts/interfaces/ITicketBank.sol";
import {ObolToken} from "../../contracts/ObolToken.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TicketBankBase} from "./TicketBankBase.sol";

/// @dev Fuzz tests of TicketBank with real BLS tokens: exact payment, single
/// redemption, forgeries, wrong relay/epoch, malformed signatures, overdraw cap,
/// and the issue-10 attacks: cross-epoch spending, doubled keys, other deployments.
contract TicketBankFuzzTest is TicketBankBase {
    ObolToken internal token;
    TicketBank internal bank;
    address internal issuer = address(0x1550E);
    address internal user = address(0xB0B);
    address internal relay = address(0xBEEF);
    uint128 internal constant PRICE = 1e15;
    uint128 internal constant STAKE = 1e18;
    /// @dev Domain the helpers' tokens name; tests switch it to play an attacker.
    address internal domainBank;
    address internal domainIssuer;

    function tokenDomain() internal view override returns (address, address) {
        return (domainBank, domainIssuer);
    }

    function setUp() public {
        vm.warp(1_000_000);
        token = new ObolToken(type(uint96).max);
        bank = new TicketBank(IERC20(address(token)), 1_000_000, 3600, 4, STAKE);
        token.transfer(issuer, type(uint96).max / 4);
        token.transfer(user, type(uint96).max / 4);
        vm.prank(issuer);
        token.approve(address(bank), type(uint256).max);
        vm.prank(user);
        token.approve(address(bank), type(uint256).max);
        (domainBank, domainIssuer) = (address(bank), issuer);
    }

    function register(uint256 sk) internal returns (uint256) {
        return register(sk, PRICE);
    }

    function register(uint256 sk, uint128 price) internal returns (uint256) {
        sk = bound(sk, 1, R - 1);
        bytes memory pk = publicKeyOf(sk); // before prank: the precompile call would consume it
        vm.prank(issuer);
        bank.registerIssuer(pk, price, 0, STAKE);
        return sk;
    }

    function expectRevert(bytes memory call, bytes4 selector) internal {
        (bool ok, bytes memory data) = address(bank).call(call);
        check(!ok, "call must revert");
        check(selectorOf(data) == selector, "wrong custom error");
    }

    function redeemCall(uint64 epoch, bytes memory serials, bytes memory sig) internal view returns (bytes memory) {
        return abi.encodeCall(ITicketBank.redeem, (issuer, epoch, serials, sig));
    }

    function testFuzz_RedeemPaysExactlyOnceAndConserves(uint256 sk, uint256 seed, uint8 count) public {
        sk = register(sk);
        uint256 n = bound(count, 1, 6);
        vm.prank(user);
        bank.deposit(issuer, 0, 10);
        (bytes memory serials, bytes memory sig) = batch(sk, relay, 0, seed, n);
        uint256 inBank = token.balanceOf(address(bank));
        vm.prank(relay);
        uint256 paid = bank.redeem(issuer, 0, serials, sig);
        check(paid == n * PRICE, "pays price per token");
        check(token.balanceOf(relay) == paid, "relay received the payout");
        check(token.balanceOf(address(bank)) == inBank - paid, "bank paid exactly that");
        vm.prank(relay);
        expectRevert(redeemCall(0, serials, sig), ITicketBank.TicketBankTokenSpent.selector);
    }

    function testFuzz_ForgedTokensNeverPay(uint256 sk, uint256 otherSk, uint256 seed) public {
        sk = register(sk);
        otherSk = bound(otherSk, 1, R - 1);
        if (otherSk == sk) return;
        vm.prank(user);
        bank.deposit(issuer, 0, 10);
        (bytes memory serials, bytes memory sig) = batch(otherSk, relay, 0, seed, 2);
        vm.prank(relay);
        expectRevert(redeemCall(0, serials, sig), ITicketBank.TicketBankInvalidSignature.selector);
        check(token.balanceOf(relay) == 0, "nothing paid");
    }

    function testFuzz_TokensBoundToRelayAndEpoch(uint256 sk, uint256 seed, address thief, uint64 epoch) public {
        sk = register(sk);
        if (thief == relay || thief == address(0)) return;
        vm.prank(user);
        bank.deposit(issuer, 0, 10);
        (bytes memory serials, bytes memory sig) = batch(sk, relay, 0, seed, 2);
        vm.prank(thief);
        expectRevert(redeemCall(0, serials, sig), ITicketBank.TicketBankInvalidSignature.selector);
        epoch = uint64(bound(epoch, 1, 5));
        vm.prank(relay);
        expectRevert(redeemCall(epoch, serials, sig), ITicketBank.TicketBankInvalidSignature.selector);
    }

    function testFuzz_MalformedSignaturesRevert(uint256 sk, bytes32 a, bytes32 b, bytes32 c, bytes32 d) public {
        sk = register(sk);
        vm.prank(user);
        bank.deposit(issuer, 0, 10);
        (bytes memory serials,) = batch(sk, relay, 0, 1, 1);
        bytes memory junk = abi.encodePacked(a, b, c, d);
        vm.prank(relay);
        (bool ok,) = address(bank).call(redeemCall(0, serials, junk));
        check(!ok, "random bytes never redeem");
        check(token.balanceOf(relay) == 0, "nothing paid");
    }

    function testFuzz_PayoutCappedAtDepositsPlusStake(uint256 sk, uint256 seed, uint8 deposited, uint8 perRound) public {
        uint128 price = STAKE / 2; // the stake covers two tokens
        sk = register(sk, price);
        uint32 d = uint32(bound(deposited, 1, 3));
        uint256 k = bound(perRound, 1, 3);
        vm.prank(user);
        bank.deposit(issuer, 0, d);
        uint256 before = token.balanceOf(address(bank));
        // The issuer over-issues to a colluding relay, which redeems round after round.
        uint256 total;
        for (uint256 round = 0; round < 6; ++round) {
            (bytes memory serials, bytes memory sig) = batch(sk, relay, 0, uint256(keccak256(abi.encode(seed, round))), k);
            vm.prank(relay);
            (bool ok, bytes memory data) = address(bank).call(redeemCall(0, serials, sig));
            if (ok) total += abi.decode(data, (uint256));
            else check(selectorOf(data) == ITicketBank.TicketBankIssuerOverdrawn.selector, "only the cap stops it");
        }
        check(total <= uint256(d) * price + STAKE, "never beyond deposits plus stake");
        check(total + price * k > uint256(d) * price + STAKE, "paid until the next batch would exceed the cap");
        check(token.balanceOf(address(bank)) == before - total, "conservation");
    }

    /// Finding 1: tokens paid for an unused epoch but naming a busy one pay exactly what was
    /// deposited, from the one pool of the issuer; nothing else is left for the buyer to take.
    function testFuzz_CrossEpochTokensPayOnlyWhatWasPaid(uint256 sk, uint256 seed, uint8 count) public {
        sk = register(sk);
        uint32 n = uint32(bound(count, 1, 5));
        address attacker = address(0xA77AC);
        token.transfer(attacker, uint256(n) * PRICE);
        vm.prank(attacker);
        token.approve(address(bank), type(uint256).max);
        vm.prank(user);
        bank.deposit(issuer, 0, 10); // honest money, epoch 0
        uint64 unused = bank.MAX_EPOCHS_AHEAD(); // read before the prank: a call consumes it
        vm.prank(attacker);
        bank.deposit(issuer, unused, n);
        (bytes memory serials, bytes memory sig) = batch(sk, attacker, 0, seed, n);
        vm.prank(attacker);
        check(bank.redeem(issuer, 0, serials, sig) == uint256(n) * PRICE, "pays what was deposited");
        check(token.balanceOf(attacker) == uint256(n) * PRICE, "attacker is back where it started");
        check(bank.pool(issuer).deposited - bank.pool(issuer).paid == 10 * PRICE, "honest money untouched");
        vm.warp(bank.redeemDeadline(unused));
        vm.prank(attacker);
        expectRevert(redeemCall(0, serials, sig), ITicketBank.TicketBankRedemptionClosed.selector);
        expectRevert(
            abi.encodeCall(ITicketBank.reclaim, (issuer, attacker, 0, serials, sig)), ITicketBank.TicketBankTokenSpent.selector
        );
    }

    /// Refunds are per token held: before the deadline only the relay redeems, after it the holder reclaims once.
    function testFuzz_ReclaimPaysUnspentTokensOnce(uint256 sk, uint256 seed, uint8 count, address holder) public {
        sk = register(sk);
        if (holder == address(0) || holder == address(bank) || holder == address(token)) return;
        uint256 n = bound(count, 1, 4);
        vm.prank(user);
        bank.deposit(issuer, 0, 10);
        (bytes memory serials, bytes memory sig) = batch(sk, relay, 0, seed, n);
        bytes memory reclaimCall = abi.encodeCall(ITicketBank.reclaim, (issuer, relay, 0, serials, sig));
        vm.prank(holder);
        expectRevert(reclaimCall, ITicketBank.TicketBankRedemptionOpen.selector);
        vm.warp(bank.redeemDeadline(0));
        vm.prank(relay);
        expectRevert(redeemCall(0, serials, sig), ITicketBank.TicketBankRedemptionClosed.selector);
        uint256 before = token.balanceOf(holder);
        vm.prank(holder);
        check(bank.reclaim(issuer, relay, 0, serials, sig) == n * PRICE, "reclaim pays price per token");
        check(token.balanceOf(holder) == before + n * PRICE, "holder received it");
        vm.prank(holder);
        expectRevert(reclaimCall, ITicketBank.TicketBankTokenSpent.selector);
    }

    /// Finding 3: 2·pk registers (no secret needed) but the doubled token names the first issuer: refused.
    function testFuzz_DoubledKeyCannotPayTheSameTokenTwice(uint256 sk, uint256 seed) public {
        sk = register(sk);
        address twin = address(0x7714);
        uint256 doubled = mulmod(sk, 2, R);
        bytes memory pk2 = publicKeyOf(doubled);
        token.transfer(twin, STAKE);
        vm.prank(twin);
        token.approve(address(bank), type(uint256).max);
        vm.prank(twin);
        bank.registerIssuer(pk2, PRICE, 0, STAKE);
        vm.prank(user);
        bank.deposit(issuer, 0, 10);
        (bytes memory serials, bytes memory sig) = batch(sk, relay, 0, seed, 2);
        vm.prank(relay);
        bank.redeem(issuer, 0, serials, sig);
        // 2σ = (2sk)·H(m) with m naming `issuer`: the twin's messages name the twin, so it fails.
        bytes memory sig2 = g1Mul(sig, 2);
        vm.prank(relay);
        expectRevert(
            abi.encodeCall(ITicketBank.redeem, (twin, 0, serials, sig2)), ITicketBank.TicketBankInvalidSignature.selector
        );
        check(token.balanceOf(relay) == 2 * PRICE, "paid once");
    }

    /// Finding 3: the same key registered on a second deployment does not make tokens redeemable twice.
    function testFuzz_TokensOfOneBankFailOnAnother(uint256 sk, uint256 seed) public {
        sk = register(sk);
        TicketBank other = new TicketBank(IERC20(address(token)), 1_000_000, 3600, 4, STAKE);
        bytes memory pk = publicKeyOf(sk);
        vm.prank(issuer);
        token.approve(address(other), type(uint256).max);
        vm.prank(issuer);
        other.registerIssuer(pk, PRICE, 0, STAKE);
        vm.prank(user);
        token.approve(address(other), type(uint256).max);
        vm.prank(user);
        other.deposit(issuer, 0, 10);
        (bytes memory serials, bytes memory sig) = batch(sk, relay, 0, seed, 2); // names `bank`
        vm.prank(relay);
        (bool ok, bytes memory data) = address(other).call(abi.encodeCall(ITicketBank.redeem, (issuer, 0, serials, sig)));
        check(!ok && selectorOf(data) == ITicketBank.TicketBankInvalidSignature.selector, "other bank refuses");
        check(!other.verifyBatch(issuer, relay, 0, serials, sig), "and says so in the view");
        check(bank.verifyBatch(issuer, relay, 0, serials, sig), "its own bank accepts");
    }
}
