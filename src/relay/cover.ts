/**
 * Relay cover loops (Loopix, DESIGN §4; docs/relay.md §Cover traffic): at
 * rate λM a relay sends a loop packet that travels through the rest of the
 * stratified topology and returns to it, so an observer sees traffic even
 * when no client sends, and the relay learns when its loops stop returning.
 *
 * Route of a loop from a relay in mix layer l: one mix of each layer
 * l+1 … 3, one gateway, one mix of each layer 1 … l−1, then the relay itself
 * (action `loop`). From a gateway: one mix of each layer 1, 2, 3, then itself.
 * Always 4 hops. Each relay is picked uniformly within its layer, never self;
 * each hop's delay is drawn from Exp(mean) like a client's.
 */
import { randomInt } from "node:crypto";
import { isAddressEqual, type Address } from "viem";
import type { DirectoryEntry, DirectorySnapshot } from "../chain/types.js";
import { deriveHopSecrets } from "../crypto/sphinx/header.js";
import type { SphinxGroup } from "../crypto/sphinx/group.js";
import type { HopInstruction } from "../crypto/sphinx/hop.js";
import { createPacket, replayTag } from "../crypto/sphinx/packet.js";
import type { SphinxParams } from "../crypto/sphinx/params.js";
import type { ClientScheme } from "../schemes/scheme.js";
import { InvalidInputError } from "../errors.js";

/** Uniform in [0, 1) from the CSPRNG (2^-48 resolution). */
export function uniform(): number {
  return randomInt(0, 2 ** 48 - 1) / 2 ** 48; // randomInt needs max − min < 2^48
}

/**
 * A delay drawn from Exp(1/meanMs), rounded to whole milliseconds.
 *
 * @param meanMs mean delay (1/μ)
 * @returns delay in ms
 * @example
 * exponentialDelay(50); // e.g. 37
 */
export function exponentialDelay(meanMs: number): number {
  return Math.round(-Math.log(1 - uniform()) * meanMs);
}

/**
 * The loop route for `self` in `snapshot`, or null when self is not listed
 * or a layer it needs is empty.
 *
 * @returns the hops in order, ending with self's own entry
 * @example
 * const route = loopRoute(snapshot, myAddress); // e.g. layers [2, 3, gateway, 1, me] for a layer-1 mix
 */
export function loopRoute(snapshot: DirectorySnapshot, self: Address): DirectoryEntry[] | null {
  const me = snapshot.entries.find((e) => isAddressEqual(e.relay, self));
  if (!me) return null;
  const others = snapshot.entries.filter((e) => !isAddressEqual(e.relay, self));
  const mixOf = (layer: number) => others.filter((e) => e.role === "mix" && e.layer === layer);
  const gateways = others.filter((e) => e.role === "gateway");
  const own = me.role === "mix" ? me.layer : 0;
  const layers: (number | "gateway")[] =
    own === 0 ? [1, 2, 3] : [...range(own + 1, 3), "gateway", ...range(1, own - 1)];
  const route: DirectoryEntry[] = [];
  for (const layer of layers) {
    const candidates = layer === "gateway" ? gateways : mixOf(layer);
    if (candidates.length === 0) return null;
    route.push(candidates[randomInt(candidates.length)]!);
  }
  route.push(me);
  return route;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

export type LoopPacket = {
  /** Address of the first hop. */
  firstHop: DirectoryEntry;
  packet: Uint8Array;
  attachment: Uint8Array;
  /** Replay tag the packet will have when it returns to us. */
  returnTag: Uint8Array;
};

/**
 * Builds one loop packet along `route` (from {@link loopRoute}), paid by `payer`.
 *
 * @param p.meanDelayMs mean of each hop's Exp delay
 * @returns the packet, its first hop, the attachment and the tag to expect back
 * @example
 * const loop = await buildLoopPacket({ group, params, route, payer: scheme.client(deps), epoch, meanDelayMs: 50 });
 * await (await pool.linkTo(loop.firstHop.multiaddr)).send(encodeFrame({ type: "packet", ...loop }, layout));
 */
export async function buildLoopPacket(p: {
  group: SphinxGroup;
  params: SphinxParams;
  route: readonly DirectoryEntry[];
  payer: ClientScheme;
  epoch: bigint;
  meanDelayMs: number;
}): Promise<LoopPacket> {
  const { route } = p;
  const keys = deriveHopSecrets({ group: p.group, sessionKey: p.group.randomSecretKey(), publicKeys: route.map((e) => e.mixKey) });
  const payment = await p.payer.pay({
    route: route.map((e) => ({ relay: e.relay, mixKey: e.mixKey, layer: e.layer })),
    secrets: keys.secrets,
    epoch: p.epoch,
    kind: "loop",
  });
  const hops: HopInstruction[] = route.map((_, i) =>
    i < route.length - 1
      ? { action: "forward", next: route[i + 1]!.relay, delayMs: exponentialDelay(p.meanDelayMs), slot: payment.slots[i]! }
      : { action: "loop", delayMs: 0, slot: payment.slots[i]! },
  );
  const packet = createPacket({ group: p.group, params: p.params, ...keys, hops, message: new Uint8Array(0) });
  return { firstHop: route[0]!, packet, attachment: payment.attachment, returnTag: replayTag(keys.secrets.at(-1)!) };
}

/**
 * Calls `tick` at the events of a Poisson process of rate `ratePerSecond`
 * (exponential gaps), until `stop()`.
 *
 * @example
 * const timer = new PoissonTimer(0.5, () => void sendLoop());
 * timer.start(); … timer.stop();
 */
export class PoissonTimer {
  readonly #meanGapMs: number;
  readonly #tick: () => void;
  #timer: NodeJS.Timeout | null = null;

  constructor(ratePerSecond: number, tick: () => void) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
      throw new InvalidInputError("ratePerSecond", "must be a positive finite number");
    this.#meanGapMs = 1_000 / ratePerSecond;
    this.#tick = tick;
  }

  start(): void {
    if (this.#timer) return;
    const next = () => {
      this.#timer = setTimeout(() => {
        this.#tick();
        if (this.#timer) next();
      }, exponentialDelay(this.#meanGapMs));
    };
    next();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
