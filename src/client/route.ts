/**
 * Stratified route selection (DESIGN §4, Loopix): entry gateway → one mix in
 * each layer 1, 2, 3 → exit gateway, uniformly at random within each layer.
 * Only bonded relays (stake > 0 in the snapshot) are eligible.
 */
import { primitives } from "#platform/crypto";

const randomInt = (n: number) => primitives.randomInt(n);
import { isAddressEqual, type Address } from "viem";
import type { DirectoryEntry, DirectorySnapshot } from "../chain/types.js";
import type { RouteHop } from "../schemes/scheme.js";
import { EmptyLayerError, UnknownGatewayError } from "./errors.js";

/** Mix layers of the stratified topology (DESIGN §4). */
export const MIX_LAYERS = [1, 2, 3] as const;
export const ENTRY_LAYER = 0;
export const EXIT_LAYER = 4;

/** Uniform integer in [0, n). Defaults to the platform CSPRNG (`#platform/crypto`). */
export type RandomInt = (n: number) => number;

export type SelectRouteParameters = {
  directory: DirectorySnapshot;
  /** The client's own gateway; chosen uniformly among gateways when absent. */
  entry?: Address | undefined;
  /** The recipient's gateway; chosen uniformly among gateways when absent (drops). */
  exit?: Address | undefined;
  random?: RandomInt | undefined;
};

/**
 * Picks a 5-hop stratified route.
 *
 * @param parameters.directory the epoch's directory snapshot.
 * @param parameters.entry gateway the client is connected to (optional).
 * @param parameters.exit gateway of the recipient (optional).
 * @param parameters.random uniform integer source, for seeded simulations.
 * @returns five hops: layers 0, 1, 2, 3, 4.
 * @throws EmptyLayerError when a layer has no bonded relay; UnknownGatewayError when `entry`/`exit` is not a bonded gateway.
 * @example
 * const route = selectRoute({ directory, entry: myGateway, exit: address.gateway });
 */
export function selectRoute({ directory, entry, exit, random = randomInt }: SelectRouteParameters): RouteHop[] {
  const gateways = eligible(directory, (e) => e.role === "gateway");
  const pickGateway = (wanted: Address | undefined, layer: number): RouteHop => {
    if (wanted !== undefined) {
      const found = gateways.find((g) => isAddressEqual(g.relay, wanted));
      if (!found) throw new UnknownGatewayError(wanted);
      return toHop(found, layer);
    }
    if (gateways.length === 0) throw new EmptyLayerError(layer);
    return toHop(pick(gateways, random), layer);
  };
  const first = pickGateway(entry, ENTRY_LAYER);
  const mixes = MIX_LAYERS.map((layer) => {
    const candidates = eligible(directory, (e) => e.role === "mix" && e.layer === layer);
    if (candidates.length === 0)
      throw new EmptyLayerError(layer, {
        details: `epoch ${directory.epoch}: ${directory.entries.length} relays listed`,
      });
    return toHop(pick(candidates, random), layer);
  });
  const last = pickGateway(exit, EXIT_LAYER);
  return [first, ...mixes, last];
}

/**
 * Finds a bonded gateway by address.
 *
 * @returns its directory entry.
 * @throws UnknownGatewayError when absent.
 * @example
 * const gw = findGateway(directory, address.gateway);
 */
export function findGateway(directory: DirectorySnapshot, gateway: Address): DirectoryEntry {
  const found = eligible(directory, (e) => e.role === "gateway").find((g) => isAddressEqual(g.relay, gateway));
  if (!found) throw new UnknownGatewayError(gateway);
  return found;
}

function eligible(directory: DirectorySnapshot, filter: (e: DirectoryEntry) => boolean): DirectoryEntry[] {
  return directory.entries.filter((e) => e.stake > 0n && e.mixKey.length === 32 && filter(e));
}

function pick<T>(items: readonly T[], random: RandomInt): T {
  const i = random(items.length);
  const item = items[i];
  if (item === undefined) throw new RangeError(`random(${items.length}) returned ${i}`);
  return item;
}

function toHop(entry: DirectoryEntry, layer: number): RouteHop {
  return { relay: entry.relay, mixKey: entry.mixKey, layer };
}

/**
 * The gateway a client uses: `preferred` when it is a bonded gateway, else one
 * chosen uniformly (CSPRNG) among the bonded gateways.
 *
 * @throws UnknownGatewayError when `preferred` is not bonded; EmptyLayerError when there is no gateway.
 * @example
 * const gateway = chooseGateway(directory, state.identity().gateway ?? undefined);
 */
export function chooseGateway(
  directory: DirectorySnapshot,
  preferred?: Address,
  random: RandomInt = randomInt,
): Address {
  if (preferred !== undefined) return findGateway(directory, preferred).relay;
  const gateways = eligible(directory, (e) => e.role === "gateway");
  if (gateways.length === 0) throw new EmptyLayerError(ENTRY_LAYER);
  return pick(gateways, random).relay;
}
