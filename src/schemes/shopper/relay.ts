/**
 * Relay side of the secret shopper (docs/shopper.md §Relay): every processed
 * packet's replay tag is stored durably (inside the relay's group commit,
 * before the packet is forwarded); on entering epoch e+1 the relay commits
 * the Merkle root of epoch e's tags; during the proof window it proves its
 * hops of revealed loops, or disputes a tag it never saw when the sender lied.
 * It also serves inclusion proofs over libp2p (`/obol/proof/1`).
 *
 * Crash safety: the commitment is recorded as built → submitted (tx hash) →
 * committed; on restart the chain's `commitment(e, relay)` decides.
 */
import { bytesToHex, hexToBytes, keccak256, type Address, type Hex } from "viem";
import { InvalidInputError } from "../../errors.js";
import type { IncomingPacket, PacketVerdict, RelayScheme, SchemeDeps } from "../scheme.js";
import { forComponent, type Logger } from "../../log.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { sendContractTx } from "../../chain/tx.js";
import { ContractRevertError } from "../../chain/errors.js";
import { ensureEpochOpen } from "../../chain/epochs.js";
import { buildMerkleTree, merkleProof, type MerkleTree } from "../../crypto/merkle.js";
import { headerHashOf, leafValue, loopBlock, loopTags } from "./loop.js";
import { claim5, revealedLoops, shopperAddress } from "./chain.js";
import { ShopperStore } from "./store.js";
import { COMMIT_OFFSET, PROOF_LAST_OFFSET, PROOF_PROTOCOL, REVEAL_OFFSET, SESSION_KEY_BLOCK } from "./constants.js";
import { serveProofs, type ProofServer } from "./proofs.js";
import { sleep } from "../../sleep.js";

const EMPTY = new Uint8Array(0);

export class ShopperRelay implements RelayScheme {
  readonly store: ShopperStore;
  readonly #deps: SchemeDeps & { relay: Address };
  readonly #log: Logger;
  readonly #trees = new Map<bigint, MerkleTree>();
  #server: ProofServer | null = null;

  constructor(deps: SchemeDeps & { relay: Address }) {
    this.#deps = deps;
    this.store = new ShopperStore(deps.db);
    this.#log = forComponent(deps.log, "obol:shopper:relay");
  }

  async start(): Promise<void> {
    this.#server = await serveProofs(this.#deps.libp2p, (epoch, tag) => this.proofFor(epoch, tag), this.#log);
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#server = null;
  }

  /**
   * Stores the tag and the leaf binding the header received (durable with the
   * enclosing group commit) and accepts: shopper packets carry no payment.
   */
  async onPacket(packet: IncomingPacket): Promise<PacketVerdict> {
    if (!packet.header)
      throw new InvalidInputError("packet.header", "the pipeline must pass the header the hop received");
    this.store.addTag(packet.epoch, packet.replayTag, headerHashOf(packet.header));
    return { accept: true, attachment: EMPTY };
  }

  /** Keeps a refused packet's header: if it was an audited loop, it proves the sender built it to be refused. */
  onRefused(packet: { epoch: bigint; replayTag: Uint8Array; header: Uint8Array }): void {
    this.store.addRefused(packet.epoch, packet.replayTag, packet.header);
  }

  receipt(): Uint8Array {
    return EMPTY;
  }

  async onReceipt(): Promise<void> {}

  /**
   * On entering `epoch`: opens it in the registry, commits epoch − 1, and
   * proves/disputes this relay's hops of loops revealed for epoch − 2 and − 3.
   */
  async onEpoch(epoch: bigint): Promise<void> {
    await ensureEpochOpen(this.#deps.chain).catch((error) => this.#log.warn({ err: error }, "open epoch failed"));
    if (epoch >= COMMIT_OFFSET) await this.commit(epoch - COMMIT_OFFSET);
    for (const back of [REVEAL_OFFSET, PROOF_LAST_OFFSET]) if (epoch >= back) await this.answerAudits(epoch - back);
  }

  /** The Merkle tree of an epoch's stored tags (cached). */
  tree(epoch: bigint): MerkleTree | null {
    const cached = this.#trees.get(epoch);
    if (cached) return cached;
    const leaves = this.store.leavesOf(epoch);
    if (leaves.length === 0) return null;
    const tree = buildMerkleTree(leaves);
    this.#trees.set(epoch, tree);
    return tree;
  }

  /** Inclusion proof of the leaf stored for `tag` in this relay's tree of `epoch`, or null. */
  proofFor(epoch: bigint, tag: Uint8Array): Uint8Array[] | null {
    const tree = this.tree(epoch);
    const leaf = this.store.leafOf(epoch, tag);
    return tree && leaf ? merkleProof(tree, leaf) : null;
  }

  /**
   * Commits the root of `epoch` once (crash safe: the chain decides on restart).
   * A failed send (e.g. a nonce race with another sender of the same account)
   * is retried while the commitment window is open.
   *
   * @returns the transaction hash, or null when nothing was sent
   */
  async commit(
    epoch: bigint,
    { attempts = 3, retryMs = 1_000 }: { attempts?: number; retryMs?: number } = {},
  ): Promise<Hex | null> {
    const chain = this.#deps.chain;
    const address = shopperAddress(chain);
    for (let attempt = 1; ; attempt++) {
      const [onChain] = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "commitment",
        args: [epoch, this.#deps.relay],
      });
      const local = this.store.commitOf(epoch);
      if (onChain !== `0x${"00".repeat(32)}`) {
        if (local?.state !== "committed")
          this.store.putCommit(epoch, hexToBytes(onChain), local?.count ?? 0, "committed", local?.txHash ?? null);
        return null;
      }
      const tree = this.tree(epoch);
      if (!tree) return null;
      this.store.putCommit(epoch, tree.root, tree.size, "built");
      try {
        const { hash } = await sendContractTx(
          chain,
          {
            address,
            abi: shopperAuditAbi,
            functionName: "commit",
            args: [epoch, bytesToHex(tree.root), BigInt(tree.size)],
          },
          `commit tags of epoch ${epoch}`,
        );
        this.store.putCommit(epoch, tree.root, tree.size, "committed", hash);
        this.#log.info({ epoch, tags: tree.size, hash }, "committed replay tags");
        return hash;
      } catch (error) {
        const closed = error instanceof ContractRevertError && error.errorName === "ShopperAuditCommitClosed";
        if (closed || attempt >= attempts) {
          this.store.putCommit(epoch, tree.root, tree.size, "missed");
          this.#log.warn({ epoch, err: error }, "commitment failed");
          return null;
        }
        await sleep(retryMs);
      }
    }
  }

