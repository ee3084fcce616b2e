// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ITicketBank} from "./interfaces/ITicketBank.sol";
import {BLS12381} from "./lib/BLS12381.sol";
import {HashToG1} from "./lib/HashToG1.sol";

/**
 * @title TicketBank
 * @notice Deposits for blind BLS12-381 tokens and their batched redemption by
 * relays (accounting scheme B). See docs/tickets.md for the construction.
 * @dev Money model (docs/tickets.md §4, issue 10): every deposit goes to ONE
 * pool per issuer. The issuer signs blind, so it cannot see the epoch or the
 * relay inside a token; per-epoch pools let a buyer pay into an unused epoch
 * and spend another epoch's money. Here every payout is one signed token
 * against the pool all tokens were paid into, then the issuer's stake; it
 * reverts beyond both. There are no pro-rata refunds (they cannot be tied to
 * the tokens a depositor spent): after a token's redemption window, whoever
 * holds it may {reclaim} it, paid like a redemption. So everybody is paid per
 * token held, and in deterministic mode the pool covers every token issued.
 * Token message: chainId (8) ‖ bank (20) ‖ issuer (20) ‖ relay (20) ‖ epoch (8)
 * ‖ serial (16) = 92 bytes; nullifier = keccak256(message).
 * Soundness of the 2-pair check: all tokens of a batch are signed under one
 * key and their messages are pairwise distinct (distinct nullifiers), so
 * e(Σσ_i, g2) = e(ΣH(m_i), pk) is plain same-key aggregate BLS; a relay that
 * lacks any σ_i must compute sk·H(m_i) for a fresh random-oracle point (CDH).
 */
