// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title ITicketBank
 * @notice Accounting scheme B (DESIGN §5B): users deposit ObolToken for blind
 * BLS12-381 tokens of an epoch; relays redeem the tokens bound to them in
 * batches with one aggregate pairing check. Construction: docs/tickets.md.
 */
interface ITicketBank {
    /// @notice A token issuer: BLS key (G2, EIP-2537 encoding), price, stake.
    struct Issuer {
        /// Token units paid for one token (deterministic mode) at deposit.
        uint128 price;
        /// Stake backing over-issuance; drawn when a pool runs dry.
        uint128 stake;
        /// Probabilistic redemption: a token wins with probability 2^-winBits and pays price·2^winBits.
        uint8 winBits;
        /// Set by {unbondIssuer}: no new deposits.
        bool unbonding;
        /// Last epoch any deposit was made for (stake stays locked until its deadline).
        uint64 lastDepositEpoch;
        /// 256-byte G2 public key (x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, 64 bytes each).
        bytes publicKey;
    }

    /// @notice Money deposited with one issuer (all epochs) and what was paid from it.
    struct Pool {
        uint128 deposited;
        uint128 paid;
        uint64 tokens;
    }

    /// @notice One user deposit, the unit the issuer signs against.
    struct Deposit {
        address owner;
        address issuer;
        uint64 epoch;
        uint32 count;
        uint128 amount;
    }

    // ───────────────────────────── errors ─────────────────────────────

    /// @notice A constructor parameter is out of range.
    /// @param parameter Name of the parameter.
    error TicketBankInvalidParameter(string parameter);

    /// @notice The caller is already a registered issuer.
    /// @param issuer The caller.
    error TicketBankIssuerExists(address issuer);

    /// @notice No issuer is registered at this address.
    /// @param issuer The address given.
    error TicketBankUnknownIssuer(address issuer);

    /// @notice Another issuer already registered this public key.
    /// @param keyHash keccak256 of the key.
    error TicketBankDuplicateKey(bytes32 keyHash);

    /// @notice Issuer stake below the minimum.
    /// @param stake Given stake.
    /// @param minimum Required minimum.
    error TicketBankStakeTooLow(uint256 stake, uint256 minimum);

    /// @notice Price is zero or winBits above {MAX_WIN_BITS}.
    error TicketBankInvalidTerms(uint256 price, uint8 winBits);

    /// @notice The issuer is unbonding and takes no new deposits.
    /// @param issuer The issuer.
    error TicketBankIssuerUnbonding(address issuer);

    /// @notice The issuer's stake cannot be withdrawn yet.
    /// @param availableAt Timestamp from which it can.
    error TicketBankStakeLocked(uint256 availableAt);

    /// @notice Deposit count is zero or above {MAX_DEPOSIT_COUNT}.
    /// @param count Given count.
    error TicketBankInvalidCount(uint256 count);

    /// @notice The deposit epoch is in the past or too far ahead.
    /// @param epoch Requested epoch.
    /// @param current Current epoch.
    error TicketBankInvalidEpoch(uint64 epoch, uint64 current);

    /// @notice The epoch's redemption window is still open (reclaims wait for it).
    /// @param closesAt Timestamp the window closes.
    error TicketBankRedemptionOpen(uint256 closesAt);

    /// @notice The epoch's redemption window has closed.
    /// @param closedAt Timestamp it closed.
    error TicketBankRedemptionClosed(uint256 closedAt);

    /// @notice Serials must be a non-empty multiple of 16 bytes, at most {MAX_BATCH} tokens.
    /// @param length Byte length given.
    error TicketBankInvalidSerials(uint256 length);

    /// @notice This token was already redeemed (its nullifier is set).
    /// @param serial Token serial.
    error TicketBankTokenSpent(bytes16 serial);

    /// @notice Probabilistic mode: the token did not win against the epoch beacon.
    /// @param serial Token serial.
    error TicketBankTokenNotWinner(bytes16 serial);

    /// @notice The aggregate signature does not verify for these tokens and this relay.
    error TicketBankInvalidSignature();

    /// @notice The epoch beacon cannot be taken yet.
    /// @param epoch The epoch.
    /// @param readyAt Timestamp from which it can.
    error TicketBankBeaconNotReady(uint64 epoch, uint256 readyAt);

