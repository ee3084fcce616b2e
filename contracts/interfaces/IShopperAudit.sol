// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IShopperAudit
 * @notice Accounting scheme C, the secret shopper (DESIGN §5.C, docs/shopper.md).
 *
 * Timeline of an audited epoch e, in registry epochs (c = current epoch):
 * - during e: relays mix packets and store the replay tags they processed;
 * - c == e + 1: each relay commits the Merkle root of its tags ({commit});
 * - c == e + 2: anyone fixes the beacon, drawn from the registry's seed of
 *   epoch e + 2 ({requestBeacon} opens that epoch if needed, {fixBeacon});
 * - c == e + 2: loop senders reveal winning loops ({reveal});
 * - c <= e + 3: hops prove inclusion of their tags ({proveHops}); anyone may
 *   dispute a claimed tag ({dispute});
 * - c >= e + 4: anyone finalizes an audit ({finalize}): all hops paid when all
 *   proved, otherwise the broken link is recorded as a fault in the registry.
 */
interface IShopperAudit {
    /// @notice Life cycle of one revealed loop.
    enum AuditStatus {
        None,
        Open,
        Paid,
        Broken,
        Voided
    }

    /// @notice What a loop sender claims each hop stored: the replay tag and keccak256 of
    /// the Sphinx header the hop received. A hop's Merkle leaf value is keccak256(tag ‖ header hash).
    struct LoopClaim {
        bytes32[5] tags;
        bytes32[5] headers;
    }

    /// @notice One revealed winning loop.
    struct Audit {
        /// Loop sender (a registered relay whose VRF key signed the loop).
        address sender;
        /// Audited epoch.
        uint64 epoch;
        /// Loop index j < jMax.
        uint32 index;
        AuditStatus status;
        /// Bit h (h < 5) set when hop h proved inclusion of its tag; bit 5 when the sender reported the delivery missing.
        uint8 provenMask;
        /// VRF output β seeding the loop.
        bytes32 vrfOutput;
        /// keccak256(abi.encode(claim)) of the revealed LoopClaim.
        bytes32 claimHash;
    }

    /// @notice The per-layer directory of `epoch` was copied from the registry.
    /// @param gateways Listed gateways (layers 0 and 4). @param mixes Listed mixes per layer 1..3.
    event DirectorySnapshotted(uint64 indexed epoch, uint256 gateways, uint256[3] mixes);
    /// @notice `relay` committed the Merkle `root` of the `tagCount` replay tags it processed in `epoch`.
    event TagsCommitted(uint64 indexed epoch, address indexed relay, bytes32 root, uint64 tagCount);
    /// @notice The registry seed the beacon of `epoch` is drawn from is fixed (at the latest in `blockNumber`).
    event BeaconRequested(uint64 indexed epoch, uint256 blockNumber);
    /// @notice The beacon of `epoch` is fixed.
    event BeaconFixed(uint64 indexed epoch, bytes32 beacon);
    /// @notice A winning loop was revealed.
    /// @param auditId keccak256(abi.encode(sender, epoch, index)).
    event LoopRevealed(
        bytes32 indexed auditId,
        uint64 indexed epoch,
        address indexed sender,
        uint32 index,
        bytes32 vrfOutput,
        address[5] route,
        bytes32[5] tags,
        bytes32[5] headers
    );
    /// @notice Hop `hop` (relay `relay`) of audit `auditId` proved its tag is in its committed root.
    event HopProven(bytes32 indexed auditId, uint8 hop, address indexed relay);
    /// @notice A dispute showed the sender's tag for `hop` is false; the audit is void.
    event AuditDisputed(bytes32 indexed auditId, uint8 hop, address indexed disputer, bytes32 claimedTag, bytes32 trueTag);
    /// @notice A dispute showed the header the sender claims for `hop` makes that hop refuse; the audit is void.
    event HopDisputed(bytes32 indexed auditId, uint8 hop, address indexed disputer);
    /// @notice The sender reported that its loop was not in its mailbox at the exit gateway.
    event DeliveryMissing(bytes32 indexed auditId, address indexed exit);
    /// @notice Audit `auditId` ended with `status`; `paid` token units went to its hops.
    event AuditFinalized(bytes32 indexed auditId, AuditStatus status, uint256 paid);
    /// @notice `relay` was recorded in the registry for breaking audit `auditId` (`reason`).
    event HopFaulted(bytes32 indexed auditId, address indexed relay, bytes32 reason);
    /// @notice `from` added `amount` to the reward pool.
    event PoolFunded(address indexed from, uint256 amount);
    /// @notice `relay` withdrew `amount` of earned rewards to `to`.
    event RewardsClaimed(address indexed relay, address indexed to, uint256 amount);