contract TicketBank is ITicketBank, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Hash-to-curve DST of token messages (RFC 9380 §3.1 naming).
    bytes public constant DST = "OBOL_TICKETS_V2_BLS12381G1_XMD:SHA-256_SSWU_RO_";
    /// @notice Deposits may be made for at most this many epochs ahead.
    uint64 public constant MAX_EPOCHS_AHEAD = 8;
    /// @notice Largest token count of one deposit.
    uint32 public constant MAX_DEPOSIT_COUNT = 1_000_000;
    /// @notice Largest lottery exponent (p = 2^-16).
    uint8 public constant MAX_WIN_BITS = 16;
    /// @notice Largest batch of one redemption (≈ 10M gas, under Osaka's 2^24 per-transaction cap).
    uint256 public constant MAX_BATCH = 256;

    /// @dev Bytes of a token message (see the contract NatSpec).
    uint256 private constant _MESSAGE_SIZE = 92;

    /// @dev The G1 generator, EIP-2537 encoding (used to subgroup-check keys via PAIRING_CHECK).
    bytes private constant _G1 =
        hex"0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
        hex"0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";

    IERC20 private immutable _token;
    uint64 private immutable _genesis;
    uint64 private immutable _epochDuration;
    uint64 private immutable _redeemWindow;
    uint128 private immutable _minIssuerStake;

    mapping(address account => Issuer) private _issuers;
    mapping(bytes32 keyHash => address) private _keyOwner;
    mapping(address issuer => Pool) private _pools;
    mapping(uint256 depositId => Deposit) private _deposits;
    mapping(bytes32 nullifier => bool) private _spent;
    mapping(uint64 epoch => bytes32) private _beacons;
    uint256 private _depositCount;

    /**
     * @param token_ The ObolToken.
     * @param genesis_ Start of epoch 0 (same as RelayRegistry's).
     * @param epochDuration_ Seconds per epoch (same as RelayRegistry's).
     * @param redeemWindow_ Epochs after the grace epoch during which tokens stay redeemable.
     * @param minIssuerStake_ Minimum issuer stake.
     */
    constructor(IERC20 token_, uint64 genesis_, uint64 epochDuration_, uint64 redeemWindow_, uint128 minIssuerStake_) {
        if (address(token_) == address(0)) revert TicketBankInvalidParameter("token");
        if (epochDuration_ == 0) revert TicketBankInvalidParameter("epochDuration");
        if (redeemWindow_ == 0 || redeemWindow_ > 1_000) revert TicketBankInvalidParameter("redeemWindow");
        // Token messages carry the chain id as 8 bytes.
        if (block.chainid > type(uint64).max) revert TicketBankInvalidParameter("chainid");
        _token = token_;
        _genesis = genesis_;
        _epochDuration = epochDuration_;
        _redeemWindow = redeemWindow_;
        _minIssuerStake = minIssuerStake_;
    }

    /// @inheritdoc ITicketBank
    function registerIssuer(bytes calldata publicKey, uint128 price, uint8 winBits, uint128 stake) external nonReentrant {
        Issuer storage record = _issuers[msg.sender];
        if (record.publicKey.length != 0) revert TicketBankIssuerExists(msg.sender);
        if (price == 0 || winBits > MAX_WIN_BITS) revert TicketBankInvalidTerms(price, winBits);
        // price·2^winBits·MAX_BATCH must fit the pool arithmetic (uint128).
        if (price > type(uint96).max) revert TicketBankInvalidTerms(price, winBits);
        if (stake < _minIssuerStake) revert TicketBankStakeTooLow(stake, _minIssuerStake);
        bytes memory key = publicKey;
        BLS12381.checkG2(key);
        // PAIRING_CHECK subgroup-checks every input: it fails unless key ∈ G2.
        BLS12381.pairingCheck(bytes.concat(_G1, key));
        bytes32 keyHash = keccak256(key);
        if (_keyOwner[keyHash] != address(0)) revert TicketBankDuplicateKey(keyHash);
        _keyOwner[keyHash] = msg.sender;
        record.publicKey = key;
        record.price = price;
        record.winBits = winBits;
        record.stake = stake;
        emit IssuerRegistered(msg.sender, keyHash, price, winBits, stake);
        _token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @inheritdoc ITicketBank
    function addStake(uint128 amount) external nonReentrant {
        Issuer storage record = _requireIssuer(msg.sender);
        record.stake += amount;
        emit IssuerStakeAdded(msg.sender, amount, record.stake);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ITicketBank
    function unbondIssuer() external {
        Issuer storage record = _requireIssuer(msg.sender);
        if (record.unbonding) revert TicketBankIssuerUnbonding(msg.sender);
        record.unbonding = true;
        emit IssuerUnbonding(msg.sender, redeemDeadline(record.lastDepositEpoch));
    }

    /// @inheritdoc ITicketBank
    function withdrawStake() external nonReentrant {
        Issuer storage record = _requireIssuer(msg.sender);
        uint256 availableAt = redeemDeadline(record.lastDepositEpoch);
        if (!record.unbonding || block.timestamp < availableAt) revert TicketBankStakeLocked(availableAt);
        uint256 amount = record.stake;
        record.stake = 0;
        emit IssuerStakeWithdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ITicketBank
    function deposit(address issuer_, uint64 epoch, uint32 count) external nonReentrant returns (uint256 depositId) {
        Issuer storage record = _requireIssuer(issuer_);
        if (record.unbonding) revert TicketBankIssuerUnbonding(issuer_);
        if (count == 0 || count > MAX_DEPOSIT_COUNT) revert TicketBankInvalidCount(count);
        uint64 current = currentEpoch();
        if (epoch < current || epoch > current + MAX_EPOCHS_AHEAD) revert TicketBankInvalidEpoch(epoch, current);
        // price < 2^96 and count ≤ 10^6 < 2^20: the product fits uint128.
        uint128 amount = record.price * count;
        depositId = ++_depositCount;
        _deposits[depositId] = Deposit(msg.sender, issuer_, epoch, count, amount);
        Pool storage p = _pools[issuer_];
        p.deposited += amount;
        p.tokens += count;
        if (epoch > record.lastDepositEpoch) record.lastDepositEpoch = epoch;
        emit Deposited(depositId, msg.sender, issuer_, epoch, count, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ITicketBank
    function redeem(address issuer_, uint64 epoch, bytes calldata serials, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 paid)
    {
        uint256 deadline = redeemDeadline(epoch);
        if (block.timestamp >= deadline) revert TicketBankRedemptionClosed(deadline);
        uint256 n;
        uint256 fromStake;
        (paid, n, fromStake) = _redeem(issuer_, msg.sender, epoch, serials, signature);
        emit Redeemed(msg.sender, issuer_, epoch, n, paid, fromStake);
        _token.safeTransfer(msg.sender, paid);
    }

    /// @inheritdoc ITicketBank
    function reclaim(address issuer_, address relay, uint64 epoch, bytes calldata serials, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 paid)
    {
        uint256 deadline = redeemDeadline(epoch);
        if (block.timestamp < deadline) revert TicketBankRedemptionOpen(deadline);
        uint256 n;
        uint256 fromStake;
        (paid, n, fromStake) = _redeem(issuer_, relay, epoch, serials, signature);
        emit Reclaimed(msg.sender, issuer_, relay, epoch, n, paid, fromStake);
        _token.safeTransfer(msg.sender, paid);
    }

    /// @inheritdoc ITicketBank
    function setBeacon(uint64 epoch) external {
        uint256 readyAt = _epochStart(uint256(epoch) + 2);
        if (block.timestamp < readyAt) revert TicketBankBeaconNotReady(epoch, readyAt);
        if (_beacons[epoch] != 0) revert TicketBankBeaconAlreadySet(epoch);
        bytes32 value = keccak256(abi.encodePacked(block.prevrandao, blockhash(block.number - 1), epoch));
        _beacons[epoch] = value;
        emit BeaconSet(epoch, value);
    }

    /// @inheritdoc ITicketBank
    function verifyBatch(address issuer_, address relay, uint64 epoch, bytes calldata serials, bytes calldata signature)
        external
        view
        returns (bool valid)
    {
        Issuer storage record = _requireIssuer(issuer_);
        uint256 n = _batchSize(serials);
        bytes memory hasher = _newTokenHasher(issuer_, relay, epoch);
        bytes memory hashSum = new bytes(BLS12381.G1_SIZE);
        for (uint256 i = 0; i < n; ++i) {
            _setSerial(hasher, serials, i);
            HashToG1.addHash(hasher, hashSum);
        }
        valid = _pairing(signature, hashSum, record.publicKey);
    }

    /// @inheritdoc ITicketBank
    function hashToG1Batch(bytes[] calldata messages) external view returns (bytes[] memory points) {
        points = new bytes[](messages.length);
        for (uint256 i = 0; i < messages.length; ++i) points[i] = HashToG1.hashToG1(messages[i], DST);
    }

    /// @inheritdoc ITicketBank
    function isSpent(address issuer_, address relay, uint64 epoch, bytes16 serial) external view returns (bool) {
        return _spent[_nullifierOf(issuer_, relay, epoch, serial)];
    }

    /// @inheritdoc ITicketBank
    function isWinner(address issuer_, address relay, uint64 epoch, bytes16 serial) external view returns (bool) {
        bytes32 epochBeacon = _beacons[epoch];
        uint8 winBits = _issuers[issuer_].winBits;
        if (winBits == 0) return true;
        if (epochBeacon == 0) return false;
        return _wins(epochBeacon, _nullifierOf(issuer_, relay, epoch, serial), winBits);
    }

    /// @inheritdoc ITicketBank
    function issuer(address account) external view returns (Issuer memory) {
        return _issuers[account];
    }

    /// @inheritdoc ITicketBank
    function pool(address issuer_) external view returns (Pool memory) {
        return _pools[issuer_];
    }

    /// @inheritdoc ITicketBank
    function depositOf(uint256 depositId) external view returns (Deposit memory) {
        return _deposits[depositId];
    }

    /// @inheritdoc ITicketBank
    function beacon(uint64 epoch) external view returns (bytes32) {
        return _beacons[epoch];
    }

    /// @notice Token, genesis, epoch duration, redemption window and minimum issuer stake.
    function parameters() external view returns (address, uint64, uint64, uint64, uint128) {
        return (address(_token), _genesis, _epochDuration, _redeemWindow, _minIssuerStake);
    }

    /// @inheritdoc ITicketBank
    function currentEpoch() public view returns (uint64) {
        if (block.timestamp < _genesis) return 0;
        return uint64((block.timestamp - _genesis) / _epochDuration);
    }

    /// @inheritdoc ITicketBank
    function redeemDeadline(uint64 epoch) public view returns (uint256) {
        // Tokens of epoch e are spent during e and the grace epoch e+1, then redeemable for the window.
        return _epochStart(uint256(epoch) + 2 + _redeemWindow);
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev Spends and checks a batch of `relay`'s tokens, books the payout; returns (paid, n, fromStake).
    function _redeem(address issuer_, address relay, uint64 epoch, bytes calldata serials, bytes calldata signature)
        private
        returns (uint256 paid, uint256 n, uint256 fromStake)
    {
        Issuer storage record = _requireIssuer(issuer_);
        uint8 winBits = record.winBits;
        bytes memory hashSum;
        (hashSum, n) = _spendAndHash(issuer_, relay, epoch, serials, winBits);
        if (!_pairing(signature, hashSum, record.publicKey)) revert TicketBankInvalidSignature();
        paid = (uint256(record.price) << winBits) * n;
        fromStake = _pay(record, issuer_, epoch, paid);
    }

    /// @dev Sets every token's nullifier (reverting on a spent one or, in lottery mode, a loser)
    /// and returns Σ H(m_i) over the caller's token messages.
    function _spendAndHash(address issuer_, address relay, uint64 epoch, bytes calldata serials, uint8 winBits)
        private
        returns (bytes memory hashSum, uint256 n)
    {
        n = _batchSize(serials);
        bytes32 epochBeacon;
        if (winBits != 0) {
            epochBeacon = _beacons[epoch];
            if (epochBeacon == 0) revert TicketBankBeaconNotReady(epoch, _epochStart(uint256(epoch) + 2));
        }
        bytes memory hasher = _newTokenHasher(issuer_, relay, epoch);
        hashSum = new bytes(BLS12381.G1_SIZE);
        for (uint256 i = 0; i < n; ++i) {
            bytes16 serial = _setSerial(hasher, serials, i);
            bytes32 nullifier = _nullifier(hasher);
            // One slot computation for the check and the write: the nullifier word itself is the key.
            if (_spent[nullifier]) revert TicketBankTokenSpent(serial);
            _spent[nullifier] = true;
            if (winBits != 0 && !_wins(epochBeacon, nullifier, winBits)) revert TicketBankTokenNotWinner(serial);
            HashToG1.addHash(hasher, hashSum);
        }
    }

    /// @dev Books `payout` against the pool, then the stake; reverts beyond both. Returns the stake part.
    function _pay(Issuer storage record, address issuer_, uint64 epoch, uint256 payout)
        private
        returns (uint256 fromStake)
    {
        Pool storage p = _pools[issuer_];
        uint256 fromPool = p.deposited - p.paid;
        if (fromPool > payout) fromPool = payout;
        fromStake = payout - fromPool;
        if (fromStake > record.stake) revert TicketBankIssuerOverdrawn(issuer_, epoch, payout, fromPool + record.stake);
        // fromPool ≤ deposited − paid and fromStake ≤ stake, both uint128: no overflow or underflow.
        p.paid += uint128(fromPool);
        if (fromStake != 0) {
            record.stake -= uint128(fromStake);
            emit IssuerStakeDrawn(issuer_, epoch, fromStake);
        }
    }

    /// @dev e(signature, −g2) · e(hashSum, pk) = 1, after checking the signature encoding.
    function _pairing(bytes calldata signature, bytes memory hashSum, bytes storage publicKey)
        private
        view
        returns (bool)
    {
        bytes memory sig = signature;
        BLS12381.checkG1(sig);
        return BLS12381.pairingCheck(bytes.concat(sig, BLS12381.NEG_G2, hashSum, publicKey));
    }

    function _requireIssuer(address account) private view returns (Issuer storage record) {
        record = _issuers[account];
        if (record.publicKey.length == 0) revert TicketBankUnknownIssuer(account);
    }

    function _batchSize(bytes calldata serials) private pure returns (uint256 n) {
        if (serials.length == 0 || serials.length % 16 != 0) revert TicketBankInvalidSerials(serials.length);
        n = serials.length / 16;
        if (n > MAX_BATCH) revert TicketBankInvalidSerials(serials.length);
    }

    function _epochStart(uint256 epoch) private view returns (uint256) {
        return uint256(_genesis) + epoch * _epochDuration;
    }

    /// @dev A hasher for token messages with everything but the serial written:
    /// chainId (8) ‖ bank (20) ‖ issuer (20) ‖ relay (20) ‖ epoch (8) ‖ serial (16).
    function _newTokenHasher(address issuer_, address relay, uint64 epoch) private view returns (bytes memory hasher) {
        hasher = HashToG1.newHasher(DST, _MESSAGE_SIZE);
        uint256 m = HashToG1.messagePointer(hasher);
        assembly ("memory-safe") {
            // Ascending 32-byte writes, each field left-aligned: a later write overwrites the
            // previous one's zero spill. The last spills past the message: restore the suffix.
            let tail := mload(add(m, 92))
            mstore(m, shl(192, chainid()))
            mstore(add(m, 8), shl(96, address()))
            mstore(add(m, 28), shl(96, issuer_))
            mstore(add(m, 48), shl(96, relay))
            mstore(add(m, 68), shl(192, epoch))
            mstore(add(m, 92), tail)
        }
    }

    /// @dev Writes serial `i` of the packed list into bytes [76, 92) of the hasher's message.
    function _setSerial(bytes memory hasher, bytes calldata serials, uint256 i) private pure returns (bytes16 serial) {
        uint256 m = HashToG1.messagePointer(hasher);
        assembly ("memory-safe") {
            serial := and(calldataload(add(serials.offset, mul(i, 16))), not(sub(shl(128, 1), 1)))
            // Writes 16 serial bytes then 16 bytes of I2OSP(128,2) ‖ 0x00 ‖ DST_prime: restore them.
            let tail := mload(add(m, 92))
            mstore(add(m, 76), serial)
            mstore(add(m, 92), tail)
        }
    }

    /// @dev keccak256 of the 92-byte message in the hasher: domain, relay, epoch and serial.
    function _nullifier(bytes memory hasher) private pure returns (bytes32 nullifier) {
        uint256 m = HashToG1.messagePointer(hasher);
        assembly ("memory-safe") {
            nullifier := keccak256(m, 92)
        }
    }

    /// @dev The nullifier of one token, for the views.
    function _nullifierOf(address issuer_, address relay, uint64 epoch, bytes16 serial) private view returns (bytes32) {
        return keccak256(abi.encodePacked(uint64(block.chainid), address(this), issuer_, relay, epoch, serial));
    }

    /// @dev A token wins iff the top `winBits` bits of keccak256(beacon ‖ nullifier) are zero.
    function _wins(bytes32 epochBeacon, bytes32 nullifier, uint8 winBits) private pure returns (bool) {
        uint256 draw;
        assembly ("memory-safe") {
            mstore(0x00, epochBeacon)
            mstore(0x20, nullifier)
            draw := keccak256(0x00, 0x40)
        }
        return draw >> (256 - uint256(winBits)) == 0;
    }
}
