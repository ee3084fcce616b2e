// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PaymentChannels} from "../../contracts/PaymentChannels.sol";
import {IPaymentChannels} from "../../contracts/interfaces/IPaymentChannels.sol";
import {ObolToken} from "../../contracts/ObolToken.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {PaymentChannelsBase} from "./PaymentChannelsBase.sol";


/**
 * @dev Invariant handler: drives random sequences of opens, top-ups, closures,
 * honest redemptions (tickets signed with vm.sign), replays and forgeries over
 * 3 sources × 3 destinations, and keeps ghost totals the invariants compare with.
 *
 * Honest handlers never return without acting and never revert (the suite runs
 * with `failOnRevert: true`): each first brings its channel into the state it
 * needs (open, funded, pending), then does its work, and counts it. Attack
 * handlers expect a revert and check its selector; an unexpected reason is recorded.
 */
contract PaymentChannelsHandler is PaymentChannelsBase {
    ObolToken public token;
    PaymentChannels public pc;
    uint256[3] internal sourceKeys = [uint256(0x5001), 0x5002, 0x5003];
    address[3] public destinations = [address(0xD001), address(0xD002), address(0xD003)];
    uint96 internal constant MAX_FUNDING = 1e24;

    uint256 public funded;
    uint256 public refunded;
    uint256 public redeemed;
    bool public doublePay;
    bool public replayPaid;
    bool public forgedPaid;
    /// @dev An attack reverted for another reason than the one its mutation implies.
    bool public unexpectedRevert;
    /// @dev Honest handler calls begun, and finished with their state change done.
    uint256 public honestCalls;
    uint256 public honestDone;
    uint256 public redemptions;
    uint256 public attacksRefused;
    mapping(bytes32 ticketKey => bool) internal _paid;
    mapping(bytes32 channelId => IPaymentChannels.RedeemableTicket) internal _last;

    constructor() {
        token = new ObolToken(0);
        pc = new PaymentChannels(IERC20(address(token)), 100);
        for (uint256 i; i < 3; ++i) {
            address s = vm.addr(sourceKeys[i]);
            token.mint(s, type(uint96).max / 4);
            vm.prank(s);
            token.approve(address(pc), type(uint256).max);
            commitRound(pc, destinations[i]);
        }
    }

    /// @dev Every handler call (honest, warp, attack).
    uint256 public calls;

    modifier counted() {
        ++calls;
        _;
    }

    modifier honest() {
        ++calls;
        ++honestCalls;
        _;
        ++honestDone;
    }

    function source(uint256 i) public view returns (address) {
        return vm.addr(sourceKeys[i % 3]);
    }

    function sourceCount() external pure returns (uint256) {
        return 3;
    }

    /// @dev Brings `s → d` to Open with at least `minBalance` (closing a pending one first).
    function _ensureOpen(uint256 s, uint256 d, uint96 minBalance) private returns (IPaymentChannels.Channel memory ch) {
        address src = source(s);
        address dst = destinations[d % 3];
        ch = pc.channel(src, dst);
        if (ch.status == IPaymentChannels.ChannelStatus.PendingToClose) {
            if (block.timestamp < ch.closureTime) vm.warp(ch.closureTime);
            vm.prank(src);
            pc.finalizeClosure(dst);
            refunded += ch.balance;
            ch = pc.channel(src, dst);
        }
        if (ch.status == IPaymentChannels.ChannelStatus.Closed) {
            vm.prank(src);
            pc.openChannel(dst, minBalance);
            funded += minBalance;
        } else if (ch.balance < minBalance) {
            vm.prank(src);
            pc.fundChannel(dst, minBalance);
            funded += minBalance;
        }
        ch = pc.channel(src, dst);
    }

    function open(uint256 s, uint256 d, uint96 amount) external honest {
        amount = uint96(bound(amount, 1, MAX_FUNDING));
        IPaymentChannels.Channel memory ch = pc.channel(source(s), destinations[d % 3]);
        if (ch.status == IPaymentChannels.ChannelStatus.Closed) {
            vm.prank(source(s));
            pc.openChannel(destinations[d % 3], amount);
            funded += amount;
        } else {
            _ensureOpen(s, d, 1);
            vm.prank(source(s));
            pc.fundChannel(destinations[d % 3], amount);
            funded += amount;
        }
    }

    function fund(uint256 s, uint256 d, uint96 amount) external honest {
        amount = uint96(bound(amount, 1, MAX_FUNDING));
        _ensureOpen(s, d, 1);
        vm.prank(source(s));
        pc.fundChannel(destinations[d % 3], amount);
        funded += amount;
    }

    function initiate(uint256 s, uint256 d) external honest {
        _ensureOpen(s, d, 1);
        vm.prank(source(s));
        pc.initiateClosure(destinations[d % 3]);
    }

    function warp(uint256 secs) external counted {
        vm.warp(block.timestamp + bound(secs, 1, 200));
    }

    function finalize(uint256 s, uint256 d) external honest {
        IPaymentChannels.Channel memory ch = pc.channel(source(s), destinations[d % 3]);
        if (ch.status != IPaymentChannels.ChannelStatus.PendingToClose) {
            _ensureOpen(s, d, 1);
            vm.prank(source(s));
            pc.initiateClosure(destinations[d % 3]);
            ch = pc.channel(source(s), destinations[d % 3]);
        }
        if (block.timestamp < ch.closureTime) vm.warp(ch.closureTime);
        vm.prank(source(s));
        pc.finalizeClosure(destinations[d % 3]);
        refunded += ch.balance;
    }

    function closeByDestination(uint256 s, uint256 d) external honest {
        IPaymentChannels.Channel memory ch = pc.channel(source(s), destinations[d % 3]);
        if (ch.status == IPaymentChannels.ChannelStatus.Closed) ch = _ensureOpen(s, d, 1);
        vm.prank(destinations[d % 3]);
        pc.closeByDestination(source(s));
        refunded += ch.balance;
    }

    /// @dev Next honest index: above the last redeemed one and inside round 1.
    function _nextIndex(IPaymentChannels.Channel memory ch, uint8 jump) private pure returns (uint48) {
        uint48 last = ch.ticketIndex < R1 ? R1 : ch.ticketIndex;
        return last + 1 + (jump % 3);
    }

    /// @dev Honest path: a valid, winning ticket for the next index(es).
    function redeem(uint256 s, uint256 d, uint96 amount, uint8 jump, uint256 response) external honest {
        address dest = destinations[d % 3];
        IPaymentChannels.Channel memory ch = _ensureOpen(s, d, 1);
        amount = uint96(bound(amount, 1, ch.balance));
        IPaymentChannels.RedeemableTicket memory t =
            signedTicket(pc, sourceKeys[s % 3], dest, amount, _nextIndex(ch, jump), ch.epoch, ALWAYS, bound(response, 1, N - 1));
        vm.prank(dest);
        pc.redeemTicket(t);
        _record(t, ch.epoch);
    }

    /// @dev Two tickets of one channel in one batch.
    function redeemBatch(uint256 s, uint256 d, uint256 response) external honest {
        IPaymentChannels.Channel memory ch = _ensureOpen(s, d, 2);
        IPaymentChannels.RedeemableTicket[] memory batch = new IPaymentChannels.RedeemableTicket[](2);
        for (uint256 i; i < 2; ++i) batch[i] = _batchTicket(s, d, ch, i, response);
        vm.prank(destinations[d % 3]);
        pc.redeemTickets(batch);
        _record(batch[0], ch.epoch);
        _record(batch[1], ch.epoch);
    }

    function _batchTicket(uint256 s, uint256 d, IPaymentChannels.Channel memory ch, uint256 i, uint256 response)
        private
        view
        returns (IPaymentChannels.RedeemableTicket memory)
    {
        return signedTicket(
            pc, sourceKeys[s % 3], destinations[d % 3], ch.balance / 2, _nextIndex(ch, 0) + uint48(i), ch.epoch, ALWAYS, bound(response, 1, N - 3) + i
        );
    }

    /// @dev Attack: resubmit the last paid ticket of a channel. Refused as a replay, or as void
    /// once its channel closed (WrongStatus) or reopened in a new epoch (WrongEpoch).
    function replay(uint256 s, uint256 d) external counted {
        address dest = destinations[d % 3];
        bytes32 id = pc.channelId(source(s), dest);
        IPaymentChannels.RedeemableTicket memory t = _last[id];
        if (t.source == address(0)) return;
        vm.prank(dest);
        try pc.redeemTicket(t) {
            replayPaid = true;
        } catch (bytes memory err) {
            bytes4 sel = bytes4(err);
            _refused(
                sel == IPaymentChannels.PaymentChannelsIndexNotIncreasing.selector
                    || sel == IPaymentChannels.PaymentChannelsWrongStatus.selector
                    || sel == IPaymentChannels.PaymentChannelsWrongEpoch.selector
            );
        }
    }

    /// @dev Attack: a ticket on a real channel signed by someone else's key: refused as a forgery.
    function forge(uint256 s, uint256 d, uint256 forgerKey, uint96 amount) external counted {
        forgerKey = bound(forgerKey, 1, N - 1);
        if (forgerKey == sourceKeys[s % 3]) return;
        address dest = destinations[d % 3];
        IPaymentChannels.Channel memory ch = _ensureOpen(s, d, 1);
        IPaymentChannels.RedeemableTicket memory t = signedTicket(
            pc, forgerKey, dest, uint96(bound(amount, 1, ch.balance)), _nextIndex(ch, 0), ch.epoch, ALWAYS, 42
        );
        t.source = source(s);
        t.channel = pc.channelId(t.source, dest);
        (t.r, t.vs) = signDigest(forgerKey, pc.ticketDigest(t.channel, t.amount, t.index, t.epoch, t.winProb, t.challenge));
        vm.prank(dest);
        try pc.redeemTicket(t) {
            forgedPaid = true;
        } catch (bytes memory err) {
            _refused(bytes4(err) == IPaymentChannels.PaymentChannelsInvalidSignature.selector);
        }
    }

    function _refused(bool forTheRightReason) private {
        if (forTheRightReason) ++attacksRefused;
        else unexpectedRevert = true;
    }

    function _record(IPaymentChannels.RedeemableTicket memory t, uint24 epoch) private {
        bytes32 key = keccak256(abi.encode(t.channel, epoch, t.index));
        if (_paid[key]) doublePay = true;
        _paid[key] = true;
        _last[t.channel] = t;
        redeemed += t.amount;
        ++redemptions;
    }
}


