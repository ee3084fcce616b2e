/**
 * A shopper world on a live chain with ObolToken, RelayRegistry and
 * ShopperAudit already deployed: relays registered with real X25519 mix keys
 * and BLS VRF keys, loop packets built and peeled by the real Sphinx code,
 * each relay's Merkle leaves kept as its store would keep them. The chain is
 * anything that speaks Hardhat's dev RPC: the in-process network of the
 * tests (`test/schemes/shopper/fixture.ts` deploys there and calls this) or
 * the fresh node the comparison's attack scenarios run on
 * (`src/schemes/shopper/attacks.ts`).
 */
import {
  bytesToHex,
  getAddress,
  getContract,
  keccak256,
  toHex,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { buildMerkleTree, merkleProof, type MerkleTree } from "../../crypto/merkle.js";
import { x25519Group } from "../../crypto/sphinx/group.js";
import { peelPacket } from "../../crypto/sphinx/packet.js";
import { headerSize, obolParams } from "../../crypto/sphinx/params.js";
import { vrfKeygen, vrfProve, type VrfKeyPair } from "../../crypto/vrf/bls.js";
import { mailboxId } from "../../net/inbox.js";
import type { RouteHop } from "../scheme.js";
import { buildLoop, headerHashOf, leafValue, loopInput, loopPullKey, type Loop, type LoopLayers } from "./loop.js";

export const OBOL = 10n ** 18n;
/** Sphinx parameters of the world's loops: no payment slot (the shopper carries none). */
export const WORLD_PARAMS = obolParams({ slotSize: 0 });

export type WorldWallet = WalletClient<Transport, Chain, Account>;

export type WorldRelay = {
  index: number;
  address: Address;
  wallet: WorldWallet;
  role: 0 | 1;
  mixSecret: Uint8Array;
  mixKey: Uint8Array;
  vrf: VrfKeyPair;
  /** Merkle leaf values keccak256(tag ‖ header hash) of the packets this relay processed, per epoch (what its store would hold). */
  tags: Map<bigint, Uint8Array[]>;
  /** Leaf value by `${epoch}:${tag hex}`, to find a tag's proof. */
  leafOf: Map<string, Uint8Array>;
  /** Headers of packets the relay refused after computing their tag, by `${epoch}:${tag hex}` (the pipeline's onRefused). */
  refused: Map<string, Uint8Array>;
  /** A gateway's mailboxes: delivered Sphinx bodies by mailbox id hex, until pulled (the relay's InboxStore). */
  inbox: Map<string, Uint8Array[]>;
};

/** The chain a world lives on: clients, the deployed contracts, and the dev RPC's clock. */
export type WorldChain = {
  publicClient: PublicClient;
  /** Holds tokens to fund the relays and the audit pool, and opens epochs. */
  deployer: WorldWallet;
  /** One wallet per relay, in relay order (gateways first), each with gas money. */
  relayWallets: readonly WorldWallet[];
  contracts: { ObolToken: Address; RelayRegistry: Address; ShopperAudit: Address };
  /** Mines a block at timestamp `ts` (seconds). */
  increaseTo(ts: number): Promise<void>;
  mine(blocks: number): Promise<void>;
};

export type WorldOptions = {
  gateways?: number;
  mixesPerLayer?: number;
  /** Tokens the deployer adds to the audit pool (0: none). */
  pool?: bigint;
  /** Stake each relay registers with. */
  stake?: bigint;
};

/**
 * Registers `gateways + 3 × mixesPerLayer` relays on the chain's registry and
 * returns the world's helpers.
 *
 * @example
 * const w = await shopperWorld(chain, { gateways: 2, mixesPerLayer: 2 });
 * await w.gotoEpoch(1n);
 */
export async function shopperWorld(
  chain: WorldChain,
  { gateways = 2, mixesPerLayer = 2, pool = 1000n * OBOL, stake = 100n * OBOL }: WorldOptions = {},
) {
  const { publicClient, deployer } = chain;
  const client = { public: publicClient, wallet: deployer };
  const token = getContract({ address: chain.contracts.ObolToken, abi: obolTokenAbi, client });
  const registry = getContract({ address: chain.contracts.RelayRegistry, abi: relayRegistryAbi, client });
  const shopper = getContract({ address: chain.contracts.ShopperAudit, abi: shopperAuditAbi, client });
  const shopperAddress = shopper.address;
  const epochSeconds = BigInt(await registry.read.epochDuration());
  const chainId = await publicClient.getChainId();
  if (pool > 0n) {
    await token.write.approve([shopperAddress, 2n ** 255n]);
    await shopper.write.fund([pool]);
  }

  const relays: WorldRelay[] = [];
  const count = gateways + 3 * mixesPerLayer;
  for (let i = 0; i < count; i++) {
    const wallet = chain.relayWallets[i]!;
    const mixSecret = x25519Group.randomSecretKey();
    relays.push({
      index: i,
      address: getAddress(wallet.account.address),
      wallet,
      role: i < gateways ? 0 : 1,
      mixSecret,
      mixKey: x25519Group.publicKey(mixSecret),
      vrf: vrfKeygen(),
      tags: new Map(),
      leafOf: new Map(),
      refused: new Map(),
      inbox: new Map(),
    });
  }
  for (const r of relays) {
    await token.write.transfer([r.address, 10n * stake]);
    await token.write.approve([registry.address, 2n ** 255n], { account: r.wallet.account });
    await registry.write.register(
      [r.role, bytesToHex(r.mixKey), bytesToHex(r.vrf.publicKey), `/ip4/127.0.0.1/tcp/${9000 + r.index}`, stake],
      { account: r.wallet.account },
    );
  }
  const byAddress = new Map(relays.map((r) => [r.address.toLowerCase(), r]));
  const relayOf = (a: Address) => byAddress.get(a.toLowerCase())!;

  async function epoch(): Promise<bigint> {
    return BigInt(await registry.read.currentEpoch());
  }
  /** Moves to the start of epoch `e` and opens it in the registry. */
  async function gotoEpoch(e: bigint): Promise<void> {
    const genesis = BigInt(await registry.read.genesis());
    const target = genesis + e * epochSeconds;
    const now = (await publicClient.getBlock({ blockTag: "latest" })).timestamp;
    if (target > now) await chain.increaseTo(Number(target));
    await registry.write.openEpoch();
  }
  /** The five hop layers of `e` as the contract orders them (snapshots if needed). */
  const snapshots = new Map<bigint, LoopLayers>();
  async function layers(e: bigint): Promise<LoopLayers> {
    // A snapshot never changes once taken: one transaction and five reads per epoch.
    const known = snapshots.get(e);
    if (known) return known;
    await shopper.write.snapshotDirectory([e]);
    const out: RouteHop[][] = [];
    for (let l = 0; l < 5; l++) {
      const members = await shopper.read.layerMembers([e, l]);
      out.push(members.map((a) => ({ relay: a, mixKey: relayOf(a).mixKey, layer: l })));
    }
    snapshots.set(e, out);
    return out;
  }
  /** Loop j of `sender` in epoch `e`, from its VRF. */
  async function loop(
    sender: WorldRelay,
    e: bigint,
    j: number,
    meanDelayMs = 100,
  ): Promise<Loop & { proof: Uint8Array }> {
    const alpha = loopInput({ chainId, shopper: shopperAddress, sender: sender.address, epoch: e, index: j });
    const { proof, output } = vrfProve(sender.vrf.secretKey, alpha);
    const mailbox = (exit: Address) => mailboxId(loopPullKey(sender.vrf.secretKey, e, exit));
    return {
      ...buildLoop({ beta: output, layers: await layers(e), params: WORLD_PARAMS, meanDelayMs, mailbox }),
      proof,
    };
  }
  /**
   * Carries a packet through the relays with the real Sphinx peel; each relay
   * records the replay tag it saw. `dropAt` = a relay that records the tag
   * but does not forward; `silentAt` = one that drops without recording.
   *
   * @returns hops that recorded the packet
   */
  function carry(
    e: bigint,
    packet: Uint8Array,
    first: Address,
    { dropAt, silentAt, maxDelayMs = 60_000 }: { dropAt?: Address; silentAt?: Address; maxDelayMs?: number } = {},
  ): number {
    let current: Address | null = first;
    let p: Uint8Array | null = packet;
    let hops = 0;
    while (current && p) {
      const r = relayOf(current);
      if (silentAt && current.toLowerCase() === silentAt.toLowerCase()) return hops;
      const peeled = peelPacket({ group: x25519Group, params: WORLD_PARAMS, secretKey: r.mixSecret, packet: p });
      const header = p.slice(0, headerSize(x25519Group, WORLD_PARAMS.routingInfoSize));
      const key = `${e}:${bytesToHex(peeled.replayTag)}`;
      // The relay pipeline refuses a hop whose delay exceeds its cap; it keeps the header for a dispute.
      if (peeled.hop.delayMs > maxDelayMs) {
        r.refused.set(key, header);
        return hops;
      }
      const value = leafValue(peeled.replayTag, headerHashOf(header));
      const list = r.tags.get(e) ?? [];
      list.push(value);
      r.tags.set(e, list);
      r.leafOf.set(key, value);
      hops++;
      if (dropAt && current.toLowerCase() === dropAt.toLowerCase()) return hops;
      p = peeled.next;
      current = peeled.hop.action === "forward" ? peeled.hop.next : null;
    }
    return hops;
  }
  /** Adds `n` random tags of cover traffic to a relay's epoch (so trees are not trivial). */
  function noise(r: WorldRelay, e: bigint, n: number) {
    const list = r.tags.get(e) ?? [];
    for (let i = 0; i < n; i++) list.push(crypto.getRandomValues(new Uint8Array(32)));
    r.tags.set(e, list);
  }
  const trees = new Map<string, MerkleTree>();
  /** Each relay (or those in `only`) with leaves in `e` commits their Merkle root. */
  async function commitAll(e: bigint, only?: WorldRelay[]) {
    for (const r of only ?? relays) {
      const tags = r.tags.get(e);
      if (!tags || tags.length === 0) continue;
      const tree = buildMerkleTree(tags);
      trees.set(`${e}:${r.address}`, tree);
      await shopper.write.commit([e, bytesToHex(tree.root), BigInt(tree.size)], { account: r.wallet.account });
    }
  }
  function proofFor(e: bigint, relay: Address, tag: Uint8Array): Hex[] | null {
    const r = relayOf(relay);
    const tree = trees.get(`${e}:${r.address}`);
    const value = r.leafOf.get(`${e}:${bytesToHex(tag)}`);
    if (!tree || !value) return null;
    return merkleProof(tree, value)?.map((p) => bytesToHex(p)) ?? null;
  }
  async function fixBeacon(e: bigint) {
    await shopper.write.requestBeacon([e]);
    await chain.mine(2);
    await shopper.write.fixBeacon([e]);
  }
  const tagsHex = (tags: Uint8Array[]) => tags.map((t) => bytesToHex(t)) as [Hex, Hex, Hex, Hex, Hex];
  /** The LoopClaim a sender reveals for `loop` (its own tags unless others are given). */
  const claim = (
    loop: { tags: Uint8Array[]; headers: Uint8Array[] },
    tags: Uint8Array[] | [Hex, Hex, Hex, Hex, Hex] = loop.tags,
  ) => ({
    tags: tags.map((t) => (typeof t === "string" ? t : bytesToHex(t))) as [Hex, Hex, Hex, Hex, Hex],
    headers: tagsHex(loop.headers),
  });
  const auditIdOf = (sender: Address, e: bigint, j: number) =>
    keccak256(
      `0x${sender.slice(2).toLowerCase().padStart(64, "0")}${toHex(e, { size: 32 }).slice(2)}${toHex(j, { size: 32 }).slice(2)}`,
    );

  return {
    publicClient,
    deployer,
    token,
    registry,
    shopper,
    chainId,
    epochSeconds,
    relays,
    relayOf,
    epoch,
    gotoEpoch,
    layers,
    loop,
    carry,
    noise,
    commitAll,
    proofFor,
    fixBeacon,
    tagsHex,
    claim,
    auditIdOf,
    trees,
  };
}
export type ShopperWorld = Awaited<ReturnType<typeof shopperWorld>>;
