// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPaymentChannels} from "./interfaces/IPaymentChannels.sol";

/**
 * @title PaymentChannels
 * @notice Obol accounting scheme A: unidirectional channels over one ERC-20,
 * paid with probabilistic proof-of-relay tickets (docs/channels.md).
 *
 * Gas design: a channel is one packed storage slot and carries neither its
 * source nor destination (both come from calldata and are bound by the
 * channel id), so redeeming a ticket costs one cold SLOAD and one SSTORE; a
 * batch pays the caller with a single token transfer.
 */
contract PaymentChannels is IPaymentChannels, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev EIP-712 type of a ticket (DESIGN §5A field list).
    bytes32 private constant _TICKET_TYPEHASH = keccak256(
        "Ticket(bytes32 channel,uint96 amount,uint48 index,uint24 epoch,uint56 winProb,address challenge)"
    );
    /// @dev secp256k1 group order n (SEC 2 §2.4.1).
    uint256 private constant _N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev x coordinate of the secp256k1 generator G (its y is even, hence v = 27 below).
    uint256 private constant _GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;

    /// @dev A ticket's index carries its lottery round in the bits above these (docs/channels.md §Win rule).
    uint256 private constant _ROUND_SHIFT = 24;

    IERC20 private immutable _token;
    uint32 private immutable _noticePeriod;
    mapping(bytes32 channelId => Channel) private _channels;
    mapping(address destination => uint24) private _rounds;
    mapping(address destination => mapping(uint24 round => bytes32)) private _roundCommitments;

    /**
     * @param token_ the ERC-20 the channels hold (ObolToken; no fee-on-transfer tokens)
     * @param noticePeriod_ seconds a source waits between initiating and finalizing closure
     */
    constructor(IERC20 token_, uint32 noticePeriod_) EIP712("Obol PaymentChannels", "1") {
        _token = token_;
        _noticePeriod = noticePeriod_;
    }

    /// @inheritdoc IPaymentChannels
    function openChannel(address destination, uint96 amount) external nonReentrant {
        if (destination == address(0) || destination == msg.sender) {
            revert PaymentChannelsInvalidDestination(destination);
        }
        if (amount == 0) revert PaymentChannelsZeroAmount();
        bytes32 id = _channelId(msg.sender, destination);
        Channel storage ch = _channels[id];
        if (ch.status != ChannelStatus.Closed) revert PaymentChannelsWrongStatus(id, ch.status);
        // A fresh epoch voids every ticket of earlier incarnations of this channel.
        uint24 epoch = ch.epoch + 1;
        _channels[id] = Channel({
            balance: amount,
            ticketIndex: 0,
            epoch: epoch,
            closureTime: 0,
            status: ChannelStatus.Open
        });
        emit ChannelOpened(id, msg.sender, destination, epoch);
        emit ChannelFunded(id, amount, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPaymentChannels
    function fundChannel(address destination, uint96 amount) external nonReentrant {
        if (amount == 0) revert PaymentChannelsZeroAmount();
        bytes32 id = _channelId(msg.sender, destination);
        Channel storage ch = _channels[id];
        if (ch.status != ChannelStatus.Open) revert PaymentChannelsWrongStatus(id, ch.status);
        uint256 balance = uint256(ch.balance) + amount;
        if (balance > type(uint96).max) revert PaymentChannelsBalanceOverflow(id);
        ch.balance = uint96(balance);
        emit ChannelFunded(id, amount, uint96(balance));
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPaymentChannels
    function initiateClosure(address destination) external {
        bytes32 id = _channelId(msg.sender, destination);
        Channel storage ch = _channels[id];
        if (ch.status != ChannelStatus.Open) revert PaymentChannelsWrongStatus(id, ch.status);
        uint32 closureTime = uint32(block.timestamp) + _noticePeriod;
        ch.closureTime = closureTime;
        ch.status = ChannelStatus.PendingToClose;
        emit ChannelClosureInitiated(id, closureTime);
    }

    /// @inheritdoc IPaymentChannels
    function finalizeClosure(address destination) external nonReentrant {
        bytes32 id = _channelId(msg.sender, destination);
        Channel storage ch = _channels[id];
        if (ch.status != ChannelStatus.PendingToClose) revert PaymentChannelsWrongStatus(id, ch.status);
        if (block.timestamp < ch.closureTime) revert PaymentChannelsNoticePeriodNotElapsed(id, ch.closureTime);
        _close(id, ch, msg.sender);
    }

    /// @inheritdoc IPaymentChannels
    function closeByDestination(address source) external nonReentrant {
        bytes32 id = _channelId(source, msg.sender);
        Channel storage ch = _channels[id];
        if (ch.status == ChannelStatus.Closed) revert PaymentChannelsWrongStatus(id, ch.status);
        _close(id, ch, source);
    }

    /// @inheritdoc IPaymentChannels
    function commitRound(bytes32 commitment) external returns (uint24 round) {
        if (commitment == bytes32(0)) revert PaymentChannelsZeroCommitment();
        round = _rounds[msg.sender] + 1;
        _rounds[msg.sender] = round;
        _roundCommitments[msg.sender][round] = commitment;
        emit RoundCommitted(msg.sender, round, commitment);
    }

    /// @inheritdoc IPaymentChannels
    function currentRound(address destination) external view returns (uint24) {
        return _rounds[destination];
    }

    /// @inheritdoc IPaymentChannels
    function roundCommitment(address destination, uint24 round) external view returns (bytes32) {
        return _roundCommitments[destination][round];
    }

    /// @inheritdoc IPaymentChannels
    function redeemTicket(RedeemableTicket calldata ticket) external nonReentrant {
        uint96 amount = _redeem(ticket);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IPaymentChannels
    function redeemTickets(RedeemableTicket[] calldata tickets) external nonReentrant {
        uint256 n = tickets.length;
        if (n == 0) revert PaymentChannelsEmptyBatch();
        uint256 total;
        for (uint256 i; i < n; ) {
            total += _redeem(tickets[i]);
            // i < n ≤ calldata length, far below 2^256.
            unchecked {
                ++i;
            }
        }
        // One transfer for the whole batch: the main saving over per-ticket payouts.
        _token.safeTransfer(msg.sender, total);
    }

    /// @inheritdoc IPaymentChannels
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IPaymentChannels
    function noticePeriod() external view returns (uint32) {
        return _noticePeriod;
    }

    /// @inheritdoc IPaymentChannels
    function channelId(address source, address destination) external pure returns (bytes32) {
        return _channelId(source, destination);
    }

    /// @inheritdoc IPaymentChannels
    function channel(address source, address destination) external view returns (Channel memory) {
        return _channels[_channelId(source, destination)];
    }

    /// @inheritdoc IPaymentChannels
    function ticketDigest(
        bytes32 channel_,
        uint96 amount,
        uint48 index,
        uint24 epoch,
        uint56 winProb,
        address challenge
    ) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_TICKET_TYPEHASH, channel_, amount, index, epoch, winProb, challenge)));
    }

    /// @inheritdoc IPaymentChannels
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /**
     * @dev Checks one ticket against its channel and debits it. Checks run
     * cheapest-first; the state change is a single SSTORE of the packed slot.
     * @return amount the tokens the caller is owed for this ticket
     */
    function _redeem(RedeemableTicket calldata t) private returns (uint96 amount) {
        bytes32 id = _channelId(t.source, msg.sender);
        if (t.channel != id) revert PaymentChannelsWrongChannel(t.channel, id);
        Channel memory ch = _channels[id];
        if (ch.status == ChannelStatus.Closed) revert PaymentChannelsWrongStatus(id, ch.status);
        if (t.epoch != ch.epoch) revert PaymentChannelsWrongEpoch(id, t.epoch, ch.epoch);
        if (t.index <= ch.ticketIndex) revert PaymentChannelsIndexNotIncreasing(id, t.index, ch.ticketIndex);
        amount = t.amount;
        if (amount > ch.balance) revert PaymentChannelsInsufficientBalance(id, amount, ch.balance);

        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(_TICKET_TYPEHASH, id, amount, t.index, t.epoch, t.winProb, t.challenge))
        );
        (address signer, , ) = ECDSA.tryRecover(digest, t.r, t.vs);
        if (signer != t.source || signer == address(0)) revert PaymentChannelsInvalidSignature(id, signer);
        if (_pointAddress(t.response) != t.challenge) revert PaymentChannelsWrongResponse(id, t.index);
        // The round secret was committed before the source signed and is revealed only now, so the
        // source could not predict the luck below (no grinding); the commitment pins it for us too.
        uint24 round = uint24(t.index >> _ROUND_SHIFT);
        bytes32 commitment = _roundCommitments[msg.sender][round];
        if (commitment == bytes32(0) || keccak256(abi.encode(t.roundSecret)) != commitment) {
            revert PaymentChannelsWrongRoundSecret(id, round);
        }
        // Luck = top 56 bits of keccak256(digest ‖ response ‖ roundSecret); wins with probability (winProb + 1) / 2^56.
        if (uint56(uint256(keccak256(abi.encodePacked(digest, t.response, t.roundSecret))) >> 200) > t.winProb) {
            revert PaymentChannelsTicketNotWinning(id, t.index);
        }

        // amount ≤ balance was checked above.
        unchecked {
            ch.balance -= amount;
        }
        ch.ticketIndex = t.index;
        _channels[id] = ch;
        emit TicketRedeemed(id, t.index, amount);
    }

    /// @dev Refunds the balance to `source` and marks the channel Closed, keeping its epoch.
    function _close(bytes32 id, Channel storage ch, address source) private {
        uint96 refund = ch.balance;
        ch.balance = 0;
        ch.closureTime = 0;
        ch.status = ChannelStatus.Closed;
        emit ChannelClosed(id, refund);
        if (refund > 0) _token.safeTransfer(source, refund);
    }

    /**
     * @dev Ethereum address of the secp256k1 point k·G, computed with the
     * ecrecover precompile (3,000 gas): with hash 0, r = Gx and s = k·Gx mod n,
     * ecrecover returns r⁻¹·(s·R) = k·G. Returns 0 for k ∉ [1, n).
     */
    function _pointAddress(uint256 k) private pure returns (address) {
        if (k == 0 || k >= _N) return address(0);
        return ecrecover(bytes32(0), 27, bytes32(_GX), bytes32(mulmod(k, _GX, _N)));
    }

    function _channelId(address source, address destination) private pure returns (bytes32) {
        return keccak256(abi.encode(source, destination));
    }
}
