/**
 * One epoch of the shopper at N relays for the comparison's scale probe
 * (docs/compare.md §Cost at scale). For epoch E the hook snapshots the
 * directory and has every relay commit a tag root in E+1, as a network of N
 * relays does; a sample of relays (VRF keys registered once) also audit: each
 * builds {@link LOOPS} real loops of E over the snapshot's layers, the hops on
 * their routes commit Merkle roots holding the loops' tags, and in E+2 the
 * beacon is fixed and each sampled sender reveals one winning loop and proves
 * its five hops; in E+4 the audit is finalised. So every audit step has its
 * gas measured at every N. The loops are not carried through relays: the tags
 * a hop would record are the ones the sender derives (what the contract checks).
 */
import { randomBytes } from "node:crypto";
import { bytesToHex, encodeAbiParameters, hexToBytes, keccak256, type Address, type Hex } from "viem";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { sendContractTx } from "../../chain/tx.js";
import type { ChainClients } from "../../chain/types.js";
import { buildMerkleTree, merkleProof, type MerkleTree } from "../../crypto/merkle.js";
import { vrfKeygen, vrfProve, type VrfKeyPair } from "../../crypto/vrf/bls.js";
import { mailboxId } from "../../net/inbox.js";
import type { ScaleContext } from "../devnet.js";
import type { RouteHop } from "../scheme.js";
import { buildLoop, leafValue, loopInput, loopPullKey, type Loop } from "./loop.js";
import { WORLD_PARAMS } from "./world.js";

/** Relays per N that audit one loop each (the audit steps' count per epoch comes from the run). */
export const AUDIT_SAMPLE = 3;
/** Loops each sampled sender builds so that one wins at the deployed ε = 1/8 (none wins with chance (7/8)^48 ≈ 0.2 %). */
export const LOOPS = 48;
const HOPS = 5;

/** Per probe chain (the deployer): the sampled senders' VRF keys and the relays' mix keys read so far. */
const state = new WeakMap<ChainClients, { vrf: Map<Address, VrfKeyPair>; mixKeys: Map<Address, Uint8Array> }>();