/// @dev Invariants of PaymentChannels under random call sequences (handler pattern).
contract PaymentChannelsInvariantTest is PaymentChannelsBase {
    PaymentChannelsHandler internal handler;

    error InvariantBroken(string what);

    function setUp() public {
        handler = new PaymentChannelsHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function _sumBalances() internal view returns (uint256 sum) {
        for (uint256 s; s < 3; ++s) {
            for (uint256 d; d < 3; ++d) sum += handler.pc().channel(handler.source(s), handler.destinations(d)).balance;
        }
    }

    /// Sum of channel balances + redeemed == funded − withdrawn, and the contract holds exactly the balances.
    function invariant_conservation() public view {
        uint256 sum = _sumBalances();
        if (sum + handler.redeemed() != handler.funded() - handler.refunded()) revert InvariantBroken("ledger");
        if (handler.token().balanceOf(address(handler.pc())) != sum) revert InvariantBroken("custody");
    }

    /// Destinations received exactly what was redeemed: no token created or lost.
    function invariant_destinationsPaidExactlyRedeemed() public view {
        uint256 paid;
        for (uint256 d; d < 3; ++d) paid += handler.token().balanceOf(handler.destinations(d));
        if (paid != handler.redeemed()) revert InvariantBroken("payouts");
    }

    /// No (channel, epoch, index) ever pays twice, and a replayed winner never pays.
    function invariant_noTicketPaysTwice() public view {
        if (handler.doublePay() || handler.replayPaid()) revert InvariantBroken("double pay");
    }

    /// Only the source's signature spends from its channel.
    function invariant_onlySourceSignatureSpends() public view {
        if (handler.forgedPaid()) revert InvariantBroken("forgery paid");
    }

    /// Every attack was refused for the reason its mutation implies.
    function invariant_attacksRefusedForTheirReason() public view {
        if (handler.unexpectedRevert()) revert InvariantBroken("attack refused for an unexpected reason");
    }

    /// After each run: honest calls happened, each finished its state change, and money moved.
    /// (The runner also evaluates this on the untouched setUp state, where nothing was called yet.)
    function afterInvariant() public view {
        if (handler.honestDone() != handler.honestCalls()) revert InvariantBroken("an honest call did not finish");
        if (handler.calls() == 0) return;
        if (handler.honestCalls() == 0) revert InvariantBroken("no honest call ran");
        if (handler.funded() == 0) revert InvariantBroken("nothing was ever funded");
    }
}