    /// @notice A constructor argument is unusable. @param field Its name.
    error ShopperAuditInvalidConfiguration(string field);
    /// @notice Commitments for `epoch` open only once it is over (`current` > epoch).
    error ShopperAuditEpochNotOver(uint64 epoch, uint64 current);
    /// @notice The commitment window of `epoch` (epoch + 1) has passed.
    error ShopperAuditCommitClosed(uint64 epoch, uint64 current);
    /// @notice `relay` already committed for `epoch`.
    error ShopperAuditAlreadyCommitted(uint64 epoch, address relay);
    /// @notice A commitment needs a non-zero root and at least one tag.
    error ShopperAuditEmptyCommitment();
    /// @notice `relay` is not in the directory of `epoch`.
    error ShopperAuditNotListed(address relay, uint64 epoch);
    /// @notice The directory of `epoch` cannot be snapshotted (future epoch).
    error ShopperAuditDirectoryUnavailable(uint64 epoch, uint64 current);
    /// @notice Layer `layer` of `epoch` has no relay, so no loop route exists.
    error ShopperAuditEmptyLayer(uint64 epoch, uint8 layer);
    /// @notice The beacon of `epoch` cannot be requested or fixed yet.
    error ShopperAuditBeaconNotReady(uint64 epoch);
    /// @notice The beacon of `epoch` is already fixed.
    error ShopperAuditBeaconAlreadyFixed(uint64 epoch);
    /// @notice The beacon of `epoch` is not fixed.
    error ShopperAuditBeaconMissing(uint64 epoch);
    /// @notice Reveals for `epoch` are accepted only while the current epoch is epoch + 2.
    error ShopperAuditRevealClosed(uint64 epoch, uint64 current);
    /// @notice Loop index `index` is not below the per-epoch cap `jMax`.
    error ShopperAuditIndexTooHigh(uint32 index, uint32 jMax);
    /// @notice `sender` has no usable VRF key (256-byte G2 point) in force at `epoch`.
    error ShopperAuditInvalidVrfKey(address sender, uint64 epoch);
    /// @notice The VRF proof does not verify for (sender, epoch, index).
    error ShopperAuditInvalidVrfProof(address sender, uint64 epoch, uint32 index);
    /// @notice H(beacon ‖ vrfOutput) is not below the win threshold.
    error ShopperAuditNotWinner(bytes32 vrfOutput);
    /// @notice Only the loop's sender may reveal it (`caller` is not `sender`).
    error ShopperAuditNotSender(address caller, address sender);
    /// @notice `sender` was not listed in `epoch` or no longer holds the minimum stake.
    error ShopperAuditSenderNotStaked(address sender, uint64 epoch);
    /// @notice The loop was already revealed.
    error ShopperAuditAlreadyRevealed(bytes32 auditId);
    /// @notice The reward pool cannot reserve `needed` (has `available`).
    error ShopperAuditPoolExhausted(uint256 needed, uint256 available);
    /// @notice No audit with this id.
    error ShopperAuditUnknownAudit(bytes32 auditId);
    /// @notice The audit is no longer open.
    error ShopperAuditNotOpen(bytes32 auditId, AuditStatus status);
    /// @notice The tags passed do not match those revealed.
    error ShopperAuditTagsMismatch(bytes32 auditId);
    /// @notice Hop index out of range (0..4) or proofs/hops length mismatch.
    error ShopperAuditInvalidHop(uint8 hop);
    /// @notice Hop `hop` already proved its inclusion.
    error ShopperAuditHopAlreadyProven(bytes32 auditId, uint8 hop);
    /// @notice The hop's relay committed no root for the audited epoch.
    error ShopperAuditNoCommitment(uint64 epoch, address relay);
    /// @notice The Merkle proof does not show the hop's tag in its committed root.
    error ShopperAuditInvalidProof(bytes32 auditId, uint8 hop);
    /// @notice Proofs and disputes for `epoch` closed at the end of epoch + 3.
    error ShopperAuditProofWindowClosed(uint64 epoch, uint64 current);
    /// @notice Audits of `epoch` finalize only once the current epoch is ≥ epoch + 4.
    error ShopperAuditTooEarly(uint64 epoch, uint64 current);
    /// @notice The header passed is not the one the sender claims for `hop`.
    error ShopperAuditHeaderMismatch(bytes32 auditId, uint8 hop);
    /// @notice The disputed tag is correct: the dispute fails.
    error ShopperAuditDisputeRejected(bytes32 auditId, uint8 hop);
    /// @notice Nothing to withdraw for `relay`.
    error ShopperAuditNothingToClaim(address relay);
    /// @notice Amount must be positive.
    error ShopperAuditZeroAmount();
    /// @notice The receiver must not be the zero address.
    error ShopperAuditZeroAddress();