  /**
   * For each loop revealed for `epoch` with this relay on its route: proves the
   * hop when the tag is stored, disputes it when the sender's tag is false.
   *
   * @returns counts of proofs and disputes sent
   */
  async answerAudits(epoch: bigint): Promise<{ proved: number; disputed: number }> {
    const chain = this.#deps.chain;
    const address = shopperAddress(chain);
    const me = this.#deps.relay.toLowerCase();
    let proved = 0;
    let disputed = 0;
    for (const loop of await revealedLoops(chain, epoch)) {
      const audit = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [loop.auditId],
      });
      if (audit.status !== 1) continue;
      for (let hop = 0; hop < 5; hop++) {
        if (loop.route[hop]!.toLowerCase() !== me || ((audit.provenMask >> hop) & 1) === 1) continue;
        if (this.store.provedOf(loop.auditId, hop)) continue;
        const tag = hexToBytes(loop.tags[hop]!);
        const claim = claim5(loop.tags, loop.headers);
        const proof = this.#claimedLeafProof(epoch, tag, loop.headers[hop]!);
        const refused = this.store.refusedOf(epoch, tag);
        try {
          if (proof) {
            const { hash } = await sendContractTx(
              chain,
              {
                address,
                abi: shopperAuditAbi,
                functionName: "proveHops",
                args: [loop.auditId, claim, [hop], [proof.map((p) => bytesToHex(p))]],
              },
              "prove hop",
            );
            this.store.putProved(loop.auditId, hop, "proven", hash);
            proved++;
          } else if (!(await this.#tagIsTrue(loop, hop))) {
            const { hash } = await sendContractTx(
              chain,
              { address, abi: shopperAuditAbi, functionName: "dispute", args: [loop.auditId, claim, hop] },
              "dispute tag",
            );
            this.store.putProved(loop.auditId, hop, "disputed", hash);
            disputed++;
          } else if (refused && keccak256(refused) === loop.headers[hop]!.toLowerCase()) {
            // We refused this very header: the sender built the hop to be refused (issue 11, finding 3).
            const { hash } = await sendContractTx(
              chain,
              {
                address,
                abi: shopperAuditAbi,
                functionName: "disputeHop",
                args: [loop.auditId, claim, hop, bytesToHex(refused)],
              },
              "dispute malformed hop",
            );
            this.store.putProved(loop.auditId, hop, "disputed", hash);
            disputed++;
          } else {
            this.store.putProved(loop.auditId, hop, "missing", null);
            this.#log.warn(
              { auditId: loop.auditId, hop },
              "revealed loop's tag not in our store: we lost or dropped it",
            );
          }
        } catch (error) {
          this.#log.warn({ auditId: loop.auditId, hop, err: error }, "answering an audit failed");
        }
      }
    }
    return { proved, disputed };
  }

  /** Proof of the leaf the sender claims for this hop, when that is the leaf we stored. */
  #claimedLeafProof(epoch: bigint, tag: Uint8Array, headerHash: Hex): Uint8Array[] | null {
    const stored = this.store.leafOf(epoch, tag);
    if (!stored || bytesToHex(stored) !== bytesToHex(leafValue(tag, hexToBytes(headerHash)))) return null;
    return this.proofFor(epoch, tag);
  }

  /** Recomputes the hop's tag off chain from β and the route's mix keys (same as the contract). */
  async #tagIsTrue(
    loop: { epoch: bigint; vrfOutput: Hex; route: readonly Address[]; tags: readonly Hex[] },
    hop: number,
  ): Promise<boolean> {
    const keys: Uint8Array[] = [];
    for (const relay of loop.route.slice(0, hop + 1)) {
      const [mixKey] = await this.#deps.chain.publicClient.readContract({
        address: this.#deps.chain.deployment.contracts.RelayRegistry,
        abi: relayRegistryAbi,
        functionName: "keysAt",
        args: [relay, loop.epoch],
      });
      keys.push(hexToBytes(mixKey));
    }
    const tags = loopTags(loopBlock(hexToBytes(loop.vrfOutput), SESSION_KEY_BLOCK), keys);
    return bytesToHex(tags[hop]!) === loop.tags[hop]!.toLowerCase();
  }
}

export { PROOF_PROTOCOL };
