// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IPaymentChannels
 * @notice Unidirectional ERC-20 payment channels paid with probabilistic,
 * proof-of-relay tickets (Obol accounting scheme A, DESIGN §5A, docs/channels.md).
 *
 * A channel is identified by `keccak256(abi.encode(source, destination))`. The
 * source funds it; the destination redeems winning tickets the source signed as
 * EIP-712 typed data `Ticket{channel, amount, index, epoch, winProb, challenge}`.
 * A ticket is redeemable when the destination shows the `response` whose
 * secp256k1 point `response·G` has the Ethereum address `challenge`, and wins
 * when the top 56 bits of `keccak256(digest ‖ response ‖ roundSecret)` are at
 * most `winProb`. `roundSecret` is the destination's secret for the lottery
 * round named by the ticket's index (`index >> 24`), committed on chain as
 * `keccak256(roundSecret)` before any ticket of that round was signed and
 * revealed only at redemption: the source cannot know it when it signs, so it
 * cannot sign only losing tickets, and the destination cannot change it after
 * seeing tickets (docs/channels.md §Win rule).
 */
interface IPaymentChannels {
    /// @notice Life cycle of a channel. `Closed` also covers "never opened".
    enum ChannelStatus {
        Closed,
        Open,
        PendingToClose
    }

    /**
     * @notice Channel state, packed into one storage slot (208 bits).
     * @param balance tokens left to pay tickets with
     * @param ticketIndex index of the last redeemed ticket; the next must be higher
     * @param epoch channel epoch, incremented on every (re)opening; tickets of older epochs are void
     * @param closureTime when the source may finalize its closure (0 unless PendingToClose)
     * @param status life-cycle state
     */
    struct Channel {
        uint96 balance;
        uint48 ticketIndex;
        uint24 epoch;
        uint32 closureTime;
        ChannelStatus status;
    }

    /**
     * @notice A ticket as the destination submits it for redemption.
     * @param source the channel source, whose signature this is
     * @param channel the channel id the source signed (must be `channelId(source, msg.sender)`)
     * @param amount tokens the ticket pays if it wins
     * @param index strictly increasing per channel and epoch
     * @param epoch channel epoch the ticket was issued in
     * @param winProb win threshold: the ticket wins when its 56-bit luck is ≤ winProb
     * @param challenge address of the point `response·G` the source committed to
     * @param response secp256k1 scalar unlocked by the next hop's delivery receipt
     * @param r signature r (EIP-2098 compact form)
     * @param vs signature yParity and s (EIP-2098 compact form)
     * @param roundSecret the caller's secret of the round `index >> 24` (its keccak256 is the commitment)
     */
    struct RedeemableTicket {
        address source;
        bytes32 channel;
        uint96 amount;
        uint48 index;
        uint24 epoch;
        uint56 winProb;
        address challenge;
        uint256 response;
        bytes32 r;
        bytes32 vs;
        bytes32 roundSecret;
    }

    /// @notice A channel was opened (or reopened) in a new epoch.
    event ChannelOpened(bytes32 indexed channelId, address indexed source, address indexed destination, uint24 epoch);
    /// @notice Tokens were added to a channel; `balance` is the new balance.
    event ChannelFunded(bytes32 indexed channelId, uint96 amount, uint96 balance);
    /// @notice The source asked to close; it may finalize at `closureTime`.
    event ChannelClosureInitiated(bytes32 indexed channelId, uint32 closureTime);
    /// @notice A channel was closed and `refunded` tokens returned to the source.
    event ChannelClosed(bytes32 indexed channelId, uint96 refunded);
    /// @notice `destination` committed `commitment = keccak256(secret)` for its lottery round `round`.
    event RoundCommitted(address indexed destination, uint24 indexed round, bytes32 commitment);

    /// @notice A winning ticket paid `amount` to the destination.
    event TicketRedeemed(bytes32 indexed channelId, uint48 index, uint96 amount);

    /// @notice Amount is zero where tokens must move.
    error PaymentChannelsZeroAmount();
    /// @notice A channel to oneself or to the zero address.
    /// @param destination the rejected destination
    error PaymentChannelsInvalidDestination(address destination);
    /// @notice The channel is not in the state the call needs.
    /// @param channelId the channel
    /// @param status its current status
    error PaymentChannelsWrongStatus(bytes32 channelId, ChannelStatus status);
    /// @notice The source tried to finalize closure before the notice period ended.
    /// @param channelId the channel
    /// @param closureTime when finalizing becomes possible
    error PaymentChannelsNoticePeriodNotElapsed(bytes32 channelId, uint32 closureTime);
    /// @notice The balance would exceed uint96.
    /// @param channelId the channel
    error PaymentChannelsBalanceOverflow(bytes32 channelId);
    /// @notice The ticket names another channel than `channelId(source, msg.sender)`.
    /// @param signed the channel in the ticket
    /// @param expected the channel between the ticket's source and the caller
    error PaymentChannelsWrongChannel(bytes32 signed, bytes32 expected);
    /// @notice The ticket was issued in another channel epoch.
    /// @param channelId the channel
    /// @param ticketEpoch the ticket's epoch
    /// @param channelEpoch the channel's current epoch
    error PaymentChannelsWrongEpoch(bytes32 channelId, uint24 ticketEpoch, uint24 channelEpoch);
    /// @notice The ticket index is not above the last redeemed one (replay or reordering).
    /// @param channelId the channel
    /// @param index the ticket's index
    /// @param lastIndex the last redeemed index
    error PaymentChannelsIndexNotIncreasing(bytes32 channelId, uint48 index, uint48 lastIndex);
    /// @notice The ticket pays more than the channel holds.
    /// @param channelId the channel
    /// @param amount the ticket's amount
    /// @param balance the channel's balance
    error PaymentChannelsInsufficientBalance(bytes32 channelId, uint96 amount, uint96 balance);
    /// @notice The signature does not recover to the ticket's source.
    /// @param channelId the channel
    /// @param signer the recovered signer (zero if malformed)
    error PaymentChannelsInvalidSignature(bytes32 channelId, address signer);
    /// @notice `response·G` does not have the address `challenge` (or response is not a scalar in [1, n)).
    /// @param channelId the channel
    /// @param index the ticket's index
    error PaymentChannelsWrongResponse(bytes32 channelId, uint48 index);
    /// @notice The ticket is valid but did not win.
    /// @param channelId the channel
    /// @param index the ticket's index
    error PaymentChannelsTicketNotWinning(bytes32 channelId, uint48 index);
    /// @notice The round secret does not open the caller's commitment for the ticket's round (or none was made).
    /// @param channelId the channel
    /// @param round the ticket's round, `index >> 24`
    error PaymentChannelsWrongRoundSecret(bytes32 channelId, uint24 round);