    /// @notice Records that `epoch`'s directory is in use and emits its layer sizes (idempotent, O(1)).
    function snapshotDirectory(uint64 epoch) external;

    /// @notice Commits the Merkle root of the caller's replay tags of `epoch`.
    function commit(uint64 epoch, bytes32 root, uint64 tagCount) external;

    /// @notice Opens epoch + 2 in the registry (fixing the seed the beacon of `epoch` is drawn from) if needed.
    function requestBeacon(uint64 epoch) external;

    /// @notice Fixes the beacon of `epoch`: keccak256(registry seed of epoch + 2 ‖ epoch ‖ this).
    function fixBeacon(uint64 epoch) external returns (bytes32 beacon);

    /// @notice Reveals a winning loop (caller must be `sender`): VRF proof and what each hop stored.
    function reveal(address sender, uint64 epoch, uint32 index, bytes calldata proof, LoopClaim calldata claim)
        external
        returns (bytes32 auditId);

    /// @notice Proves inclusion of the leaves of `hops` in their relays' committed roots.
    function proveHops(bytes32 auditId, LoopClaim calldata claim, uint8[] calldata hops, bytes32[][] calldata proofs)
        external;

    /// @notice Shows that the claimed tag of `hop` is false by recomputing it on chain.
    function dispute(bytes32 auditId, LoopClaim calldata claim, uint8 hop) external;

    /// @notice Shows that the header the sender claims for `hop` makes that hop refuse the packet.
    function disputeHop(bytes32 auditId, LoopClaim calldata claim, uint8 hop, bytes calldata header) external;

    /// @notice The sender (as the loop's recipient) states it pulled its exit mailbox and the loop was not there.
    function reportUndelivered(bytes32 auditId, LoopClaim calldata claim) external;

    /// @notice Pays or faults an audit once its proof window is over.
    function finalize(bytes32 auditId) external returns (AuditStatus status);

    /// @notice Adds `amount` tokens to the reward pool.
    function fund(uint256 amount) external;

    /// @notice Sends the caller's earned rewards to `to`.
    function claim(address to) external returns (uint256 amount);

    /// @notice Registry, token and parameters.
    function registry() external view returns (address);
    function token() external view returns (address);
    function jMax() external view returns (uint32);
    function winThreshold() external view returns (uint256);
    function rewardPerHop() external view returns (uint256);

    /// @notice Funds not yet reserved by an open audit.
    function pool() external view returns (uint256);
    /// @notice Funds reserved by open audits.
    function reserved() external view returns (uint256);
    /// @notice Earned, unclaimed rewards of `relay`.
    function owed(address relay) external view returns (uint256);
    /// @notice Sum of all `owed`.
    function totalOwed() external view returns (uint256);

    function commitment(uint64 epoch, address relay) external view returns (bytes32 root, uint64 tagCount);
    function beaconOf(uint64 epoch) external view returns (bytes32);
    function audit(bytes32 auditId) external view returns (Audit memory);
    /// @notice Members of hop layer `layer` (0..4) in `epoch`, in the order loops index them (off chain only: O(n));
    /// empty while the registry has no seed for `epoch`.
    function layerMembers(uint64 epoch, uint8 layer) external view returns (address[] memory);

    /// @notice VRF input α of loop (sender, epoch, index) for this deployment.
    function loopInput(address sender, uint64 epoch, uint32 index) external view returns (bytes memory);
    /// @notice Whether a VRF output wins against the fixed beacon of `epoch`.
    function isWinner(uint64 epoch, bytes32 vrfOutput) external view returns (bool);
    /// @notice The five relays of the loop seeded by `vrfOutput` in `epoch`.
    function loopRoute(uint64 epoch, bytes32 vrfOutput) external view returns (address[5] memory route);
    /// @notice The replay tag hop `hop` of that loop must have stored (X25519 on chain; expensive).
    function loopTag(uint64 epoch, bytes32 vrfOutput, uint8 hop) external view returns (bytes32);
}
