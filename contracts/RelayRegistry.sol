// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRelayRegistry} from "./interfaces/IRelayRegistry.sol";
import {SwapOrNot} from "./lib/SwapOrNot.sol";

/**
 * @title RelayRegistry
 * @notice The directory of the stratified mixnet: staked gateways and mixes,
 * their keys (in force from the epoch after they are committed), multiaddrs,
 * time-based epochs with on-chain randomness, a balanced per-epoch layer
 * assignment of mixes, unbonding, and fault / slash hooks for the accounting
 * contracts. docs/registry.md specifies every rule implemented here.
 */
contract RelayRegistry is IRelayRegistry, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Role of accounting contracts allowed to record faults and slash.
    bytes32 public constant FAULT_RECORDER_ROLE = keccak256("FAULT_RECORDER_ROLE");
    /// @notice Longest accepted multiaddr in bytes.
    uint256 public constant MAX_MULTIADDR_LENGTH = 256;
    /// @notice Longest accepted BLS/VRF key (an uncompressed EIP-2537 G2 point).
    uint256 public constant MAX_BLS_KEY_LENGTH = 256;
    /// @notice Number of mix layers between the entry and exit gateways (DESIGN §4).
    uint8 public constant MIX_LAYERS = 3;

    uint8 private constant _ROLE_GATEWAY = 0;
    uint8 private constant _ROLE_MIX = 1;
    uint8 private constant _STATUS_NONE = 0;
    uint8 private constant _STATUS_ACTIVE = 1;
    uint8 private constant _STATUS_UNBONDING = 2;
    uint64 private constant _NEVER = type(uint64).max;

    struct Relay {
        uint256 stake;
        uint64 activeFrom;
        uint64 exitEpoch;
        uint64 unlockAt;
        uint8 role;
        uint8 status;
        /// Position in `_relayList` plus one (0 = not in the list).
        uint32 position;
        string multiaddr;
    }

    /// One value of a versioned field, in force from epoch `fromEpoch` on (one storage slot).
    struct Version {
        uint64 fromEpoch;
        uint192 value;
    }

    struct KeySet {
        bytes32 mixKey;
        uint64 fromEpoch;
        bytes blsKey;
    }

    IERC20 private immutable _token;
    uint64 private immutable _genesis;
    uint64 private immutable _epochDuration;
    uint64 private immutable _unbondingDelay;
    uint256 private immutable _minStake;
    address private immutable _slashSink;

    mapping(address relay => Relay) private _relays;
    address[] private _relayList;
    /// Append-only: keys survive withdrawal so past epochs stay answerable.
    mapping(address relay => KeySet[]) private _keys;
    mapping(uint64 epoch => bytes32 seed) private _seeds;
    mapping(address relay => uint256 count) private _faults;
    /// keccak256(blsKey) → the relay that first committed it (never released: keys outlive withdrawal).
    mapping(bytes32 keyHash => address relay) private _blsKeyOwner;
    /// Open audits (or other accounting claims) the relay's stake answers for; withdraw waits for 0.
    mapping(address relay => uint256 count) private _holds;
    /// Epochs after the exit epoch before stake unlocks (covers the accounting's reveal window).
    uint64 private _exitLag;
    /// Frozen membership (docs/registry.md): per role, a dense array of the listed relays, versioned by
    /// epoch. A change made in epoch c writes versions from c + 1, so epochs ≤ c never change again.
    mapping(uint8 role => mapping(uint256 index => Version[] relay)) private _memberAt;
    mapping(uint8 role => Version[] count) private _memberCount;
    mapping(address relay => Version[] index) private _memberIndex;

    /**
     * @param token_ ObolToken used for stake.
     * @param epochDuration_ Seconds per epoch (> 0); epoch 0 starts at deployment.
     * @param minStake_ Minimum stake to register (> 0).
     * @param unbondingDelay_ Seconds after the exit epoch starts before stake unlocks.
     * @param slashSink_ Receiver of slashed stake (non-zero).
     * @dev The deployer becomes DEFAULT_ADMIN_ROLE and grants FAULT_RECORDER_ROLE.
     */
    constructor(address token_, uint64 epochDuration_, uint256 minStake_, uint64 unbondingDelay_, address slashSink_) {
        if (token_ == address(0)) revert RelayRegistryInvalidConfiguration("token");
        if (epochDuration_ == 0) revert RelayRegistryInvalidConfiguration("epochDuration");
        if (minStake_ == 0) revert RelayRegistryInvalidConfiguration("minStake");
        if (slashSink_ == address(0)) revert RelayRegistryInvalidConfiguration("slashSink");
        _token = IERC20(token_);
        _genesis = uint64(block.timestamp);
        _epochDuration = epochDuration_;
        _minStake = minStake_;
        _unbondingDelay = unbondingDelay_;
        _slashSink = slashSink_;
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }

    /// @dev Every state-changing call first fixes the current epoch's seed.
    modifier opensEpoch() {
        _openEpoch();
        _;
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: valid role, non-zero mix key, key and multiaddr lengths
     * in range, `stake >= minStake`, caller has no record, allowance granted.
     * Emits {RelayRegistered} (and {EpochOpened} when first call of the epoch).
     */
    function register(uint8 role, bytes32 mixKey, bytes calldata blsKey, string calldata multiaddr, uint256 stake)
        external
        nonReentrant
        opensEpoch
    {
        if (role > _ROLE_MIX) revert RelayRegistryInvalidRole(role);
        _validateKeys(mixKey, blsKey);
        _validateMultiaddr(multiaddr);
        if (stake < _minStake) revert RelayRegistryStakeTooLow(stake, _minStake);
        Relay storage r = _relays[msg.sender];
        if (r.status != _STATUS_NONE) revert RelayRegistryAlreadyRegistered(msg.sender);

        uint64 next = currentEpoch() + 1;
        _relayList.push(msg.sender);
        r.stake = stake;
        r.activeFrom = next;
        r.exitEpoch = _NEVER;
        r.role = role;
        r.status = _STATUS_ACTIVE;
        r.position = uint32(_relayList.length);
        r.multiaddr = multiaddr;
        _commitKeys(msg.sender, mixKey, blsKey, next);
        _join(msg.sender, role, next);
        emit RelayRegistered(msg.sender, role, stake, next, mixKey, blsKey, multiaddr);
        _token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: caller active; non-zero mix key; key length in range.
     * A second update within one epoch replaces the pending keys. Emits {KeysUpdated}.
     */
    function updateKeys(bytes32 mixKey, bytes calldata blsKey) external opensEpoch {
        _requireActive(msg.sender);
        _validateKeys(mixKey, blsKey);
        uint64 next = currentEpoch() + 1;
        _commitKeys(msg.sender, mixKey, blsKey, next);
        emit KeysUpdated(msg.sender, mixKey, blsKey, next);
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: caller registered (active or unbonding); length in range.
     * Emits {MultiaddrUpdated}.
     */
    function updateMultiaddr(string calldata multiaddr) external opensEpoch {
        Relay storage r = _relays[msg.sender];
        if (r.status == _STATUS_NONE) revert RelayRegistryNotRegistered(msg.sender);
        _validateMultiaddr(multiaddr);
        r.multiaddr = multiaddr;
        emit MultiaddrUpdated(msg.sender, multiaddr);
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: `amount > 0`; caller active; allowance granted. Emits {StakeAdded}.
     */
    function addStake(uint256 amount) external nonReentrant opensEpoch {
        if (amount == 0) revert RelayRegistryZeroAmount();
        Relay storage r = _requireActive(msg.sender);
        r.stake += amount;
        emit StakeAdded(msg.sender, amount, r.stake);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: caller active. The relay stays listed in the current
     * epoch and leaves from the next; stake unlocks `unbondingDelay` seconds
     * after that next epoch starts. Emits {Unbonded}.
     */
    function unbond() external opensEpoch {
        _startUnbonding(msg.sender, _requireActive(msg.sender));
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: caller unbonding, `block.timestamp >= unlockAt` and no
     * stake hold left (every audit the relay is part of closed).
     * Faults and key history are kept. Emits {Withdrawn}.
     */
    function withdraw() external nonReentrant opensEpoch {
        Relay storage r = _relays[msg.sender];
        if (r.status == _STATUS_NONE) revert RelayRegistryNotRegistered(msg.sender);
        if (r.status != _STATUS_UNBONDING) revert RelayRegistryNotUnbonding(msg.sender);
        if (block.timestamp < r.unlockAt) revert RelayRegistryStillLocked(msg.sender, r.unlockAt);
        uint256 holds = _holds[msg.sender];
        if (holds != 0) revert RelayRegistryStakeHeld(msg.sender, holds);
        uint256 amount = r.stake;
        _removeFromList(r.position);
        delete _relays[msg.sender];
        emit Withdrawn(msg.sender, amount);
        if (amount > 0) _token.safeTransfer(msg.sender, amount);
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Anyone may call; idempotent within an epoch. Emits {EpochOpened} the first time.
     */
    function openEpoch() external returns (bytes32 seed) {
        return _openEpoch();
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: FAULT_RECORDER_ROLE; non-zero relay; `epoch <= currentEpoch()`.
     * The relay need not be registered any more (faults outlive withdrawal).
     * Emits {FaultRecorded}.
     */
    function recordFault(address relay, uint64 epoch, bytes32 reason)
        external
        onlyRole(FAULT_RECORDER_ROLE)
        opensEpoch
    {
        if (relay == address(0)) revert RelayRegistryInvalidRelay();
        uint64 current = currentEpoch();
        if (epoch > current) revert RelayRegistryFutureEpoch(epoch, current);
        uint256 count = ++_faults[relay];
        emit FaultRecorded(relay, epoch, reason, msg.sender, count);
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: FAULT_RECORDER_ROLE; relay registered; `0 < amount <= stake`.
     * An active relay left below `minStake` is unbonded (leaves from the next epoch).
     * Emits {Slashed} and possibly {Unbonded}.
     */
    function slash(address relay, uint256 amount, bytes32 reason)
        external
        nonReentrant
        onlyRole(FAULT_RECORDER_ROLE)
        opensEpoch
    {
        if (amount == 0) revert RelayRegistryZeroAmount();
        Relay storage r = _relays[relay];
        if (r.status == _STATUS_NONE) revert RelayRegistryNotRegistered(relay);
        if (amount > r.stake) revert RelayRegistrySlashExceedsStake(relay, amount, r.stake);
        // unchecked: amount <= r.stake was checked just above.
        unchecked {
            r.stake -= amount;
        }
        emit Slashed(relay, amount, _slashSink, reason);
        if (r.status == _STATUS_ACTIVE && r.stake < _minStake) _startUnbonding(relay, r);
        _token.safeTransfer(_slashSink, amount);
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: FAULT_RECORDER_ROLE. Relays need not be registered (a
     * hold on an unknown address only blocks a later withdrawal of its own).
     * Emits {StakeHeld} per relay.
     */
    function holdStake(address[] calldata relays_) external onlyRole(FAULT_RECORDER_ROLE) {
        for (uint256 i; i < relays_.length; ++i) {
            uint256 count = ++_holds[relays_[i]];
            emit StakeHeld(relays_[i], msg.sender, count);
        }
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: FAULT_RECORDER_ROLE; each relay holds at least one hold.
     * Emits {StakeReleased} per relay.
     */
    function releaseStake(address[] calldata relays_) external onlyRole(FAULT_RECORDER_ROLE) {
        for (uint256 i; i < relays_.length; ++i) {
            uint256 count = _holds[relays_[i]];
            if (count == 0) revert RelayRegistryNoHold(relays_[i]);
            // count > 0 checked above.
            unchecked {
                _holds[relays_[i]] = count - 1;
            }
            emit StakeReleased(relays_[i], msg.sender, count - 1);
        }
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Requirements: DEFAULT_ADMIN_ROLE; `epochs <= 64`. Applies to relays
     * that unbond from now on. Emits {ExitLagSet}.
     */
    function setExitLag(uint64 epochs) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (epochs > 64) revert RelayRegistryInvalidConfiguration("exitLag");
        _exitLag = epochs;
        emit ExitLagSet(epochs);
    }

    /// @inheritdoc IRelayRegistry
    function holdsOf(address relay) external view returns (uint256) {
        return _holds[relay];
    }

    /// @inheritdoc IRelayRegistry
    function exitLag() external view returns (uint64) {
        return _exitLag;
    }

    /// @inheritdoc IRelayRegistry
    function blsKeyOwner(bytes calldata blsKey) external view returns (address) {
        return _blsKeyOwner[keccak256(blsKey)];
    }

    /// @inheritdoc IRelayRegistry
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IRelayRegistry
    function genesis() external view returns (uint64) {
        return _genesis;
    }

    /// @inheritdoc IRelayRegistry
    function epochDuration() external view returns (uint64) {
        return _epochDuration;
    }

    /// @inheritdoc IRelayRegistry
    function minStake() external view returns (uint256) {
        return _minStake;
    }

    /// @inheritdoc IRelayRegistry
    function unbondingDelay() external view returns (uint64) {
        return _unbondingDelay;
    }

    /// @inheritdoc IRelayRegistry
    function slashSink() external view returns (address) {
        return _slashSink;
    }

    /// @inheritdoc IRelayRegistry
    function currentEpoch() public view returns (uint64) {
        // genesis is the deployment timestamp, so the subtraction cannot underflow.
        return uint64((block.timestamp - _genesis) / _epochDuration);
    }

    /// @inheritdoc IRelayRegistry
    function epochSeed(uint64 epoch) public view returns (bytes32 seed) {
        seed = _seeds[epoch];
        if (seed == bytes32(0)) revert RelayRegistryEpochNotOpen(epoch);
    }

    /// @inheritdoc IRelayRegistry
    function keysAt(address relay, uint64 epoch) public view returns (bytes32 mixKey, bytes memory blsKey) {
        KeySet[] storage history = _keys[relay];
        for (uint256 i = history.length; i > 0; --i) {
            KeySet storage k = history[i - 1];
            if (k.fromEpoch <= epoch) return (k.mixKey, k.blsKey);
        }
        revert RelayRegistryKeysNotAvailable(relay, epoch);
    }

    /// @inheritdoc IRelayRegistry
    function layerOf(address relay, uint64 epoch) external view returns (uint8) {
        Relay storage r = _relays[relay];
        if (!_isListed(r, epoch)) revert RelayRegistryNotListed(relay, epoch);
        bytes32 seed = epochSeed(epoch);
        if (r.role == _ROLE_GATEWAY) return 0;
        return _mixLayer(relay, epoch, seed);
    }

    /// @inheritdoc IRelayRegistry
    function listedCount(uint64 epoch, uint8 role) public view returns (uint256) {
        return _readVersion(_memberCount[role], epoch);
    }

    /// @inheritdoc IRelayRegistry
    function listedAt(uint64 epoch, uint8 role, uint256 index) public view returns (address) {
        uint256 count = listedCount(epoch, role);
        if (index >= count) revert RelayRegistryIndexOutOfRange(index, count);
        return address(uint160(_readVersion(_memberAt[role][index], epoch)));
    }

    /// @inheritdoc IRelayRegistry
    function layerSize(uint64 epoch, uint8 layer) public view returns (uint256) {
        if (layer > MIX_LAYERS + 1) revert RelayRegistryInvalidLayer(layer);
        if (layer == 0 || layer == MIX_LAYERS + 1) return listedCount(epoch, _ROLE_GATEWAY);
        // Ranks layer − 1, layer + 2, … below the mix count.
        return (listedCount(epoch, _ROLE_MIX) + MIX_LAYERS - layer) / MIX_LAYERS;
    }

    /// @inheritdoc IRelayRegistry
    function layerMember(uint64 epoch, uint8 layer, uint256 j) external view returns (address) {
        uint256 size = layerSize(epoch, layer);
        if (j >= size) revert RelayRegistryIndexOutOfRange(j, size);
        if (layer == 0 || layer == MIX_LAYERS + 1) return listedAt(epoch, _ROLE_GATEWAY, j);
        bytes32 seed = epochSeed(epoch);
        uint256 mixes = listedCount(epoch, _ROLE_MIX);
        uint256 index = SwapOrNot.unpermute(j * MIX_LAYERS + layer - 1, mixes, seed);
        return address(uint160(_readVersion(_memberAt[_ROLE_MIX][index], epoch)));
    }

    /// @inheritdoc IRelayRegistry
    function isListed(address relay, uint64 epoch) external view returns (bool) {
        return _isListed(_relays[relay], epoch);
    }

    /// @inheritdoc IRelayRegistry
    function faults(address relay) external view returns (uint256) {
        return _faults[relay];
    }

    /// @inheritdoc IRelayRegistry
    function relayCount() external view returns (uint256) {
        return _relayList.length;
    }

    /// @inheritdoc IRelayRegistry
    function relayAt(uint256 index) external view returns (address) {
        if (index >= _relayList.length) revert RelayRegistryIndexOutOfRange(index, _relayList.length);
        return _relayList[index];
    }

    /// @inheritdoc IRelayRegistry
    function relayInfo(address relay) public view returns (RelayInfo memory info) {
        Relay storage r = _relays[relay];
        return RelayInfo(relay, r.role, r.status, r.stake, r.activeFrom, r.exitEpoch, r.unlockAt, r.multiaddr);
    }

    /// @inheritdoc IRelayRegistry
    function relays(uint256 offset, uint256 limit) external view returns (RelayInfo[] memory page) {
        (uint256 start, uint256 end) = _clip(offset, limit);
        page = new RelayInfo[](end - start);
        for (uint256 i = start; i < end; ++i) page[i - start] = relayInfo(_relayList[i]);
    }

    /**
     * @inheritdoc IRelayRegistry
     * @dev Reverts {RelayRegistryEpochNotOpen} when the epoch's seed is not fixed.
     * Exact for the current and next-but-unopened epochs' membership; for past
     * epochs exact while no relay listed then has withdrawn (docs/registry.md).
     */
    function directory(uint64 epoch, uint256 offset, uint256 limit)
        external
        view
        returns (DirectoryEntry[] memory page)
    {
        bytes32 seed = epochSeed(epoch);
        (uint256 start, uint256 end) = _clip(offset, limit);
        page = new DirectoryEntry[](end - start);
        for (uint256 i = start; i < end; ++i) {
            address relay = _relayList[i];
            Relay storage r = _relays[relay];
            DirectoryEntry memory e = page[i - start];
            e.relay = relay;
            e.role = r.role;
            e.multiaddr = r.multiaddr;
            e.stake = r.stake;
            if (!_isListed(r, epoch)) continue;
            e.listed = true;
            (e.mixKey, e.blsKey) = keysAt(relay, epoch);
            if (r.role == _ROLE_MIX) e.layer = _mixLayer(relay, epoch, seed);
        }
    }

    function _openEpoch() private returns (bytes32 seed) {
        uint64 epoch = currentEpoch();
        seed = _seeds[epoch];
        if (seed != bytes32(0)) return seed;
        // prevrandao of the first block in the epoch that touches the registry;
        // membership of this epoch was fixed before it began (docs/registry.md).
        seed = keccak256(abi.encode(block.prevrandao, epoch, address(this)));
        _seeds[epoch] = seed;
        emit EpochOpened(epoch, seed);
    }

    function _startUnbonding(address relay, Relay storage r) private {
        uint64 exitEpoch = currentEpoch() + 1;
        uint64 unlockAt = _genesis + (exitEpoch + _exitLag) * _epochDuration + _unbondingDelay;
        r.status = _STATUS_UNBONDING;
        r.exitEpoch = exitEpoch;
        r.unlockAt = unlockAt;
        _leave(relay, r.role, exitEpoch);
        emit Unbonded(relay, exitEpoch, unlockAt);
    }

    function _commitKeys(address relay, bytes32 mixKey, bytes calldata blsKey, uint64 fromEpoch) private {
        if (blsKey.length != 0) {
            // One VRF key, one relay: a copied key would let its copier replay the owner's loops.
            bytes32 keyHash = keccak256(blsKey);
            address owner = _blsKeyOwner[keyHash];
            if (owner == address(0)) _blsKeyOwner[keyHash] = relay;
            else if (owner != relay) revert RelayRegistryDuplicateBlsKey(relay, owner);
        }
        KeySet[] storage history = _keys[relay];
        uint256 n = history.length;
        if (n > 0 && history[n - 1].fromEpoch == fromEpoch) {
            // Still pending (not in force yet): replace rather than grow the history.
            history[n - 1].mixKey = mixKey;
            history[n - 1].blsKey = blsKey;
        } else {
            history.push(KeySet(mixKey, fromEpoch, blsKey));
        }
    }

    function _removeFromList(uint32 position) private {
        uint256 last = _relayList.length - 1;
        uint256 index = position - 1;
        if (index != last) {
            address moved = _relayList[last];
            _relayList[index] = moved;
            _relays[moved].position = position;
        }
        _relayList.pop();
    }

    function _requireActive(address relay) private view returns (Relay storage r) {
        r = _relays[relay];
        if (r.status == _STATUS_NONE) revert RelayRegistryNotRegistered(relay);
        if (r.status == _STATUS_UNBONDING) revert RelayRegistryIsUnbonding(relay);
    }

    function _isListed(Relay storage r, uint64 epoch) private view returns (bool) {
        return r.status != _STATUS_NONE && r.activeFrom <= epoch && epoch < r.exitEpoch;
    }

    /// @dev Layer of a mix listed in `epoch`: 1 + (rank mod 3), rank = SwapOrNot image of its frozen index.
    function _mixLayer(address relay, uint64 epoch, bytes32 seed) private view returns (uint8) {
        uint256 index = _readVersion(_memberIndex[relay], epoch);
        uint256 rank = SwapOrNot.permute(index, listedCount(epoch, _ROLE_MIX), seed);
        return uint8(1 + (rank % MIX_LAYERS));
    }

    /// @dev Appends `relay` to its role's member array from epoch `from` (the pending view).
    function _join(address relay, uint8 role, uint64 from) private {
        uint256 index = _latestVersion(_memberCount[role]);
        _writeVersion(_memberAt[role][index], from, uint160(relay));
        _writeVersion(_memberIndex[relay], from, index);
        _writeVersion(_memberCount[role], from, index + 1);
    }

    /// @dev Removes `relay` from its role's member array from epoch `from`: the last member takes its index.
    function _leave(address relay, uint8 role, uint64 from) private {
        uint256 index = _latestVersion(_memberIndex[relay]);
        uint256 last = _latestVersion(_memberCount[role]) - 1;
        if (index != last) {
            address moved = address(uint160(_latestVersion(_memberAt[role][last])));
            _writeVersion(_memberAt[role][index], from, uint160(moved));
            _writeVersion(_memberIndex[moved], from, index);
        }
        _writeVersion(_memberCount[role], from, last);
    }

    /// @dev Sets the value from epoch `from` (≥ every earlier version): replaces a version of the same epoch.
    function _writeVersion(Version[] storage history, uint64 from, uint256 value) private {
        uint256 n = history.length;
        if (n > 0 && history[n - 1].fromEpoch == from) history[n - 1].value = uint192(value);
        else history.push(Version(from, uint192(value)));
    }

    /// @dev The newest value (the pending view), 0 when never written.
    function _latestVersion(Version[] storage history) private view returns (uint256) {
        uint256 n = history.length;
        return n == 0 ? 0 : history[n - 1].value;
    }

    /// @dev The value in force at `epoch` (binary search, O(log versions)); 0 before the first version.
    function _readVersion(Version[] storage history, uint64 epoch) private view returns (uint256) {
        uint256 lo;
        uint256 hi = history.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (history[mid].fromEpoch <= epoch) lo = mid + 1;
            else hi = mid;
        }
        return lo == 0 ? 0 : history[lo - 1].value;
    }

    function _clip(uint256 offset, uint256 limit) private view returns (uint256 start, uint256 end) {
        uint256 n = _relayList.length;
        start = offset < n ? offset : n;
        end = limit > n - start ? n : start + limit;
    }

    function _validateKeys(bytes32 mixKey, bytes calldata blsKey) private pure {
        if (mixKey == bytes32(0)) revert RelayRegistryInvalidMixKey();
        if (blsKey.length > MAX_BLS_KEY_LENGTH) revert RelayRegistryInvalidBlsKey(blsKey.length);
    }

    function _validateMultiaddr(string calldata multiaddr) private pure {
        uint256 length = bytes(multiaddr).length;
        if (length == 0 || length > MAX_MULTIADDR_LENGTH) revert RelayRegistryInvalidMultiaddr(length);
    }
}
