// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PaymentChannels} from "../../contracts/PaymentChannels.sol";
import {IPaymentChannels} from "../../contracts/interfaces/IPaymentChannels.sol";
import {ObolToken} from "../../contracts/ObolToken.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {PaymentChannelsBase} from "./PaymentChannelsBase.sol";

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @dev A hostile token that calls back into PaymentChannels from inside every transfer.
contract ReentrantToken is ERC20 {
    PaymentChannels public target;
    bytes public payload;
    bool public reentered;
    bytes public revertData;

    constructor() ERC20("Evil", "EVIL") {
        _mint(msg.sender, 1e30);
    }

    function arm(PaymentChannels target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (address(target) != address(0) && payload.length > 0 && !reentered) {
            reentered = true;
            (bool ok, bytes memory data) = address(target).call(payload);
            if (ok) revert("reentry succeeded");
            revertData = data;
        }
    }
}

/// @dev Reentrancy: a token calling back during payouts and refunds is stopped by the guard.
contract PaymentChannelsReentrancyTest is PaymentChannelsBase {
    function test_TokenCallbackCannotReenter() public {
        ReentrantToken evil = new ReentrantToken();
        PaymentChannels pc = new PaymentChannels(IERC20(address(evil)), 3600);
        uint256 key = 0xC0FFEE;
        address src = vm.addr(key);
        address dst = address(this);
        evil.transfer(src, 1e24);
        vm.prank(src);
        evil.approve(address(pc), type(uint256).max);
        vm.prank(src);
        pc.openChannel(dst, 1e24);
        commitRound(pc, dst);
        IPaymentChannels.RedeemableTicket memory t = signedTicket(pc, key, dst, 1e20, R1 + 1, 1, ALWAYS, 5);
        IPaymentChannels.RedeemableTicket[] memory batch = new IPaymentChannels.RedeemableTicket[](1);
        batch[0] = t;
        // During the payout transfer the token tries to redeem the same ticket again.
        evil.arm(pc, abi.encodeCall(PaymentChannels.redeemTickets, (batch)));
        uint256 before = evil.balanceOf(dst);
        pc.redeemTickets(batch);
        check(evil.reentered(), "the callback ran");
        check(
            keccak256(evil.revertData()) == keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "reentry refused by the guard"
        );
        check(evil.balanceOf(dst) - before == 1e20, "paid exactly once");
        check(pc.channel(src, dst).balance == 1e24 - 1e20, "debited exactly once");
    }
}

