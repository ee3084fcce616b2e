/**
 * Chain access of the shopper scheme: the contract address, the epoch's loop
 * layers as the contract orders them, and the audit events.
 */
import { bytesToHex, hexToBytes, type Address, type Hex } from "viem";
import type { ChainClients } from "../../chain/types.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { ensureEpochOpen } from "../../chain/epochs.js";
import type { RouteHop } from "../scheme.js";
import { ShopperEmptyLayerError, ShopperNotDeployedError } from "./errors.js";
import type { LoopLayers } from "./loop.js";

/** Address of ShopperAudit in the deployment, or a ShopperNotDeployedError. */
export function shopperAddress(chain: ChainClients): Address {
  const address = chain.deployment.contracts.ShopperAudit;
  if (!address) throw new ShopperNotDeployedError();
  return address;
}

/**
 * The five hop layers of `epoch` as ShopperAudit routes loops. The registry
 * froze the epoch's membership when it began; only its seed must be fixed, so
 * this opens the epoch when nobody has yet (relays do on entering it) and
 * reads the members (a view, O(n) off chain; no transaction per epoch) and
 * their mix keys.
 *
 * @example
 * const layers = await loopLayers(chain, epoch);
 */
export async function loopLayers(chain: ChainClients, epoch: bigint): Promise<LoopLayers> {
  const address = shopperAddress(chain);
  const read = (l: number) =>
    chain.publicClient.readContract({ address, abi: shopperAuditAbi, functionName: "layerMembers", args: [epoch, l] });
  // The layers need the epoch's seed (empty until then); if nobody opened the epoch yet, open it.
  if ((await read(0)).length === 0) await ensureEpochOpen(chain).catch(() => {});
  // Every read at once: the auditor needs them early in the epoch, when a devnet's node is busiest.
  const members = await Promise.all([0, 1, 2, 3, 4].map(read));
  const layers = await Promise.all(
    members.map((relays, l) => {
      if (relays.length === 0) throw new ShopperEmptyLayerError(epoch, l);
      return Promise.all(
        relays.map(async (relay): Promise<RouteHop> => {
          const [mixKey] = await chain.publicClient.readContract({
            address: chain.deployment.contracts.RelayRegistry,
            abi: relayRegistryAbi,
            functionName: "keysAt",
            args: [relay, epoch],
          });
          return { relay, mixKey: hexToBytes(mixKey), layer: l };
        }),
      );
    }),
  );
  return layers;
}

export type RevealedLoop = {
  auditId: Hex;
  epoch: bigint;
  sender: Address;
  index: number;
  vrfOutput: Hex;
  route: readonly Address[];
  tags: readonly Hex[];
  /** keccak256 of the header the sender claims each hop received. */
  headers: readonly Hex[];
};

/** LoopRevealed events of `epoch` since the deployment block. */
export async function revealedLoops(chain: ChainClients, epoch: bigint): Promise<RevealedLoop[]> {
  const logs = await chain.publicClient.getContractEvents({
    address: shopperAddress(chain),
    abi: shopperAuditAbi,
    eventName: "LoopRevealed",
    args: { epoch },
    fromBlock: chain.deployment.startBlock,
  });
  return logs.map((l) => {
    const a = l.args as {
      auditId: Hex;
      epoch: bigint;
      sender: Address;
      index: number;
      vrfOutput: Hex;
      route: readonly Address[];
      tags: readonly Hex[];
      headers: readonly Hex[];
    };
    return {
      auditId: a.auditId,
      epoch: a.epoch,
      sender: a.sender,
      index: a.index,
      vrfOutput: a.vrfOutput,
      route: a.route,
      tags: a.tags,
      headers: a.headers,
    };
  });
}

export const toHex32 = (b: Uint8Array): Hex => bytesToHex(b);
export const tags5 = (tags: readonly (Hex | Uint8Array)[]) =>
  tags.map((t) => (typeof t === "string" ? t : bytesToHex(t))) as unknown as readonly [Hex, Hex, Hex, Hex, Hex];

/** The LoopClaim (tags and header hashes per hop) a reveal carries. */
export const claim5 = (tags: readonly (Hex | Uint8Array)[], headers: readonly (Hex | Uint8Array)[]) => ({
  tags: tags5(tags),
  headers: tags5(headers),
});
