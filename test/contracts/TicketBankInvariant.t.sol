// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TicketBank} from "../../contracts/TicketBank.sol";
import {ITicketBank} from "../../contracts/interfaces/ITicketBank.sol";
import {ObolToken} from "../../contracts/ObolToken.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TicketBankBase} from "./TicketBankBase.sol";

/**
 * @dev Invariant handler: random sequences of deposits, honest redemptions,
 * over-issued redemptions (the issuer signs without deposits), replays,
 * forgeries, refunds, stake moves and time jumps over 2 relays and 2 users,
 * with ghost totals the invariants compare with.
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
    uint256 public totalOut; // payouts + refunds + withdrawn stake
    uint256 public paidToRelays;
    uint256 public deposited;
    bool public doublePay;
    bool public forgedPaid;
    uint256 internal _nonce;
    uint256[] internal _deposits;
    mapping(bytes32 token => bool) internal _redeemed;
    bytes internal _lastSerials;
    bytes internal _lastSig;
    address internal _lastRelay;
    uint64 internal _lastEpoch;

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

    function deposit(uint256 u, uint8 ahead, uint8 count) external {
        uint64 epoch = bank.currentEpoch() + uint64(bound(ahead, 0, 2));
        uint32 n = uint32(bound(count, 1, 5));
        vm.prank(users[u % 2]);
        try bank.deposit(ISSUER, epoch, n) returns (uint256 id) {
            _deposits.push(id);
            totalIn += uint256(n) * PRICE;
            deposited += uint256(n) * PRICE;
        } catch {}
    }

    /// Honest or over-issued tokens alike: the issuer signs whatever is asked; only the bank's cap holds.
    function redeem(uint256 r, uint8 count, uint8 back) external {
        address relay = relays[r % 2];
        uint64 current = bank.currentEpoch();
        uint64 epoch = current - uint64(bound(back, 0, current < 2 ? current : 2));
        uint256 n = bound(count, 1, 3);
        (bytes memory serials, bytes memory sig) = batch(SK, relay, epoch, ++_nonce, n);
        _redeemAs(relay, epoch, serials, sig, n);
    }

    function replay() external {
        if (_lastSerials.length == 0) return;
        vm.prank(_lastRelay);
        try bank.redeem(ISSUER, _lastEpoch, _lastSerials, _lastSig) returns (uint256 paid) {
            doublePay = true;
            totalOut += paid;
        } catch {}
    }

    function forge(uint256 r, uint8 count) external {
        address relay = relays[r % 2];
        uint64 epoch = bank.currentEpoch();
        (bytes memory serials, bytes memory sig) = batch(FORGER_SK, relay, epoch, ++_nonce, bound(count, 1, 2));
        vm.prank(relay);
        try bank.redeem(ISSUER, epoch, serials, sig) returns (uint256 paid) {
            forgedPaid = true;
            totalOut += paid;
        } catch {}
    }

    function refund(uint256 i) external {
        if (_deposits.length == 0) return;
        uint256 id = _deposits[i % _deposits.length];
        ITicketBank.Deposit memory d = bank.depositOf(id);
        vm.prank(d.owner);
        try bank.refund(id) returns (uint256 amount) {
            totalOut += amount;
        } catch {}
    }

    function addStake(uint8 amount) external {
        uint128 a = uint128(bound(amount, 1, 10)) * PRICE;
        vm.prank(ISSUER);
        bank.addStake(a);
        totalIn += a;
    }

    function warp(uint16 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 250));
    }

    function _redeemAs(address relay, uint64 epoch, bytes memory serials, bytes memory sig, uint256 n) internal {
        vm.prank(relay);
        try bank.redeem(ISSUER, epoch, serials, sig) returns (uint256 paid) {
            for (uint256 i; i < n; ++i) {
                bytes32 key = keccak256(abi.encode(relay, epoch, bytes16(_slice16(serials, i))));
                if (_redeemed[key]) doublePay = true;
                _redeemed[key] = true;
            }
            totalOut += paid;
            paidToRelays += paid;
            _lastSerials = serials;
            _lastSig = sig;
            _lastRelay = relay;
            _lastEpoch = epoch;
        } catch {}
    }

    function _slice16(bytes memory b, uint256 i) internal pure returns (bytes16 out) {
        assembly ("memory-safe") {
            out := mload(add(add(b, 0x20), mul(i, 16)))
        }
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

    /// Relays were paid from deposits, and beyond them only by what the issuer's stake lost:
    /// paid ≤ deposits + (stake posted − stake left). Over-issued tokens can never take more.
    function invariant_payoutsCappedByDepositsAndStake() public view {
        uint256 stakePosted = handler.totalIn() - handler.deposited();
        uint256 stakeLeft = handler.bank().issuer(handler.ISSUER()).stake;
        if (handler.paidToRelays() > handler.deposited() + (stakePosted - stakeLeft)) revert InvariantBroken("overdraw");
    }

    /// No token pays twice, and no forged token pays at all.
    function invariant_noDoubleOrForgedPayment() public view {
        if (handler.doublePay()) revert InvariantBroken("double pay");
        if (handler.forgedPaid()) revert InvariantBroken("forgery paid");
    }

    /// The issuer's remaining stake plus what relays took never exceeds what was posted (stake only shrinks by draws).
    function invariant_stakeAccounting() public view {
        ITicketBank.Issuer memory rec = handler.bank().issuer(handler.ISSUER());
        if (rec.stake > handler.totalIn() - handler.deposited()) revert InvariantBroken("stake grew");
    }
}