    /// @notice The epoch beacon was already taken.
    /// @param epoch The epoch.
    error TicketBankBeaconAlreadySet(uint64 epoch);

    /// @notice Paying these tokens would exceed the issuer's pool remainder plus its stake.
    /// @param issuer The issuer.
    /// @param epoch The epoch.
    /// @param payout Amount the batch asks for.
    /// @param available Pool remainder plus stake.
    error TicketBankIssuerOverdrawn(address issuer, uint64 epoch, uint256 payout, uint256 available);

    // ───────────────────────────── events ─────────────────────────────

    /// @notice An issuer registered.
    event IssuerRegistered(address indexed issuer, bytes32 keyHash, uint128 price, uint8 winBits, uint256 stake);
    /// @notice Stake added.
    event IssuerStakeAdded(address indexed issuer, uint256 amount, uint256 stake);
    /// @notice The issuer stopped taking deposits.
    event IssuerUnbonding(address indexed issuer, uint256 stakeAvailableAt);
    /// @notice Stake withdrawn.
    event IssuerStakeWithdrawn(address indexed issuer, uint256 amount);
    /// @notice Stake paid to relays because a pool ran dry (over-issuance or lottery variance).
    event IssuerStakeDrawn(address indexed issuer, uint64 indexed epoch, uint256 amount);
    /// @notice A user deposited for `count` tokens.
    event Deposited(
        uint256 indexed depositId,
        address indexed owner,
        address indexed issuer,
        uint64 epoch,
        uint32 count,
        uint256 amount
    );
    /// @notice A relay redeemed `count` tokens.
    event Redeemed(
        address indexed relay,
        address indexed issuer,
        uint64 indexed epoch,
        uint256 count,
        uint256 paid,
        uint256 fromStake
    );
    /// @notice The lottery beacon of an epoch was fixed.
    event BeaconSet(uint64 indexed epoch, bytes32 beacon);
    /// @notice Unredeemed tokens of `relay` were paid to their holder after the epoch's window.
    event Reclaimed(
        address indexed holder,
        address indexed issuer,
        address indexed relay,
        uint64 epoch,
        uint256 count,
        uint256 paid,
        uint256 fromStake
    );

    // ───────────────────────────── functions ─────────────────────────────

    /**
     * @notice Registers the caller as an issuer with a BLS public key, terms and stake.
     * @dev Requirements: not registered; `publicKey` a 256-byte canonical G2 point in
     * the subgroup, not infinity, not used by another issuer; `price` > 0;
     * `winBits` ≤ MAX_WIN_BITS; `stake` ≥ minimum and approved. Emits {IssuerRegistered}.
     * @param publicKey G2 public key, EIP-2537 encoding.
     * @param price Token units per token.
     * @param winBits 0 for deterministic redemption, else lottery with p = 2^-winBits.
     * @param stake Stake pulled from the caller.
     */
    function registerIssuer(bytes calldata publicKey, uint128 price, uint8 winBits, uint128 stake) external;

    /**
     * @notice Adds stake. Emits {IssuerStakeAdded}.
     * @param amount Token units pulled from the caller.
     */
    function addStake(uint128 amount) external;

    /// @notice Stops new deposits; stake unlocks after the last deposited epoch's deadline. Emits {IssuerUnbonding}.
    function unbondIssuer() external;

    /// @notice Withdraws the remaining stake after unbonding and the lock. Emits {IssuerStakeWithdrawn}.
    function withdrawStake() external;

    /**
     * @notice Pays for `count` tokens of `epoch` from `issuer`.
     * @dev Requirements: issuer registered, not unbonding; 0 < count ≤ MAX_DEPOSIT_COUNT;
     * current ≤ epoch ≤ current + MAX_EPOCHS_AHEAD; price·count approved. Emits {Deposited}.
     * @param issuer The issuer that will sign.
     * @param epoch Epoch of the tokens.
     * @param count Number of tokens.
     * @return depositId Id the issuer signs against.
     */
    function deposit(address issuer, uint64 epoch, uint32 count) external returns (uint256 depositId);