    /// @notice A zero round commitment (zero means "no commitment").
    error PaymentChannelsZeroCommitment();

    /// @notice An empty batch.
    error PaymentChannelsEmptyBatch();

    /**
     * @notice Starts the caller's next lottery round: stores `commitment = keccak256(abi.encode(secret))`
     * for round `currentRound(msg.sender) + 1`. Tickets to the caller name a round in their index
     * (`index >> 24`); sources must only name rounds already committed.
     * Requirements: `commitment != 0`. Emits {RoundCommitted}.
     * @param commitment keccak256 of the round's 32-byte secret
     * @return round the round just started
     */
    function commitRound(bytes32 commitment) external returns (uint24 round);

    /**
     * @notice The latest round `destination` committed (0 = none yet).
     * @param destination a ticket redeemer
     * @return the round number
     */
    function currentRound(address destination) external view returns (uint24);

    /**
     * @notice The commitment of `destination` for `round` (zero if none).
     * @param destination a ticket redeemer
     * @param round the round
     * @return keccak256 of the round's secret
     */
    function roundCommitment(address destination, uint24 round) external view returns (bytes32);

    /**
     * @notice Opens (or reopens) the channel `msg.sender → destination` in a new epoch and funds it.
     * Requirements: the channel is Closed; `destination` is neither zero nor the caller; `amount > 0`;
     * the caller approved `amount` tokens. Emits {ChannelOpened} and {ChannelFunded}.
     * @param destination who may redeem tickets
     * @param amount initial balance
     */
    function openChannel(address destination, uint96 amount) external;

    /**
     * @notice Tops up the channel `msg.sender → destination`.
     * Requirements: the channel is Open; `amount > 0`; approval given. Emits {ChannelFunded}.
     * @param destination the channel's destination
     * @param amount tokens to add
     */
    function fundChannel(address destination, uint96 amount) external;

    /**
     * @notice Starts closure of `msg.sender → destination`; tickets stay redeemable during the notice period.
     * Requirements: the channel is Open. Emits {ChannelClosureInitiated}.
     * @param destination the channel's destination
     */
    function initiateClosure(address destination) external;

    /**
     * @notice Ends the source's closure after the notice period and refunds the balance to the source.
     * Requirements: PendingToClose and `block.timestamp >= closureTime`. Emits {ChannelClosed}.
     * @param destination the channel's destination
     */
    function finalizeClosure(address destination) external;

    /**
     * @notice Closes `source → msg.sender` at once (the destination gives up unredeemed tickets)
     * and refunds the balance to the source.
     * Requirements: Open or PendingToClose. Emits {ChannelClosed}.
     * @param source the channel's source
     */
    function closeByDestination(address source) external;

    /**
     * @notice Redeems one winning ticket of a channel whose destination is the caller.
     * Requirements: see {redeemTickets}. Emits {TicketRedeemed}.
     * @param ticket the ticket with its response and signature
     */
    function redeemTicket(RedeemableTicket calldata ticket) external;

    /**
     * @notice Redeems winning tickets, in order, with a single token transfer to the caller.
     * Requirements, per ticket: channel == channelId(source, caller); the channel is Open or
     * PendingToClose; epoch matches; index above the last redeemed; amount ≤ balance; the
     * source's EIP-712 signature; `response·G` has address `challenge`; the ticket wins.
     * Any failing ticket reverts the whole batch. Emits {TicketRedeemed} per ticket.
     * @param tickets the tickets, ascending index within each channel
     */
    function redeemTickets(RedeemableTicket[] calldata tickets) external;

    /// @notice The ERC-20 token the channels hold.
    function token() external view returns (address);

    /// @notice Seconds between {initiateClosure} and {finalizeClosure}.
    function noticePeriod() external view returns (uint32);

    /// @notice `keccak256(abi.encode(source, destination))`.
    function channelId(address source, address destination) external pure returns (bytes32);

    /// @notice State of the channel `source → destination`.
    function channel(address source, address destination) external view returns (Channel memory);

    /// @notice The EIP-712 digest the source signs for a ticket.
    function ticketDigest(
        bytes32 channel_,
        uint96 amount,
        uint48 index,
        uint24 epoch,
        uint56 winProb,
        address challenge
    ) external view returns (bytes32);

    /// @notice The EIP-712 domain separator for the current chain id.
    function domainSeparator() external view returns (bytes32);
}
