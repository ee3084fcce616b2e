/**
 * A real shopper world on Hardhat's in-process chain: ObolToken, RelayRegistry
 * and ShopperAudit deployed from their artifacts, relays registered with real
 * X25519 mix keys and BLS VRF keys, and loop packets built and peeled by the
 * real Sphinx code. Used by the contract tests, the relay-side tests and
 * `bench/shopper.bench.ts`.
 */
import hre from "hardhat";
import { bytesToHex, getAddress, getContract, keccak256, toHex, type Address, type Hex } from "viem";
import { obolTokenAbi } from "../../../src/chain/abi/ObolToken.js";
import { relayRegistryAbi } from "../../../src/chain/abi/RelayRegistry.js";
import { shopperAuditAbi } from "../../../src/chain/abi/ShopperAudit.js";
import { x25519Group } from "../../../src/crypto/sphinx/group.js";
import { peelPacket } from "../../../src/crypto/sphinx/packet.js";
import { obolParams } from "../../../src/crypto/sphinx/params.js";
import { vrfKeygen, vrfProve, type VrfKeyPair } from "../../../src/crypto/vrf/bls.js";
import { buildMerkleTree, merkleProof, type MerkleTree } from "../../../src/crypto/merkle.js";
import {
  buildLoop,
  headerHashOf,
  leafValue,
  loopInput,
  loopPullKey,
  type Loop,
  type LoopLayers,
} from "../../../src/schemes/shopper/loop.js";
import { headerSize } from "../../../src/crypto/sphinx/params.js";
import { mailboxId } from "../../../src/net/inbox.js";
import type { RouteHop } from "../../../src/schemes/scheme.js";
import { SHOPPER_DEFAULTS } from "../../../ignition/modules/ShopperAudit.js";

export const OBOL = 10n ** 18n;
export const EPOCH = 3600;
export const REWARD = 10n * OBOL;
export const MAX_THRESHOLD = (1n << 256n) - 1n;
export const PARAMS = obolParams({ slotSize: 0 });

export type Relay = {
  index: number;
  address: Address;
  wallet: HardhatWallet;
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

type HardhatWallet = Awaited<
  ReturnType<Awaited<ReturnType<typeof hre.network.connect>>["viem"]["getWalletClients"]>
>[number];

export type WorldOptions = {
  gateways?: number;
  mixesPerLayer?: number;
  jMax?: number;
  winThreshold?: bigint;
  reward?: bigint;
  pool?: bigint;
  exitLag?: bigint;
};

export async function createWorld({
  gateways = 2,
  mixesPerLayer = 2,
  jMax = 16,
  winThreshold = MAX_THRESHOLD,
  reward = REWARD,
  pool = 1000n * OBOL,
  exitLag = SHOPPER_DEFAULTS.exitLag,
}: WorldOptions = {}) {
  const conn = await hre.network.connect();
  const { viem, networkHelpers } = conn;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const deployer = wallets[0]!;
  const client = { public: publicClient, wallet: deployer };
  const tokenAddress = (await viem.deployContract("ObolToken", [10n ** 9n * OBOL])).address;
  const token = getContract({ address: tokenAddress, abi: obolTokenAbi, client });
  const registryAddress = (
    await viem.deployContract("RelayRegistry", [tokenAddress, BigInt(EPOCH), 100n * OBOL, 0n, deployer.account.address])
  ).address;
  const registry = getContract({ address: registryAddress, abi: relayRegistryAbi, client });
  const shopperAddress = (
    await viem.deployContract("ShopperAudit", [registryAddress, tokenAddress, jMax, winThreshold, reward])
  ).address;
  const shopper = getContract({ address: shopperAddress, abi: shopperAuditAbi, client });
  await registry.write.grantRole([await registry.read.FAULT_RECORDER_ROLE(), shopperAddress]);
  // As the Ignition module does: stake stays locked through the reveal window of the last epoch served.
  await registry.write.setExitLag([exitLag]);
  await token.write.approve([shopperAddress, 2n ** 255n]);
  if (pool > 0n) await shopper.write.fund([pool]);
  const chainId = await publicClient.getChainId();

  const relays: Relay[] = [];
  const count = gateways + 3 * mixesPerLayer;
  for (let i = 0; i < count; i++) {
    const wallet = wallets[1 + i]!;
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
    await token.write.transfer([r.address, 1000n * OBOL]);
    await token.write.approve([registryAddress, 2n ** 255n], { account: r.wallet.account });
    await registry.write.register(
      [r.role, bytesToHex(r.mixKey), bytesToHex(r.vrf.publicKey), `/ip4/127.0.0.1/tcp/${9000 + r.index}`, 100n * OBOL],
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
    const target = Number(genesis + e * BigInt(EPOCH));
    const now = (await publicClient.getBlock()).timestamp;
    if (BigInt(target) > now) await networkHelpers.time.increaseTo(target);
    await registry.write.openEpoch();
  }
  /** The five hop layers of `e` as the contract orders them (snapshots if needed). */
  async function layers(e: bigint): Promise<LoopLayers> {
    await shopper.write.snapshotDirectory([e]);
    const out: RouteHop[][] = [];
    for (let l = 0; l < 5; l++) {
      const members = await shopper.read.layerMembers([e, l]);
      out.push(members.map((a) => ({ relay: a, mixKey: relayOf(a).mixKey, layer: l })));
    }
    return out;
  }
  /** Loop j of `sender` in epoch `e`, from its VRF. */
  async function loop(sender: Relay, e: bigint, j: number, meanDelayMs = 100): Promise<Loop & { proof: Uint8Array }> {
    const alpha = loopInput({ chainId, shopper: shopperAddress, sender: sender.address, epoch: e, index: j });
    const { proof, output } = vrfProve(sender.vrf.secretKey, alpha);
    const mailbox = (exit: Address) => mailboxId(loopPullKey(sender.vrf.secretKey, e, exit));
    return { ...buildLoop({ beta: output, layers: await layers(e), params: PARAMS, meanDelayMs, mailbox }), proof };
  }
  /**
   * Carries a packet through the relays with the real Sphinx peel; each relay
   * records the replay tag it saw. `dropAt` = index of a relay that records
   * the tag but does not forward; `silentAt` = one that drops without recording.
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
      const peeled = peelPacket({ group: x25519Group, params: PARAMS, secretKey: r.mixSecret, packet: p });
      const header = p.slice(0, headerSize(x25519Group, PARAMS.routingInfoSize));
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
  function noise(r: Relay, e: bigint, n: number) {
    const list = r.tags.get(e) ?? [];
    for (let i = 0; i < n; i++) list.push(crypto.getRandomValues(new Uint8Array(32)));
    r.tags.set(e, list);
  }
  const trees = new Map<string, MerkleTree>();
  async function commitAll(e: bigint, only?: Relay[]) {
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
    await networkHelpers.mine(2);
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
    conn,
    viem,
    networkHelpers,
    publicClient,
    wallets,
    deployer,
    token,
    registry,
    shopper,
    chainId,
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
export type World = Awaited<ReturnType<typeof createWorld>>;
