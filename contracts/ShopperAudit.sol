// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRelayRegistry} from "./interfaces/IRelayRegistry.sol";
import {IShopperAudit} from "./interfaces/IShopperAudit.sol";
import {MerkleTags} from "./lib/MerkleTags.sol";
import {VrfBls} from "./lib/VrfBls.sol";
import {VrfLoop} from "./lib/VrfLoop.sol";
import {SphinxHop} from "./lib/SphinxHop.sol";

/**
 * @title ShopperAudit
 * @notice Secret-shopper accounting (DESIGN §5.C): relays commit Merkle roots of
 * the replay tags they processed; a beacon drawn after the commitments selects
 * verifiable cover loops (VRF-seeded, docs/shopper.md); every hop of a winning
 * loop proves inclusion; complete routes are paid, broken ones are recorded
 * against the relays at the first broken link; false tags are disputed by
 * recomputing them on chain.
 */
contract ShopperAudit is IShopperAudit, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint256 private constant HOPS = 5;
    uint8 private constant ALL_PROVEN = 0x1f;
    /// @dev Bit of `provenMask` set by {reportUndelivered}: the link exit → recipient (the sender) broke.
    uint8 private constant UNDELIVERED = 0x20;
    /// @notice Fault reasons passed to `RelayRegistry.recordFault`.
    bytes32 public constant REASON_MISSING_TAG = "shopper:missing-tag";
    bytes32 public constant REASON_BROKEN_LINK = "shopper:broken-link";
    bytes32 public constant REASON_FALSE_TAG = "shopper:false-tag";
    bytes32 public constant REASON_MALFORMED_HOP = "shopper:malformed-hop";
    /// @notice Longest per-hop delay a loop may ask for (relays refuse longer ones; docs/shopper.md).
    uint32 public constant MAX_HOP_DELAY_MS = 60_000;
    /// @notice A recorded fault slashes minStake / FAULT_SLASH_DIVISOR (docs/shopper.md §Slashing).
    uint256 public constant FAULT_SLASH_DIVISOR = 20;
    /// @notice Audit timeline of loops sent in epoch e, as offsets from e (docs/shopper.md §5). The same
    /// values are COMMIT_OFFSET … FINALIZE_OFFSET in src/schemes/shopper/constants.ts (contract.test.ts checks).
    /// Relays commit their roots in e + COMMIT_OFFSET.
    uint64 public constant COMMIT_OFFSET = 1;
    /// @notice The beacon is the registry seed of e + REVEAL_OFFSET; loops are revealed in that epoch.
    uint64 public constant REVEAL_OFFSET = 2;
    /// @notice Hops prove and disputes run until the end of e + PROOF_LAST_OFFSET.
    uint64 public constant PROOF_LAST_OFFSET = 3;
    /// @notice Audits are finalized from e + FINALIZE_OFFSET on.
    uint64 public constant FINALIZE_OFFSET = 4;

    IRelayRegistry private immutable _registry;
    IERC20 private immutable _token;
    uint32 private immutable _jMax;
    uint256 private immutable _winThreshold;
    uint256 private immutable _rewardPerHop;

    struct Commitment {
        bytes32 root;
        uint64 tagCount;
    }


    /// Epochs whose directory was looked at (the registry froze it when the epoch began).
    mapping(uint64 epoch => bool) private _snapshotted;
    mapping(uint64 epoch => mapping(address relay => Commitment)) private _commitments;
    mapping(uint64 epoch => bytes32 beacon) private _beacons;
    mapping(bytes32 auditId => Audit) private _audits;
    /// Route of each open audit, fixed at reveal: later steps read it instead of recomputing
    /// five registry lookups (each a 90-round shuffle); deleted when the audit closes.
    mapping(bytes32 auditId => address[5] route) private _routes;
    mapping(address relay => uint256 amount) private _owed;
    /// Fault counts are by distinct senders: one sender records a relay at most once per epoch.
    mapping(uint64 epoch => mapping(address relay => mapping(address sender => bool))) private _faultedBy;
    uint256 private _pool;
    uint256 private _reserved;
    uint256 private _totalOwed;

    /**
     * @param registry_ RelayRegistry (directory, keys, faults); this contract needs its FAULT_RECORDER_ROLE.
     * @param token_ Reward token (ObolToken).
     * @param jMax_ Loops per sender per epoch that may win (indices 0 .. jMax − 1), > 0.
     * @param winThreshold_ A loop wins when uint256(keccak256(beacon ‖ β)) < winThreshold (ε · 2^256), > 0.
     * @param rewardPerHop_ Tokens paid to each hop of a complete winning loop, > 0.
     */
    constructor(address registry_, address token_, uint32 jMax_, uint256 winThreshold_, uint256 rewardPerHop_) {
        if (registry_ == address(0)) revert ShopperAuditInvalidConfiguration("registry");
        if (token_ == address(0)) revert ShopperAuditInvalidConfiguration("token");
        if (jMax_ == 0) revert ShopperAuditInvalidConfiguration("jMax");
        if (winThreshold_ == 0) revert ShopperAuditInvalidConfiguration("winThreshold");
        if (rewardPerHop_ == 0) revert ShopperAuditInvalidConfiguration("rewardPerHop");
        _registry = IRelayRegistry(registry_);
        _token = IERC20(token_);
        _jMax = jMax_;
        _winThreshold = winThreshold_;
        _rewardPerHop = rewardPerHop_;
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: `epoch <= currentEpoch()` and the registry's seed of `epoch` fixed
     * (reverts with the registry's error otherwise). Emits {DirectorySnapshotted} once.
     * O(1) in the number of relays: the registry's membership of an epoch is frozen once
     * the epoch began, and loops index it through `RelayRegistry.layerMember` (issue 11, finding 6).
     */
    function snapshotDirectory(uint64 epoch) public {
        if (_snapshotted[epoch]) return;
        uint64 current = _registry.currentEpoch();
        if (epoch > current) revert ShopperAuditDirectoryUnavailable(epoch, current);
        _registry.epochSeed(epoch);
        uint256[3] memory mixes;
        for (uint8 l = 1; l <= 3; ++l) {
            mixes[l - 1] = _registry.layerSize(epoch, l);
        }
        _snapshotted[epoch] = true;
        emit DirectorySnapshotted(epoch, _registry.layerSize(epoch, 0), mixes);
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: current epoch == epoch + COMMIT_OFFSET; caller listed in `epoch`; first
     * commitment; non-zero root and count. Snapshots the directory if needed.
     * Emits {TagsCommitted}.
     */
    function commit(uint64 epoch, bytes32 root, uint64 tagCount) external {
        uint64 current = _registry.currentEpoch();
        if (current < epoch + COMMIT_OFFSET) revert ShopperAuditEpochNotOver(epoch, current);
        if (current > epoch + COMMIT_OFFSET) revert ShopperAuditCommitClosed(epoch, current);
        if (root == bytes32(0) || tagCount == 0) revert ShopperAuditEmptyCommitment();
        if (!_registry.isListed(msg.sender, epoch)) revert ShopperAuditNotListed(msg.sender, epoch);
        Commitment storage c = _commitments[epoch][msg.sender];
        if (c.root != bytes32(0)) revert ShopperAuditAlreadyCommitted(epoch, msg.sender);
        snapshotDirectory(epoch);
        c.root = root;
        c.tagCount = tagCount;
        emit TagsCommitted(epoch, msg.sender, root, tagCount);
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: current epoch == epoch + REVEAL_OFFSET (commitments closed);
     * beacon not fixed. Opens that epoch in the registry if nobody has yet, which fixes
     * the seed the beacon is drawn from. Emits {BeaconRequested} (and the registry's
     * {EpochOpened} the first time).
     */
    function requestBeacon(uint64 epoch) external {
        uint64 current = _registry.currentEpoch();
        if (current != epoch + REVEAL_OFFSET) revert ShopperAuditBeaconNotReady(epoch);
        if (_beacons[epoch] != bytes32(0)) revert ShopperAuditBeaconAlreadyFixed(epoch);
        _registry.openEpoch();
        emit BeaconRequested(epoch, block.number);
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: the registry's seed of epoch + REVEAL_OFFSET fixed (it is once
     * anyone touched the registry in that epoch; relays do on entering it).
     * beacon = keccak256(epochSeed(epoch + REVEAL_OFFSET) ‖ epoch ‖ this): neither the time
     * of this call nor the contents of any later block change it (docs/shopper.md §10,
     * issue 11 finding 8). Emits {BeaconFixed}.
     */
    function fixBeacon(uint64 epoch) external returns (bytes32 beacon) {
        if (_beacons[epoch] != bytes32(0)) revert ShopperAuditBeaconAlreadyFixed(epoch);
        uint64 current = _registry.currentEpoch();
        if (current < epoch + REVEAL_OFFSET) revert ShopperAuditBeaconNotReady(epoch);
        bytes32 seed;
        try _registry.epochSeed(epoch + REVEAL_OFFSET) returns (bytes32 s) {
            seed = s;
        } catch {
            revert ShopperAuditBeaconNotReady(epoch); // nobody opened that epoch yet: requestBeacon opens it
        }
        beacon = keccak256(abi.encode(seed, epoch, address(this)));
        _beacons[epoch] = beacon;
        emit BeaconFixed(epoch, beacon);
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: caller == sender (a reveal cannot be replayed by a
     * front-runner); sender listed in `epoch` and still staked ≥ minStake; current
     * epoch == epoch + REVEAL_OFFSET; beacon fixed; index < jMax; the sender's VRF key in force
     * at `epoch` verifies `proof` on `loopInput(sender, epoch, index)`; the output
     * wins; not revealed before; the pool covers 5 × rewardPerHop (reserved).
     * Holds the stake of the sender and the five hops until the audit closes.
     * Emits {LoopRevealed}.
     */
    function reveal(address sender, uint64 epoch, uint32 index, bytes calldata proof, LoopClaim calldata claimed)
        external
        returns (bytes32 auditId)
    {
        if (msg.sender != sender) revert ShopperAuditNotSender(msg.sender, sender);
        bytes32 beta = _verifyWinner(sender, epoch, index, proof);
        auditId = keccak256(abi.encode(sender, epoch, index));
        if (_audits[auditId].status != AuditStatus.None) revert ShopperAuditAlreadyRevealed(auditId);
        uint256 needed = HOPS * _rewardPerHop;
        if (_pool < needed) revert ShopperAuditPoolExhausted(needed, _pool);
        address[5] memory route = loopRoute(epoch, beta);
        _routes[auditId] = route;
        // needed <= _pool checked above.
        unchecked {
            _pool -= needed;
        }
        _reserved += needed;
        _audits[auditId] = Audit({
            sender: sender,
            epoch: epoch,
            index: index,
            status: AuditStatus.Open,
            provenMask: 0,
            vrfOutput: beta,
            claimHash: keccak256(abi.encode(claimed))
        });
        emit LoopRevealed(auditId, epoch, sender, index, beta, route, claimed.tags, claimed.headers);
        _registry.holdStake(_parties(route, sender));
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: audit open; current epoch ≤ epoch + PROOF_LAST_OFFSET; `claimed` as revealed;
     * `hops.length == proofs.length`; each hop in 0..4, not proven yet, its relay
     * committed, and its proof shows the leaf keccak256(tag ‖ header hash) of the
     * hop in that root. Emits {HopProven} per hop.
     */
    function proveHops(bytes32 auditId, LoopClaim calldata claimed, uint8[] calldata hops, bytes32[][] calldata proofs)
        external
    {
        Audit storage a = _openAudit(auditId, claimed);
        if (hops.length != proofs.length) revert ShopperAuditInvalidHop(uint8(hops.length % 256));
        uint8 mask = a.provenMask;
        for (uint256 i = 0; i < hops.length; ++i) {
            uint8 hop = hops[i];
            if (hop >= HOPS) revert ShopperAuditInvalidHop(hop);
            if (mask & (uint8(1) << hop) != 0) revert ShopperAuditHopAlreadyProven(auditId, hop);
            address relay = _routes[auditId][hop];
            bytes32 root = _commitments[a.epoch][relay].root;
            if (root == bytes32(0)) revert ShopperAuditNoCommitment(a.epoch, relay);
            bytes32 value = keccak256(abi.encodePacked(claimed.tags[hop], claimed.headers[hop]));
            if (!MerkleTags.verify(root, value, proofs[i])) revert ShopperAuditInvalidProof(auditId, hop);
            mask |= uint8(1) << hop;
            emit HopProven(auditId, hop, relay);
        }
        a.provenMask = mask;
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: audit open; current epoch ≤ epoch + PROOF_LAST_OFFSET; `claimed` as revealed;
     * hop in 0..4; the recomputed tag differs from the claimed one. Voids the audit,
     * returns its reserve to the pool, records a fault against the sender and
     * slashes it minStake (a proven framing attempt), releases the stake holds.
     * Emits {AuditDisputed}, {HopFaulted}, {AuditFinalized}.
     */
    function dispute(bytes32 auditId, LoopClaim calldata claimed, uint8 hop) external nonReentrant {
        Audit storage a = _openAudit(auditId, claimed);
        if (hop >= HOPS) revert ShopperAuditInvalidHop(hop);
        bytes32 trueTag = loopTag(a.epoch, a.vrfOutput, hop);
        if (trueTag == claimed.tags[hop]) revert ShopperAuditDisputeRejected(auditId, hop);
        emit AuditDisputed(auditId, hop, msg.sender, claimed.tags[hop], trueTag);
        _voidForSender(auditId, a, REASON_FALSE_TAG);
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: audit open; current epoch ≤ epoch + PROOF_LAST_OFFSET; `claimed` as revealed;
     * hop in 0..4; keccak256(header) == claimed.headers[hop]; and `header` is not one
     * the pipeline carries out (SphinxHop.carriesOut with ss and E recomputed from
     * β, next = route[hop + 1], `deliver` at hop 4, delay ≤ MAX_HOP_DELAY_MS). Voids
     * the audit like {dispute}: the sender built a hop that had to refuse.
     * Emits {HopDisputed}, {HopFaulted}, {AuditFinalized}.
     */
    function disputeHop(bytes32 auditId, LoopClaim calldata claimed, uint8 hop, bytes calldata header)
        external
        nonReentrant
    {
        Audit storage a = _openAudit(auditId, claimed);
        if (hop >= HOPS) revert ShopperAuditInvalidHop(hop);
        if (keccak256(header) != claimed.headers[hop]) revert ShopperAuditHeaderMismatch(auditId, hop);
        (bytes32 ss, bytes32 e) = _hopSecret(a.epoch, a.vrfOutput, hop);
        address next = hop + 1 < HOPS ? _routes[auditId][hop + 1] : address(0);
        if (SphinxHop.carriesOut(header, ss, e, next, hop + 1 == HOPS, MAX_HOP_DELAY_MS)) {
            revert ShopperAuditDisputeRejected(auditId, hop);
        }
        emit HopDisputed(auditId, hop, msg.sender);
        _voidForSender(auditId, a, REASON_MALFORMED_HOP);
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: caller is the audit's sender; audit open; current epoch ≤ epoch + PROOF_LAST_OFFSET;
     * `claimed` as revealed. Marks the delivery exit → recipient missing: {finalize} then treats the
     * sender as a sixth hop whose tag is missing (docs/shopper.md §Exit delivery). Emits {DeliveryMissing}.
     */
    function reportUndelivered(bytes32 auditId, LoopClaim calldata claimed) external {
        Audit storage a = _openAudit(auditId, claimed);
        if (msg.sender != a.sender) revert ShopperAuditNotSender(msg.sender, a.sender);
        a.provenMask |= UNDELIVERED;
        emit DeliveryMissing(auditId, _routes[auditId][HOPS - 1]);
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: audit open; current epoch ≥ epoch + FINALIZE_OFFSET. When every hop proved,
     * credits rewardPerHop to each hop (status Paid). Otherwise, with k the first
     * unproven hop, records REASON_MISSING_TAG against hop k and REASON_BROKEN_LINK
     * against its predecessor (the sender when k == 0), each once per (epoch,
     * sender); when all five proved but the delivery was reported missing, k = 5 is the
     * sender as recipient: missing-tag against the sender, broken-link against the exit; each once per (epoch,
     * sender) and slashed minStake / FAULT_SLASH_DIVISOR, pays nothing and returns
     * the reserve to the pool (status Broken). Releases the stake holds.
     * Emits {HopFaulted}…, {AuditFinalized}.
     */
    function finalize(bytes32 auditId) external nonReentrant returns (AuditStatus status) {
        Audit storage a = _audits[auditId];
        if (a.status == AuditStatus.None) revert ShopperAuditUnknownAudit(auditId);
        if (a.status != AuditStatus.Open) revert ShopperAuditNotOpen(auditId, a.status);
        uint64 current = _registry.currentEpoch();
        if (current < a.epoch + FINALIZE_OFFSET) revert ShopperAuditTooEarly(a.epoch, current);
        address[5] memory route = _routes[auditId];
        delete _routes[auditId];
        _registry.releaseStake(_parties(route, a.sender));
        uint256 paid;
        if (a.provenMask == ALL_PROVEN) {
            status = AuditStatus.Paid;
            a.status = status;
            uint256 reward = _rewardPerHop;
            paid = HOPS * reward;
            // Moves the audit's own reserve (HOPS × reward, taken at reveal) to the hops.
            unchecked {
                _reserved -= paid;
            }
            _totalOwed += paid;
            for (uint256 h = 0; h < HOPS; ++h) {
                _owed[route[h]] += reward;
            }
        } else {
            status = AuditStatus.Broken;
            a.status = status;
            _release();
            uint256 k = 0;
            while (k < HOPS && (uint256(a.provenMask) >> k) & 1 != 0) ++k; // k == HOPS: only the delivery missing
            _fault(auditId, k == HOPS ? a.sender : route[k], a.epoch, a.sender, REASON_MISSING_TAG);
            _fault(auditId, k == 0 ? a.sender : route[k - 1], a.epoch, a.sender, REASON_BROKEN_LINK);
        }
        emit AuditFinalized(auditId, status, paid);
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: amount > 0 and allowance. Emits {PoolFunded}.
     */
    function fund(uint256 amount) external nonReentrant {
        if (amount == 0) revert ShopperAuditZeroAmount();
        _pool += amount;
        emit PoolFunded(msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @inheritdoc IShopperAudit
     * @dev Requirements: `to` non-zero; something owed. Emits {RewardsClaimed}.
     */
    function claim(address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ShopperAuditZeroAddress();
        amount = _owed[msg.sender];
        if (amount == 0) revert ShopperAuditNothingToClaim(msg.sender);
        _owed[msg.sender] = 0;
        // amount is part of _totalOwed.
        unchecked {
            _totalOwed -= amount;
        }
        emit RewardsClaimed(msg.sender, to, amount);
        _token.safeTransfer(to, amount);
    }

    /// @inheritdoc IShopperAudit
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IShopperAudit
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IShopperAudit
    function jMax() external view returns (uint32) {
        return _jMax;
    }

    /// @inheritdoc IShopperAudit
    function winThreshold() external view returns (uint256) {
        return _winThreshold;
    }

    /// @inheritdoc IShopperAudit
    function rewardPerHop() external view returns (uint256) {
        return _rewardPerHop;
    }

    /// @inheritdoc IShopperAudit
    function pool() external view returns (uint256) {
        return _pool;
    }

    /// @inheritdoc IShopperAudit
    function reserved() external view returns (uint256) {
        return _reserved;
    }

    /// @inheritdoc IShopperAudit
    function owed(address relay) external view returns (uint256) {
        return _owed[relay];
    }

    /// @inheritdoc IShopperAudit
    function totalOwed() external view returns (uint256) {
        return _totalOwed;
    }

    /// @inheritdoc IShopperAudit
    function commitment(uint64 epoch, address relay) external view returns (bytes32 root, uint64 tagCount) {
        Commitment storage c = _commitments[epoch][relay];
        return (c.root, c.tagCount);
    }

    /// @inheritdoc IShopperAudit
    function beaconOf(uint64 epoch) external view returns (bytes32) {
        return _beacons[epoch];
    }

    /// @inheritdoc IShopperAudit
    function audit(bytes32 auditId) external view returns (Audit memory) {
        return _audits[auditId];
    }

    /// @inheritdoc IShopperAudit
    function layerMembers(uint64 epoch, uint8 layer) external view returns (address[] memory members) {
        if (layer >= HOPS) revert ShopperAuditInvalidHop(layer);
        // No seed yet (nobody opened the epoch): no layers, as before any snapshot.
        try _registry.epochSeed(epoch) {} catch {
            return members;
        }
        members = new address[](_registry.layerSize(epoch, layer));
        for (uint256 j = 0; j < members.length; ++j) {
            members[j] = _registry.layerMember(epoch, layer, j);
        }
    }

    /// @inheritdoc IShopperAudit
    function loopInput(address sender, uint64 epoch, uint32 index) public view returns (bytes memory) {
        return abi.encodePacked(block.chainid, address(this), sender, epoch, index);
    }

    /// @inheritdoc IShopperAudit
    function isWinner(uint64 epoch, bytes32 vrfOutput) external view returns (bool) {
        bytes32 beacon = _beacons[epoch];
        if (beacon == bytes32(0)) revert ShopperAuditBeaconMissing(epoch);
        return _wins(beacon, vrfOutput);
    }

    /// @inheritdoc IShopperAudit
    function loopRoute(uint64 epoch, bytes32 vrfOutput) public view returns (address[5] memory route) {
        for (uint8 h = 0; h < HOPS; ++h) {
            route[h] = _hopRelay(epoch, vrfOutput, h);
        }
    }

    /// @inheritdoc IShopperAudit
    function loopTag(uint64 epoch, bytes32 vrfOutput, uint8 hop) public view returns (bytes32) {
        if (hop >= HOPS) revert ShopperAuditInvalidHop(hop);
        (bytes32 ss,) = _hopSecret(epoch, vrfOutput, hop);
        return VrfLoop.replayTag(ss);
    }

    /// @dev ss and E of hop `hop` of the loop seeded by `vrfOutput` (X25519 on chain; expensive).
    function _hopSecret(uint64 epoch, bytes32 vrfOutput, uint8 hop) private view returns (bytes32 ss, bytes32 e) {
        bytes32[5] memory mixKeys;
        for (uint8 h = 0; h <= hop; ++h) {
            (mixKeys[h],) = _registry.keysAt(_hopRelay(epoch, vrfOutput, h), epoch);
        }
        return VrfLoop.hopSecret(VrfLoop.sessionKey(vrfOutput), mixKeys, hop);
    }

    /// @dev Relay of hop `hop`: layer = hop (gateways serve layers 0 and 4); O(1) in the relay count.
    function _hopRelay(uint64 epoch, bytes32 beta, uint8 hop) private view returns (address) {
        uint256 n = _registry.layerSize(epoch, hop);
        if (n == 0) revert ShopperAuditEmptyLayer(epoch, hop);
        return _registry.layerMember(epoch, hop, VrfLoop.routeIndex(beta, hop, n));
    }

    /// @dev Checks the reveal window, the sender's stake and VRF proof, and that the loop wins; returns β.
    function _verifyWinner(address sender, uint64 epoch, uint32 index, bytes calldata proof)
        private
        view
        returns (bytes32 beta)
    {
        uint64 current = _registry.currentEpoch();
        if (current != epoch + REVEAL_OFFSET) revert ShopperAuditRevealClosed(epoch, current);
        if (!_registry.isListed(sender, epoch) || _registry.relayInfo(sender).stake < _registry.minStake()) {
            revert ShopperAuditSenderNotStaked(sender, epoch);
        }
        bytes32 beacon = _beacons[epoch];
        if (beacon == bytes32(0)) revert ShopperAuditBeaconMissing(epoch);
        if (index >= _jMax) revert ShopperAuditIndexTooHigh(index, _jMax);
        bool valid;
        (valid, beta) = VrfBls.verify(_vrfKey(sender, epoch), loopInput(sender, epoch, index), proof);
        if (!valid) revert ShopperAuditInvalidVrfProof(sender, epoch, index);
        if (!_wins(beacon, beta)) revert ShopperAuditNotWinner(beta);
    }

    function _wins(bytes32 beacon, bytes32 beta) private view returns (bool) {
        return uint256(keccak256(abi.encodePacked(beacon, beta))) < _winThreshold;
    }

    function _vrfKey(address sender, uint64 epoch) private view returns (bytes memory publicKey) {
        try _registry.keysAt(sender, epoch) returns (bytes32, bytes memory blsKey) {
            publicKey = blsKey;
        } catch {
            revert ShopperAuditInvalidVrfKey(sender, epoch);
        }
        if (publicKey.length != VrfBls.G2_POINT_SIZE) revert ShopperAuditInvalidVrfKey(sender, epoch);
    }

    function _openAudit(bytes32 auditId, LoopClaim calldata claimed) private view returns (Audit storage a) {
        a = _audits[auditId];
        if (a.status == AuditStatus.None) revert ShopperAuditUnknownAudit(auditId);
        if (a.status != AuditStatus.Open) revert ShopperAuditNotOpen(auditId, a.status);
        uint64 current = _registry.currentEpoch();
        if (current > a.epoch + PROOF_LAST_OFFSET) revert ShopperAuditProofWindowClosed(a.epoch, current);
        if (keccak256(abi.encode(claimed)) != a.claimHash) revert ShopperAuditTagsMismatch(auditId);
    }

    /// @dev A dispute proved the sender's claim false: void, reserve back, fault and slash the sender.
    function _voidForSender(bytes32 auditId, Audit storage a, bytes32 reason) private {
        a.status = AuditStatus.Voided;
        _release();
        _registry.releaseStake(_parties(_routes[auditId], a.sender));
        delete _routes[auditId];
        _fault(auditId, a.sender, a.epoch, a.sender, reason);
        _slash(a.sender, _registry.minStake(), reason);
        emit AuditFinalized(auditId, AuditStatus.Voided, 0);
    }

    /// @dev Returns one audit's reserve to the pool.
    function _release() private {
        uint256 amount = HOPS * _rewardPerHop;
        // Every open audit holds exactly this much of _reserved.
        unchecked {
            _reserved -= amount;
        }
        _pool += amount;
    }

    /// @dev Records `relay` once per (epoch, sender) and slashes it the fault penalty.
    function _fault(bytes32 auditId, address relay, uint64 epoch, address sender, bytes32 reason) private {
        if (_faultedBy[epoch][relay][sender]) return;
        _faultedBy[epoch][relay][sender] = true;
        emit HopFaulted(auditId, relay, reason);
        _registry.recordFault(relay, epoch, reason);
        _slash(relay, _registry.minStake() / FAULT_SLASH_DIVISOR, reason);
    }

    /// @dev Slashes min(amount, stake left); the stake is still there because the audit held it.
    function _slash(address relay, uint256 amount, bytes32 reason) private {
        uint256 stake = _registry.relayInfo(relay).stake;
        if (amount > stake) amount = stake;
        if (amount != 0) _registry.slash(relay, amount, reason);
    }

    /// @dev The six accounts an audit holds: the five hops and the sender.
    function _parties(address[5] memory route, address sender) private pure returns (address[] memory parties) {
        parties = new address[](HOPS + 1);
        for (uint256 h = 0; h < HOPS; ++h) {
            parties[h] = route[h];
        }
        parties[HOPS] = sender;
    }
}
