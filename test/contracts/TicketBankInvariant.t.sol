// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TicketBank} from "../../contracts/TicketBank.sol";
import {ITicketBank} from "../../contracts/interfaces/ITicketBank.sol";
import {ObolToken} from "../../contracts/ObolToken.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TicketBankBase} from "./TicketBankBase.sol";

/**
 * @dev Invariant handler over 2 relays and 2 buyers. Honest actions call the
 * bank directly, so a revert fails the run (`failOnRevert`): deposits, the
 * redemption of tokens that were paid for (naming any epoch, the finding-1
 * strategy), reclaims of unspent tokens after their window, over-issuance
 * within the stake, stake and time moves. Hostile actions (replays, forgeries,
 * redemptions after the deadline) use low-level calls and must fail with the
 * expected custom error. Counters show how many of each ran.
 */
contract TicketBankHandler is TicketBankBase {
    ObolToken public token;
    TicketBank public bank;
    uint256 internal constant SK = 0x5EC2E7;
    uint256 internal constant FORGER_SK = 0xF0F0;
    uint128 public constant PRICE = 1e16;
    uint128 public constant STAKE = 1e17; // 10 tokens' worth
    address public constant ISSUER = address(0x1550E);
    address[2] public relays = [address(0xAA01), address(0xAA02)];
    address[2] public users = [address(0xBB01), address(0xBB02)];

    uint256 public totalIn; // deposits + stake
    uint256 public totalOut; // redemptions + reclaims
    uint256 public deposited;
    uint256 public paidForTokens; // redemptions + reclaims
    uint256 public tokensPaidFor; // tokens deposited for
    uint256 public tokensIssued; // honest + over-issued tokens signed
    uint256 public overIssued;
    bool public wrongRevert;
    mapping(bytes4 => uint256) public calls;

    /// @dev Paid-for tokens not yet signed (the issuer signs when a holder asks).
    uint256 internal _unsigned;
    /// @dev Signed, never redeemed: (relay, epoch, serials, sig, count).
    struct Held {
        address relay;
        uint64 epoch;
        bytes serials;
        bytes sig;
    }
    Held[] internal _held;
    Held internal _last;
    uint256 internal _nonce;

    constructor() {
        vm.warp(1_000_000);
        token = new ObolToken(0);
        bank = new TicketBank(IERC20(address(token)), 1_000_000, 100, 2, STAKE);
        token.mint(ISSUER, 1e24);
        for (uint256 i; i < 2; ++i) token.mint(users[i], 1e24);
        vm.prank(ISSUER);
        token.approve(address(bank), type(uint256).max);
        for (uint256 i; i < 2; ++i) {
            vm.prank(users[i]);
            token.approve(address(bank), type(uint256).max);
        }
        bytes memory pk = publicKeyOf(SK);
        vm.prank(ISSUER);
        bank.registerIssuer(pk, PRICE, 0, STAKE);
        totalIn += STAKE;
    }

    function tokenDomain() internal view override returns (address, address) {
        return (address(bank), ISSUER);
    }

    /// Honest: any epoch the bank accepts.
    function deposit(uint256 u, uint8 ahead, uint8 count) external {
        _deposit(u, ahead, count);
        ++calls[this.deposit.selector];
    }

    /// Honest issuance of paid-for tokens naming any relay and any open epoch (the issuer cannot
    /// see either), redeemed right away by that relay: must pay n·price. Buys first if nothing is paid for.
    function redeem(uint256 r, uint8 count, uint8 back) external {
        if (_unsigned == 0) _deposit(r, back, count);
        uint256 n = bound(count, 1, _unsigned < 3 ? _unsigned : 3);
        _unsigned -= n;
        tokensIssued += n;
        _redeemNow(relays[r % 2], _openEpoch(back), n);
        ++calls[this.redeem.selector];
    }

    /// Honest issuance, tokens kept unspent by their buyer (reclaimed after the window).
    function hold(uint256 r, uint8 count, uint8 back) external {
        if (_unsigned == 0) _deposit(r, back, count);
        uint256 n = bound(count, 1, _unsigned < 3 ? _unsigned : 3);
        _unsigned -= n;
        tokensIssued += n;
        uint64 epoch = _openEpoch(back);
        (bytes memory serials, bytes memory sig) = batch(SK, relays[r % 2], epoch, ++_nonce, n);
        _held.push(Held(relays[r % 2], epoch, serials, sig));
        ++calls[this.hold.selector];
    }

    /// Honest buyer: reclaims held tokens whose window closed; must pay exactly their price.
    function reclaim(uint256 i) external {
        if (_held.length == 0) return;
        uint256 k = i % _held.length;
        Held memory h = _held[k];
        if (block.timestamp < bank.redeemDeadline(h.epoch)) return;
        _held[k] = _held[_held.length - 1];
        _held.pop();
        uint256 n = h.serials.length / 16;
        vm.prank(users[i % 2]);
        uint256 paid = bank.reclaim(ISSUER, h.relay, h.epoch, h.serials, h.sig);
        check(paid == n * PRICE, "reclaim pays price per token");
        totalOut += paid;
        paidForTokens += paid;
        ++calls[this.reclaim.selector];
    }

    /// A dishonest issuer signs without deposits, within its stake: relays are still paid in full.
    function overIssue(uint256 r, uint8 count) external {
        uint256 budget = bank.issuer(ISSUER).stake / PRICE;
        if (overIssued >= budget) return;
        uint256 n = bound(count, 1, budget - overIssued < 2 ? budget - overIssued : 2);
        overIssued += n;
        tokensIssued += n;
        _redeemNow(relays[r % 2], bank.currentEpoch(), n);
        ++calls[this.overIssue.selector];
    }

    /// Hostile: the last redeemed batch again, by its relay while the window is open and by
    /// anyone as a reclaim after it: refused as spent either way.
    function replay() external {
        Held memory l = _last;
        if (l.serials.length == 0) return;
        bool open = block.timestamp < bank.redeemDeadline(l.epoch);
        vm.prank(l.relay);
        _expectRevert(
            open
                ? abi.encodeCall(ITicketBank.redeem, (ISSUER, l.epoch, l.serials, l.sig))
                : abi.encodeCall(ITicketBank.reclaim, (ISSUER, l.relay, l.epoch, l.serials, l.sig)),
            ITicketBank.TicketBankTokenSpent.selector
        );
        ++calls[this.replay.selector];
    }

    /// Hostile: tokens under another key, refused as an invalid signature.
    function forge(uint256 r, uint8 count) external {
        address relay = relays[r % 2];
        uint64 epoch = bank.currentEpoch();
        (bytes memory serials, bytes memory sig) = batch(FORGER_SK, relay, epoch, ++_nonce, bound(count, 1, 2));
        vm.prank(relay);
        _expectRevert(
            abi.encodeCall(ITicketBank.redeem, (ISSUER, epoch, serials, sig)), ITicketBank.TicketBankInvalidSignature.selector
        );
        ++calls[this.forge.selector];
    }

    /// Hostile: a relay redeeming a held token after the window, refused as closed.
    function lateRedeem(uint256 i) external {
        if (_held.length == 0) return;
        Held memory h = _held[i % _held.length];
        if (block.timestamp < bank.redeemDeadline(h.epoch)) return;
        vm.prank(h.relay);
        _expectRevert(
            abi.encodeCall(ITicketBank.redeem, (ISSUER, h.epoch, h.serials, h.sig)),
            ITicketBank.TicketBankRedemptionClosed.selector
        );
        ++calls[this.lateRedeem.selector];
    }

    function addStake(uint8 amount) external {
        uint128 a = uint128(bound(amount, 1, 10)) * PRICE;
        vm.prank(ISSUER);
        bank.addStake(a);
        totalIn += a;
        ++calls[this.addStake.selector];
    }

    function warp(uint16 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 250));
        ++calls[this.warp.selector];
    }

    function heldTokens() external view returns (uint256 n) {
        for (uint256 i; i < _held.length; ++i) n += _held[i].serials.length / 16;
    }

    function _deposit(uint256 u, uint8 ahead, uint8 count) internal {
        uint64 epoch = bank.currentEpoch() + uint64(bound(ahead, 0, bank.MAX_EPOCHS_AHEAD()));
        uint32 n = uint32(bound(count, 1, 5));
        vm.prank(users[u % 2]);
        bank.deposit(ISSUER, epoch, n);
        totalIn += uint256(n) * PRICE;
        deposited += uint256(n) * PRICE;
        tokensPaidFor += n;
        _unsigned += n;
    }

    /// @dev current − back, never below 0 (always before its deadline).
    function _openEpoch(uint8 back) internal view returns (uint64) {
        uint64 current = bank.currentEpoch();
        return current - uint64(bound(back, 0, current < 1 ? current : 1));
    }

    function _redeemNow(address relay, uint64 epoch, uint256 n) internal {
        (bytes memory serials, bytes memory sig) = batch(SK, relay, epoch, ++_nonce, n);
        vm.prank(relay);
        uint256 paid = bank.redeem(ISSUER, epoch, serials, sig);
        check(paid == n * PRICE, "redeem pays price per token");
        totalOut += paid;
        paidForTokens += paid;
        _last = Held(relay, epoch, serials, sig);
    }

    function _expectRevert(bytes memory data, bytes4 selector) internal {
        (bool ok, bytes memory ret) = address(bank).call(data);
        if (ok || selectorOf(ret) != selector) wrongRevert = true;
    }
}