/// @dev Fuzz tests of PaymentChannels: conservation, single payment, and every ticket forgery.
contract PaymentChannelsFuzzTest is PaymentChannelsBase {
    ObolToken internal token;
    PaymentChannels internal pc;
    uint256 internal constant SOURCE_KEY = 0xA11CE;
    uint256 internal constant OTHER_KEY = 0xB0B;
    address internal source;
    address internal relay = address(0xBEEF);

    function setUp() public {
        token = new ObolToken(type(uint96).max);
        pc = new PaymentChannels(IERC20(address(token)), 3600);
        source = vm.addr(SOURCE_KEY);
        token.transfer(source, type(uint96).max / 2);
        vm.prank(source);
        token.approve(address(pc), type(uint256).max);
        commitRound(pc, relay);
    }

    function open(uint96 amount) internal {
        vm.prank(source);
        pc.openChannel(relay, amount);
    }

    function testFuzz_OpenFundCloseConservesTokens(uint96 a, uint96 b, bool byDestination) public {
        a = uint96(bound(a, 1, type(uint96).max / 8));
        b = uint96(bound(b, 1, type(uint96).max / 8));
        uint256 before = token.balanceOf(source);
        open(a);
        vm.prank(source);
        pc.fundChannel(relay, b);
        check(token.balanceOf(address(pc)) == uint256(a) + b, "contract holds the funding");
        if (byDestination) {
            vm.prank(relay);
            pc.closeByDestination(source);
        } else {
            vm.prank(source);
            pc.initiateClosure(relay);
            vm.warp(block.timestamp + 3600);
            vm.prank(source);
            pc.finalizeClosure(relay);
        }
        check(token.balanceOf(source) == before, "refund returns everything");
        check(token.balanceOf(address(pc)) == 0, "nothing left behind");
    }

    function testFuzz_WinningTicketPaysExactlyOnce(uint96 funding, uint96 amount, uint48 index, uint256 response) public {
        funding = uint96(bound(funding, 1, type(uint96).max / 8));
        amount = uint96(bound(amount, 1, funding));
        index = uint48(bound(index, R1 + 1, 2 * R1 - 1)); // any index of round 1
        response = bound(response, 1, N - 1);
        open(funding);
        IPaymentChannels.RedeemableTicket memory t = signedTicket(pc, SOURCE_KEY, relay, amount, index, 1, ALWAYS, response);
        vm.prank(relay);
        pc.redeemTicket(t);
        check(token.balanceOf(relay) == amount, "paid the amount");
        check(pc.channel(source, relay).balance == funding - amount, "debited the channel");
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsIndexNotIncreasing.selector, t.channel, index, index));
        vm.prank(relay);
        pc.redeemTicket(t);
    }

    function testFuzz_OnlyTheSourceSignatureSpends(uint256 forgerKey, uint96 amount) public {
        forgerKey = bound(forgerKey, 1, N - 1);
        if (forgerKey == SOURCE_KEY) return;
        amount = uint96(bound(amount, 1, 1e24));
        open(1e24);
        IPaymentChannels.RedeemableTicket memory t = signedTicket(pc, forgerKey, relay, amount, R1 + 1, 1, ALWAYS, 7);
        t.source = source;
        t.channel = pc.channelId(source, relay);
        (t.r, t.vs) = signDigest(forgerKey, pc.ticketDigest(t.channel, amount, R1 + 1, 1, ALWAYS, t.challenge));
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidSignature.selector, t.channel, vm.addr(forgerKey)));
        vm.prank(relay);
        pc.redeemTicket(t);
    }

    function testFuzz_WrongResponseRejected(uint256 response, uint256 other) public {
        response = bound(response, 1, N - 1);
        if (other == response) return;
        open(1e24);
        IPaymentChannels.RedeemableTicket memory t = signedTicket(pc, SOURCE_KEY, relay, 1, R1 + 1, 1, ALWAYS, response);
        t.response = other;
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsWrongResponse.selector, t.channel, R1 + 1));
        vm.prank(relay);
        pc.redeemTicket(t);
    }

    function testFuzz_TicketAboveBalanceRejected(uint96 funding, uint96 amount) public {
        funding = uint96(bound(funding, 1, type(uint96).max / 8));
        amount = uint96(bound(amount, uint256(funding) + 1, type(uint96).max));
        open(funding);
        IPaymentChannels.RedeemableTicket memory t = signedTicket(pc, SOURCE_KEY, relay, amount, R1 + 1, 1, ALWAYS, 99);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInsufficientBalance.selector, t.channel, amount, funding));
        vm.prank(relay);
        pc.redeemTicket(t);
    }

    function testFuzz_StaleEpochRejectedAfterReopen(uint256 response) public {
        response = bound(response, 1, N - 1);
        open(1e20);
        IPaymentChannels.RedeemableTicket memory t = signedTicket(pc, SOURCE_KEY, relay, 1, R1 + 1, 1, ALWAYS, response);
        vm.prank(relay);
        pc.closeByDestination(source);
        open(1e20);
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsWrongEpoch.selector, t.channel, uint24(1), uint24(2)));
        vm.prank(relay);
        pc.redeemTicket(t);
    }

    function testFuzz_DomainFollowsChainId(uint64 newChainId) public {
        if (newChainId == block.chainid || newChainId == 0) return;
        open(1e20);
        bytes32 oldDomain = pc.domainSeparator();
        IPaymentChannels.RedeemableTicket memory old = signedTicket(pc, SOURCE_KEY, relay, 1, R1 + 1, 1, ALWAYS, 11);
        vm.chainId(newChainId);
        check(pc.domainSeparator() != oldDomain, "separator rebuilt for the new chain id");
        // A ticket signed for the old chain does not verify on the new one (replay across forks).
        // (It recovers to some unrelated address, so only the selector is fixed.)
        vm.prank(relay);
        try pc.redeemTicket(old) {
            check(false, "old-chain ticket paid");
        } catch (bytes memory err) {
            check(bytes4(err) == IPaymentChannels.PaymentChannelsInvalidSignature.selector, "InvalidSignature");
        }
        IPaymentChannels.RedeemableTicket memory fresh = signedTicket(pc, SOURCE_KEY, relay, 1, R1 + 1, 1, ALWAYS, 11);
        vm.prank(relay);
        pc.redeemTicket(fresh);
        check(token.balanceOf(relay) == 1, "a ticket for the new chain id pays");
    }

    /// @dev Finding 2: the luck depends on the committed round secret; no other secret opens the round.
    function testFuzz_OnlyTheCommittedRoundSecretRedeems(bytes32 other, uint256 response) public {
        if (other == ROUND_SECRET) return;
        response = bound(response, 1, N - 1);
        open(1e20);
        IPaymentChannels.RedeemableTicket memory t = signedTicket(pc, SOURCE_KEY, relay, 1, R1 + 1, 1, ALWAYS, response);
        t.roundSecret = other;
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsWrongRoundSecret.selector, t.channel, uint24(1)));
        vm.prank(relay);
        pc.redeemTicket(t);
    }

    function testFuzz_NearZeroWinProbLoses(uint256 response, uint48 index) public {
        response = bound(response, 1, N - 1);
        index = uint48(bound(index, R1 + 1, 2 * R1 - 1));
        open(1e20);
        IPaymentChannels.RedeemableTicket memory t = signedTicket(pc, SOURCE_KEY, relay, 1, index, 1, 0, response);
        // Wins only with luck 0, probability 2^-56; the fuzzer will not find one.
        vm.expectRevert(abi.encodeWithSelector(IPaymentChannels.PaymentChannelsTicketNotWinning.selector, t.channel, index));
        vm.prank(relay);
        pc.redeemTicket(t);
    }
}
