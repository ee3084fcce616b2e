/**
 * Relay cover loops (Loopix, DESIGN §4; docs/relay.md §Cover traffic): at
 * rate λM a relay sends a loop packet that travels through the rest of the
 * stratified topology and returns to it, so an observer sees traffic even
 * when no client sends, and the relay learns when its loops stop returning.
 *
 * Routes have the shape of a client's (gateway → mix 1 → mix 2 → mix 3 →
 * gateway, 5 hops), so no hop can tell a loop from a client packet by its
 * place in the route or by the payment fields that follow from it (issue 9,
 * finding 4; docs/channels.md §Packet kinds). A mix of layer l sits on its
 * own loop at layer l: the loop enters at a gateway, passes the mixes of
 * layers 1 … l−1, reaches the mix itself (there it counts as returned), goes
 * on through layers l+1 … 3 and ends at a gateway (action `loop`). A gateway's
 * loop enters at another gateway and ends at the gateway itself. Each hop is
 * picked uniformly within its layer; each hop's delay is drawn from Exp(mean)
 * like a client's.
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
 * or a layer it needs is empty (a gateway also needs another gateway).
 *
 * @returns the 5 hops in order; self is at its own layer (a gateway: last)
 * @example
 * const route = loopRoute(snapshot, myAddress); // e.g. [gateway, me (layer 1), mix 2, mix 3, gateway]
 */
export function loopRoute(snapshot: DirectorySnapshot, self: Address): DirectoryEntry[] | null {
  const me = snapshot.entries.find((e) => isAddressEqual(e.relay, self));
  if (!me) return null;
  const others = snapshot.entries.filter((e) => !isAddressEqual(e.relay, self));
  const pick = (candidates: DirectoryEntry[]) =>
    candidates.length === 0 ? null : candidates[randomInt(candidates.length)]!;
  const gateways = (list: DirectoryEntry[]) => list.filter((e) => e.role === "gateway");
  const mixOf = (layer: number) =>
    me.role === "mix" && me.layer === layer ? me : pick(others.filter((e) => e.role === "mix" && e.layer === layer));
  const first = pick(gateways(others).concat(me.role === "mix" ? gateways([me]) : []));
  const mixes = range(1, 3).map(mixOf);
  const last = me.role === "gateway" ? me : pick(gateways(others));
  const route = [first, ...mixes, last];
  return route.every((e): e is DirectoryEntry => e !== null) ? route : null;
}

/** Position of `self` on its own loop route: where the loop counts as returned. */
export function returnPosition(route: readonly DirectoryEntry[], self: Address): number {
  return route.findLastIndex((e) => isAddressEqual(e.relay, self));
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
  /** The sending relay: `returnTag` is the tag its own hop will see (default: the last hop's). */
  self?: Address;
}): Promise<LoopPacket> {
  const { route } = p;
  const keys = deriveHopSecrets({
    group: p.group,
    sessionKey: p.group.randomSecretKey(),
    publicKeys: route.map((e) => e.mixKey),
  });
  const payment = await p.payer.pay({
    route: route.map((e) => ({ relay: e.relay, mixKey: e.mixKey, layer: e.layer })),
    secrets: keys.secrets,
    epoch: p.epoch,
    kind: "loop",
  });
  const hops: HopInstruction[] = route.map((_, i) =>
    i < route.length - 1
      ? {
          action: "forward",
          next: route[i + 1]!.relay,
          delayMs: exponentialDelay(p.meanDelayMs),
          slot: payment.slots[i]!,
        }
      : { action: "loop", delayMs: 0, slot: payment.slots[i]! },
  );
  const packet = createPacket({ group: p.group, params: p.params, ...keys, hops, message: new Uint8Array(0) });
  const at = p.self ? returnPosition(route, p.self) : route.length - 1;
  return { firstHop: route[0]!, packet, attachment: payment.attachment, returnTag: replayTag(keys.secrets.at(at)!) };
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