contract TicketBankInvariantTest {
    error InvariantBroken(string what);

    TicketBankHandler internal handler;

    function setUp() public {
        handler = new TicketBankHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The bank holds exactly what came in minus what went out: no token created or lost.
    function invariant_conservation() public view {
        if (handler.token().balanceOf(address(handler.bank())) != handler.totalIn() - handler.totalOut()) {
            revert InvariantBroken("custody");
        }
    }

    /// Every payout is one signed token at its price (honest handlers assert it per call), and
    /// what was paid beyond the deposits came out of the issuer's stake, never from nowhere.
    function invariant_payoutsAreTokensBackedByDepositsAndStake() public view {
        TicketBankHandler h = handler;
        if (h.paidForTokens() != (h.tokensIssued() - h.heldTokens()) * h.PRICE()) revert InvariantBroken("pay per token");
        uint256 stakePosted = h.totalIn() - h.deposited();
        uint256 stakeLeft = h.bank().issuer(h.ISSUER()).stake;
        if (h.paidForTokens() > h.deposited() + (stakePosted - stakeLeft)) revert InvariantBroken("overdraw");
        ITicketBank.Pool memory p = h.bank().pool(h.ISSUER());
        if (p.deposited != h.deposited() || p.paid > p.deposited) revert InvariantBroken("pool");
    }

    /// Hostile calls failed, each with its own error: no double pay, no forgery, no late redemption.
    function invariant_hostileCallsRefusedForTheRightReason() public view {
        if (handler.wrongRevert()) revert InvariantBroken("hostile call not refused as expected");
    }

    /// Stake only shrinks by draws, and only when honest money was not enough.
    function invariant_stakeAccounting() public view {
        ITicketBank.Issuer memory rec = handler.bank().issuer(handler.ISSUER());
        if (rec.stake > handler.totalIn() - handler.deposited()) revert InvariantBroken("stake grew");
    }

    /// After the campaign: the honest paths really ran (a handler that returned early every time
    /// would make the invariants above vacuous).
    function afterInvariant() public view {
        TicketBankHandler h = handler;
        if (h.calls(h.deposit.selector) + h.calls(h.redeem.selector) + h.calls(h.hold.selector) == 0) {
            revert InvariantBroken("honest handlers did not run");
        }
    }
}
