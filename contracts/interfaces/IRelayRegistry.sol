// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IRelayRegistry
 * @notice The on-chain directory of the Obol mix network (DESIGN §2, §4, §6):
 * staked relays, their keys, multiaddrs and per-epoch layers. The model
 * (epochs, key activation, layer assignment, unbonding, faults) is specified
 * in docs/registry.md.
 */
interface IRelayRegistry {
    /// @notice One relay record, as kept while the relay is registered or unbonding.
    struct RelayInfo {
        /// Registry id of the relay: its operator address.
        address relay;
        /// 0 = gateway (entry and exit), 1 = mix.
        uint8 role;
        /// 0 = none (never registered or withdrawn), 1 = active, 2 = unbonding.
        uint8 status;
        /// ObolToken units currently staked.
        uint256 stake;
        /// First epoch the relay is listed in.
        uint64 activeFrom;
        /// First epoch the relay is no longer listed in (type(uint64).max while active).
        uint64 exitEpoch;
        /// Timestamp from which `withdraw` succeeds (0 while active).
        uint64 unlockAt;
        /// libp2p multiaddr including `/p2p/<peerId>`.
        string multiaddr;
    }

    /// @notice One relay as the directory of one epoch shows it.
    struct DirectoryEntry {
        address relay;
        /// 0 = gateway, 1 = mix.
        uint8 role;
        /// Whether the relay is in the directory of the queried epoch.
        bool listed;
        /// 0 for gateways (they serve layers 0 and 4), 1..3 for mixes; 0 when not listed.
        uint8 layer;
        /// X25519 mix key in force at the queried epoch (zero when not listed).
        bytes32 mixKey;
        /// BLS12-381 / VRF key in force at the queried epoch (empty when unset or not listed).
        bytes blsKey;
        string multiaddr;
        uint256 stake;
    }

    /**
     * @notice A relay joined the directory; it is listed from epoch `activeFrom`.
     * @param relay Operator address (registry id).
     * @param role 0 = gateway, 1 = mix.
     * @param stake Stake pulled from the relay.
     * @param activeFrom First epoch the relay is listed in (the next epoch).
     * @param mixKey X25519 public key.
     * @param blsKey BLS12-381 / VRF public key bytes.
     * @param multiaddr libp2p multiaddr.
     */
    event RelayRegistered(
        address indexed relay,
        uint8 role,
        uint256 stake,
        uint64 activeFrom,
        bytes32 mixKey,
        bytes blsKey,
        string multiaddr
    );

    /// @notice New keys were committed.
    /// @param relay The operator.
    /// @param mixKey New X25519 key.
    /// @param blsKey New BLS12-381 / VRF key bytes.
    /// @param fromEpoch First epoch they are in force (the next one).
    event KeysUpdated(address indexed relay, bytes32 mixKey, bytes blsKey, uint64 fromEpoch);

    /// @notice The relay's multiaddr changed (takes effect at once).
    /// @param relay The operator.
    /// @param multiaddr The new multiaddr.
    event MultiaddrUpdated(address indexed relay, string multiaddr);

    /// @notice Stake was added.
    /// @param relay The operator.
    /// @param amount Tokens added.
    /// @param newStake The stake after adding.
    event StakeAdded(address indexed relay, uint256 amount, uint256 newStake);

    /// @notice The relay leaves the directory.
    /// @param relay The operator.
    /// @param exitEpoch First epoch it is no longer listed in.
    /// @param unlockAt Timestamp from which it may withdraw.
    event Unbonded(address indexed relay, uint64 exitEpoch, uint64 unlockAt);

    /// @notice The relay took its stake back and its record was removed.
    /// @param relay The operator.
    /// @param amount Tokens returned.
    event Withdrawn(address indexed relay, uint256 amount);

    /// @notice The randomness of an epoch was fixed.
    /// @param epoch The epoch.
    /// @param seed Its seed (docs/registry.md, "Randomness").
    event EpochOpened(uint64 indexed epoch, bytes32 seed);

    /// @notice A fault was recorded against a relay.
    /// @param relay The faulty relay.
    /// @param epoch Epoch of the fault.
    /// @param reason Scheme-defined reason code.
    /// @param recorder The FAULT_RECORDER_ROLE account that recorded it.
    /// @param count The relay's fault total after this one.
    event FaultRecorded(address indexed relay, uint64 indexed epoch, bytes32 reason, address recorder, uint256 count);