    /**
     * @notice Redeems a batch of tokens bound to the caller.
     * @dev Token i's message is `chainId ‖ bank ‖ issuer ‖ caller ‖ epoch ‖ serial_i`
     * (8 ‖ 20 ‖ 20 ‖ 20 ‖ 8 ‖ 16 bytes), its nullifier keccak256 of that; the
     * contract checks e(σ, −g2) · e(Σ H(m_i), pk) = 1 with σ the sum of the token
     * signatures. Requirements: redemption window open; every nullifier unset;
     * in lottery mode the beacon is set and every token wins; payout ≤ pool
     * remainder + stake (one pool per issuer, whatever epoch the deposit named).
     * Emits {Redeemed} and, when stake is used, {IssuerStakeDrawn}.
     * @param issuer Issuer of the tokens.
     * @param epoch Epoch of the tokens.
     * @param serials Concatenated 16-byte serials.
     * @param signature Sum of the tokens' G1 signatures, 128 bytes EIP-2537.
     * @return paid Token units transferred to the caller.
     */
    function redeem(address issuer, uint64 epoch, bytes calldata serials, bytes calldata signature)
        external
        returns (uint256 paid);

    /**
     * @notice Fixes the lottery beacon of `epoch` (anyone; once; from the end of epoch+1).
     * @dev Emits {BeaconSet}.
     * @param epoch The epoch.
     */
    function setBeacon(uint64 epoch) external;

    /**
     * @notice Pays the holder for unredeemed tokens of `relay` once the epoch's redemption window closed.
     * @dev The refund path: a buyer gets back exactly the tokens it still holds, priced as a
     * redemption (in lottery mode only winners pay, price·2^winBits). Same checks as {redeem}
     * with `relay` in place of the caller; the caller is paid. Emits {Reclaimed} and, when
     * stake is used, {IssuerStakeDrawn}.
     * @param issuer Issuer of the tokens.
     * @param relay Relay the tokens name.
     * @param epoch Epoch of the tokens (its window must be closed).
     * @param serials Concatenated 16-byte serials.
     * @param signature Sum of the tokens' G1 signatures, 128 bytes EIP-2537.
     * @return paid Token units transferred to the caller.
     */
    function reclaim(address issuer, address relay, uint64 epoch, bytes calldata serials, bytes calldata signature)
        external
        returns (uint256 paid);

    /**
     * @notice Checks an aggregate signature for `relay`'s tokens without touching state.
     * @param issuer Issuer of the tokens.
     * @param relay Relay the tokens are bound to.
     * @param epoch Epoch of the tokens.
     * @param serials Concatenated 16-byte serials.
     * @param signature Aggregate G1 signature (128 bytes).
     * @return valid True iff the pairing equation holds.
     */
    function verifyBatch(address issuer, address relay, uint64 epoch, bytes calldata serials, bytes calldata signature)
        external
        view
        returns (bool valid);

    /**
     * @notice RFC 9380 hash_to_curve of each message under the bank's DST (a helper for clients and tests).
     * @param messages Messages.
     * @return points 128-byte G1 points.
     */
    function hashToG1Batch(bytes[] calldata messages) external view returns (bytes[] memory points);

    /// @notice Whether this token has been redeemed.
    function isSpent(address issuer, address relay, uint64 epoch, bytes16 serial) external view returns (bool);

    /// @notice Whether this token wins the lottery (false while the beacon is unset).
    function isWinner(address issuer, address relay, uint64 epoch, bytes16 serial) external view returns (bool);

    /// @notice The issuer record.
    function issuer(address account) external view returns (Issuer memory);

    /// @notice The pool of an issuer (deposits of every epoch).
    function pool(address issuer_) external view returns (Pool memory);

    /// @notice A deposit record.
    function depositOf(uint256 depositId) external view returns (Deposit memory);

    /// @notice The beacon of an epoch (zero while unset).
    function beacon(uint64 epoch) external view returns (bytes32);

    /// @notice The epoch now, from genesis and duration.
    function currentEpoch() external view returns (uint64);

    /// @notice Timestamp at which `epoch`'s redemption window closes.
    function redeemDeadline(uint64 epoch) external view returns (uint256);

    /// @notice The hash-to-curve domain separation tag.
    function DST() external view returns (bytes memory);
}