export async function shopperScaleEpoch(c: ScaleContext, pool: bigint): Promise<void> {
  const shopper = c.deployer.deployment.contracts.ShopperAudit!;
  const registry = c.deployer.deployment.contracts.RelayRegistry;
  const send = (from: ChainClients, functionName: string, args: readonly unknown[], what: string) =>
    sendContractTx(from, { address: shopper, abi: shopperAuditAbi, functionName, args } as never, what);
  let s = state.get(c.deployer);
  if (!s) {
    s = { vrf: new Map(), mixKeys: new Map() };
    state.set(c.deployer, s);
    await c.oneOff(async () => {
      await sendContractTx(
        c.deployer,
        {
          address: c.deployer.deployment.contracts.ObolToken,
          abi: obolTokenAbi,
          functionName: "approve",
          args: [shopper, pool],
        },
        "approve shopper pool",
      );
      await send(c.deployer, "fund", [pool], "fund shopper pool");
    });
  }
  const keysAt = (relay: Address, epoch: bigint) =>
    c.deployer.publicClient.readContract({
      address: registry,
      abi: relayRegistryAbi,
      functionName: "keysAt",
      args: [relay, epoch],
    });
  // Sampled senders need a VRF key in force at E: registered once (from the next epoch), so the first epoch audits nobody.
  const senders: { r: ChainClients; vrf: VrfKeyPair }[] = [];
  for (const r of c.relays.slice(0, AUDIT_SAMPLE)) {
    const vrf = s.vrf.get(r.account);
    if (vrf) {
      if ((await keysAt(r.account, c.epoch))[1] === bytesToHex(vrf.publicKey)) senders.push({ r, vrf });
      continue;
    }
    const fresh = vrfKeygen();
    s.vrf.set(r.account, fresh);
    const [mixKey] = await keysAt(r.account, c.epoch + 1n);
    await c.oneOff(() =>
      sendContractTx(
        r,
        {
          address: registry,
          abi: relayRegistryAbi,
          functionName: "updateKeys",
          args: [mixKey, bytesToHex(fresh.publicKey)],
        },
        "register a VRF key",
      ),
    );
  }

  // E+1: the directory snapshot of E first (else the first commit pays it), then every relay's commitment.
  await c.advance(c.epoch + 1n);
  await c.each("ShopperAudit.snapshotDirectory", [c.epoch], (epoch) =>
    send(c.deployer, "snapshotDirectory", [epoch], "snapshot the directory"),
  );
  const loops = await buildLoops(c, s.mixKeys, senders, shopper);
  if (loops === null) {
    // Marks the audit failing at this N (reported there) rather than leaving it silently unmeasured.
    await c.each("ShopperAudit.reveal", [c.epoch], async () => {
      throw new Error("a layer of the directory is empty: no loop can be routed (fewer than 2 gateways or 3 mixes)");
    });
    return;
  }
  const leaves = new Map<Address, Uint8Array[]>();
  for (const { loop } of loops.flatMap((x) => x.loops))
    loop.route.forEach((hop, h) => {
      const list = leaves.get(hop.relay) ?? [];
      list.push(leafValue(loop.tags[h]!, loop.headers[h]!));
      leaves.set(hop.relay, list);
    });
  const trees = new Map<Address, MerkleTree>();
  await c.each("ShopperAudit.commit", c.relays, (r) => {
    // A hop on a sampled loop commits a tree with its tags; the others commit a root of their own traffic.
    const tree = buildMerkleTree(leaves.get(r.account) ?? [new Uint8Array(randomBytes(32))]);
    trees.set(r.account, tree);
    return send(r, "commit", [c.epoch, bytesToHex(tree.root), BigInt(tree.size)], "commit a tag root");
  });
  if (senders.length === 0) return;

  // E+2: the beacon (requested, then fixed from the registry's seed), then each sender reveals a winner and proves its hops.
  await c.advance(c.epoch + 2n);
  await c.each("ShopperAudit.requestBeacon", [c.epoch], (epoch) =>
    send(c.deployer, "requestBeacon", [epoch], "request beacon"),
  );
  await c.each("ShopperAudit.fixBeacon", [c.epoch], (epoch) => send(c.deployer, "fixBeacon", [epoch], "fix beacon"));
  const audit = c.deployer.publicClient;
  const winners: { r: ChainClients; loop: Loop; j: number; proof: Uint8Array }[] = [];
  for (const { r, loops: mine } of loops) {
    for (const l of mine)
      if (
        await audit.readContract({
          address: shopper,
          abi: shopperAuditAbi,
          functionName: "isWinner",
          args: [c.epoch, bytesToHex(l.loop.beta)],
        })
      ) {
        winners.push({ r, ...l });
        break;
      }
  }
  const claim = (loop: Loop) => ({
    tags: loop.tags.map((t) => bytesToHex(t)) as [Hex, Hex, Hex, Hex, Hex],
    headers: loop.headers.map((h) => bytesToHex(h)) as [Hex, Hex, Hex, Hex, Hex],
  });
  const ids: Hex[] = [];
  await c.each("ShopperAudit.reveal", winners, async ({ r, loop, j, proof }) => {
    await send(r, "reveal", [r.account, c.epoch, j, bytesToHex(proof), claim(loop)], "reveal a loop");
    // The contract's audit id: keccak256(abi.encode(sender, epoch, index)).
    ids.push(
      keccak256(
        encodeAbiParameters([{ type: "address" }, { type: "uint64" }, { type: "uint32" }], [r.account, c.epoch, j]),
      ),
    );
  });
  await c.each(
    "ShopperAudit.proveHops",
    winners.map((w, i) => ({ ...w, id: ids[i]! })),
    ({ r, loop, id }) => {
      const proofs = loop.route.map((hop, h) => {
        const p = merkleProof(trees.get(hop.relay)!, leafValue(loop.tags[h]!, loop.headers[h]!));
        if (!p) throw new Error(`hop ${h} of the sampled loop is not in its relay's tree`);
        return p.map((x) => bytesToHex(x));
      });
      return send(r, "proveHops", [id, claim(loop), [0, 1, 2, 3, 4], proofs], "prove the loop's hops");
    },
  );
  // E+4: the audit is finalised (all hops proven: paid).
  await c.advance(c.epoch + 4n);
  await c.each("ShopperAudit.finalize", ids, (id) => send(c.deployer, "finalize", [id], "finalize an audit"));
}

/**
 * Loops 0 … LOOPS−1 of each sender in E over the snapshot's layers (mix keys
 * read from the registry once per relay), with their VRF proofs.
 */
async function buildLoops(
  c: ScaleContext,
  mixKeys: Map<Address, Uint8Array>,
  senders: readonly { r: ChainClients; vrf: VrfKeyPair }[],
  shopper: Address,
): Promise<{ r: ChainClients; loops: { loop: Loop; j: number; proof: Uint8Array }[] }[] | null> {
  if (senders.length === 0) return [];
  const read = c.deployer.publicClient;
  const layers: RouteHop[][] = [];
  for (let l = 0; l < HOPS; l++) {
    const members = await read.readContract({
      address: shopper,
      abi: shopperAuditAbi,
      functionName: "layerMembers",
      args: [c.epoch, l],
    });
    for (const a of members)
      if (!mixKeys.has(a)) {
        const [mixKey] = await read.readContract({
          address: c.deployer.deployment.contracts.RelayRegistry,
          abi: relayRegistryAbi,
          functionName: "keysAt",
          args: [a, c.epoch],
        });
        mixKeys.set(a, hexToBytes(mixKey));
      }
    layers.push(members.map((a) => ({ relay: a, mixKey: mixKeys.get(a)!, layer: l })));
  }
  if (layers.some((l) => l.length === 0)) return null;
  const chainId = await read.getChainId();
  return senders.map(({ r, vrf }) => ({
    r,
    loops: Array.from({ length: LOOPS }, (_, j) => {
      const alpha = loopInput({ chainId, shopper, sender: r.account, epoch: c.epoch, index: j });
      const { proof, output } = vrfProve(vrf.secretKey, alpha);
      const mailbox = (exit: Address) => mailboxId(loopPullKey(vrf.secretKey, c.epoch, exit));
      return { loop: buildLoop({ beta: output, layers, params: WORLD_PARAMS, meanDelayMs: 100, mailbox }), j, proof };
    }),
  }));
}