    /// @notice `recorder` holds `relay`'s stake for one more open audit (`holds` now).
    event StakeHeld(address indexed relay, address indexed recorder, uint256 holds);
    /// @notice `recorder` released one hold on `relay`'s stake (`holds` left).
    event StakeReleased(address indexed relay, address indexed recorder, uint256 holds);
    /// @notice Stake unlocks `epochs` epochs after the exit epoch (plus the unbonding delay).
    event ExitLagSet(uint64 epochs);
    /// @notice Part of a relay's stake was moved to the slash sink.
    /// @param relay The slashed relay.
    /// @param amount Tokens moved.
    /// @param sink Receiver.
    /// @param reason Scheme-defined reason code.
    event Slashed(address indexed relay, uint256 amount, address sink, bytes32 reason);

    /// @notice A constructor argument is unusable.
    /// @param field Its name.
    error RelayRegistryInvalidConfiguration(string field);
    /// @notice `blsKey` is already `owner`'s VRF key; every relay needs its own (generate a new key).
    error RelayRegistryDuplicateBlsKey(address relay, address owner);
    /// @notice `relay`'s stake still answers for `holds` open audits; withdraw once they are finalized.
    error RelayRegistryStakeHeld(address relay, uint256 holds);
    /// @notice `relay` has no stake hold to release.
    error RelayRegistryNoHold(address relay);
    /// @notice The role is neither 0 (gateway) nor 1 (mix).
    /// @param role The role given.
    error RelayRegistryInvalidRole(uint8 role);
    /// @notice The mix key is zero.
    error RelayRegistryInvalidMixKey();
    /// @notice The BLS/VRF key is longer than `MAX_BLS_KEY_LENGTH`.
    /// @param length Its length in bytes.
    error RelayRegistryInvalidBlsKey(uint256 length);
    /// @notice The multiaddr is empty or longer than `MAX_MULTIADDR_LENGTH`.
    /// @param length Its length in bytes.
    error RelayRegistryInvalidMultiaddr(uint256 length);
    /// @notice The stake offered is below the minimum.
    /// @param stake Amount offered.
    /// @param minimum Required minimum.
    error RelayRegistryStakeTooLow(uint256 stake, uint256 minimum);
    /// @notice An amount of zero was given.
    error RelayRegistryZeroAmount();
    /// @notice The relay already has a record (active or unbonding).
    /// @param relay The caller.
    error RelayRegistryAlreadyRegistered(address relay);
    /// @notice The relay has no record.
    /// @param relay The relay named or the caller.
    error RelayRegistryNotRegistered(address relay);
    /// @notice The relay is unbonding, so it cannot change stake or keys or unbond again.
    /// @param relay The caller.
    error RelayRegistryIsUnbonding(address relay);
    /// @notice The relay has not called `unbond`.
    /// @param relay The caller.
    error RelayRegistryNotUnbonding(address relay);
    /// @notice The relay's stake is still locked.
    /// @param relay The caller.
    /// @param unlockAt Timestamp from which `withdraw` succeeds.
    error RelayRegistryStillLocked(address relay, uint64 unlockAt);
    /// @notice The randomness of the epoch is not fixed yet (future epoch, or nobody opened it).
    /// @param epoch The epoch asked for.
    error RelayRegistryEpochNotOpen(uint64 epoch);
    /// @notice The epoch lies after the current one.
    /// @param epoch The epoch given.
    /// @param current The current epoch.
    error RelayRegistryFutureEpoch(uint64 epoch, uint64 current);
    /// @notice The relay is not in the directory of the epoch.
    /// @param relay The relay asked for.
    /// @param epoch The epoch asked for.
    error RelayRegistryNotListed(address relay, uint64 epoch);
    /// @notice No keys of the relay were in force at the epoch.
    /// @param relay The relay asked for.
    /// @param epoch The epoch asked for.
    error RelayRegistryKeysNotAvailable(address relay, uint64 epoch);
    /// @notice The relay address is zero.
    error RelayRegistryInvalidRelay();
    /// @notice The layer is not 0..4 (0 entry gateways, 1..3 mixes, 4 exit gateways).
    /// @param layer The layer asked for.
    error RelayRegistryInvalidLayer(uint8 layer);
    /// @notice The index is not below the number of records.
    /// @param index The index asked for.
    /// @param count `relayCount()`.
    error RelayRegistryIndexOutOfRange(uint256 index, uint256 count);
    /// @notice Slashing more than the relay's stake.
    /// @param relay The relay to slash.
    /// @param amount The amount asked for.
    /// @param stake The relay's stake.
    error RelayRegistrySlashExceedsStake(address relay, uint256 amount, uint256 stake);

    /**
     * @notice Joins the directory from the next epoch, pulling `stake` ObolToken.
     * @param role 0 = gateway, 1 = mix.
     * @param mixKey X25519 public key (non-zero).
     * @param blsKey BLS12-381 / VRF public key bytes (may be empty).
     * @param multiaddr libp2p multiaddr including `/p2p/<peerId>`.
     * @param stake Token units; at least `minStake()`; approved beforehand.
     */
    function register(uint8 role, bytes32 mixKey, bytes calldata blsKey, string calldata multiaddr, uint256 stake)
        external;

    /// @notice Commits new keys, in force from the next epoch.
    function updateKeys(bytes32 mixKey, bytes calldata blsKey) external;

    /// @notice Replaces the caller's multiaddr at once.
    function updateMultiaddr(string calldata multiaddr) external;

    /// @notice Adds `amount` ObolToken to the caller's stake.
    function addStake(uint256 amount) external;

    /// @notice Leaves the directory from the next epoch and starts the unbonding delay.
    function unbond() external;

    /// @notice Returns the whole stake once unlocked and deletes the record.
    function withdraw() external;

    /// @notice Fixes the current epoch's randomness if nobody has yet; returns it.
    function openEpoch() external returns (bytes32 seed);

    /// @notice Records a fault of `relay` in `epoch` (FAULT_RECORDER_ROLE only).
    function recordFault(address relay, uint64 epoch, bytes32 reason) external;

    /// @notice Moves `amount` of `relay`'s stake to the slash sink (FAULT_RECORDER_ROLE only).
    function slash(address relay, uint256 amount, bytes32 reason) external;

    /// @notice Holds each relay's stake for one more open audit (FAULT_RECORDER_ROLE).
    function holdStake(address[] calldata relays) external;
    /// @notice Releases one hold per relay (FAULT_RECORDER_ROLE).
    function releaseStake(address[] calldata relays) external;
    /// @notice Sets the epochs between the exit epoch and the unlock (admin).
    function setExitLag(uint64 epochs) external;
    /// @notice Open holds on `relay`'s stake.
    function holdsOf(address relay) external view returns (uint256);
    /// @notice Epochs between the exit epoch and the unlock.
    function exitLag() external view returns (uint64);
    /// @notice The relay that owns `blsKey` (zero if none).
    function blsKeyOwner(bytes calldata blsKey) external view returns (address);

    /// @notice The staking token.
    function token() external view returns (address);
    /// @notice Timestamp at which epoch 0 starts.
    function genesis() external view returns (uint64);
    /// @notice Length of an epoch in seconds.
    function epochDuration() external view returns (uint64);
    /// @notice Minimum stake to register.
    function minStake() external view returns (uint256);
    /// @notice Seconds after the exit epoch starts before stake can be withdrawn.
    function unbondingDelay() external view returns (uint64);
    /// @notice Receiver of slashed stake.
    function slashSink() external view returns (address);
    /// @notice The epoch containing `block.timestamp`.
    function currentEpoch() external view returns (uint64);
    /// @notice The randomness of `epoch`; reverts when not fixed yet.
    function epochSeed(uint64 epoch) external view returns (bytes32);
    /// @notice Keys of `relay` in force at `epoch`.
    function keysAt(address relay, uint64 epoch) external view returns (bytes32 mixKey, bytes memory blsKey);
    /// @notice Layer of `relay` at `epoch`: 0 gateway, 1..3 mix.
    function layerOf(address relay, uint64 epoch) external view returns (uint8);
    /// @notice Relays of `role` (0 gateway, 1 mix) listed in `epoch`: O(log epochs), frozen once `epoch` began.
    function listedCount(uint64 epoch, uint8 role) external view returns (uint256);
    /// @notice The `index`-th relay of `role` listed in `epoch` (frozen order; docs/registry.md).
    function listedAt(uint64 epoch, uint8 role, uint256 index) external view returns (address);
    /// @notice Members of hop layer `layer` (0..4; 0 and 4 are the gateways) in `epoch`.
    function layerSize(uint64 epoch, uint8 layer) external view returns (uint256);
    /// @notice Member `j` of hop layer `layer` in `epoch`, in O(1) of the relay count (SwapOrNot).
    function layerMember(uint64 epoch, uint8 layer, uint256 j) external view returns (address);
    /// @notice Whether `relay` is in the directory of `epoch`.
    function isListed(address relay, uint64 epoch) external view returns (bool);
    /// @notice Faults recorded against `relay` so far.
    function faults(address relay) external view returns (uint256);
    /// @notice Number of relay records (active or unbonding).
    function relayCount() external view returns (uint256);
    /// @notice Address of the record at `index`.
    function relayAt(uint256 index) external view returns (address);
    /// @notice The record of `relay` (status 0 when none).
    function relayInfo(address relay) external view returns (RelayInfo memory);
    /// @notice Records `[offset, offset + limit)`, clipped to `relayCount()`.
    function relays(uint256 offset, uint256 limit) external view returns (RelayInfo[] memory);
    /// @notice The directory of `epoch` over records `[offset, offset + limit)`.
    function directory(uint64 epoch, uint256 offset, uint256 limit) external view returns (DirectoryEntry[] memory);
}
