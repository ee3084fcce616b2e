/**
 * Linking attack against the real transcripts of a run (DESIGN §7;
 * docs/compare.md §Linking attack). The adversary controls one entry gateway
 * and k mixes; it sees, at each relay it controls, every accepted packet's
 * arrival time, previous peer and next hop, plus the payment bytes the scheme
 * puts there (which under the measured schemes name no sender beyond the
 * first hop). For every client packet that reached one of its mixes it guesses
 * the sender:
 * - it walks back hop by hop while the previous hop is one of its relays,
 *   taking at each step the latest packet that relay received for this next
 *   hop before the arrival (the most likely one under exponential mixing
 *   delays);
 * - if the walk reaches its entry gateway, the gateway's previous peer is the
 *   guess (a client's own connection);
 * - otherwise it guesses the sender with the largest share of traffic.
 * Ground truth (never shown to the adversary) is the sender whose packet
 * carried the observed hop's Sphinx shared secret. Chance is the share of
 * the most frequent sender among the same target packets.
 */
import type { Address, Hex } from "viem";
import type { HopObservation, SentPacket } from "./instrument.js";

export type LinkingInput = {
  observations: readonly HopObservation[];
  sent: readonly SentPacket[];
  /** libp2p peer id → relay address, for every relay. */
  relayPeers: ReadonlyMap<string, Address>;
  /** Client accounts (targets are packets they built). */
  clients: readonly Address[];
  entryGateway: Address;
  /** Compromised mixes. */
  mixes: readonly Address[];
};

export type LinkingResult = {
  adversary: string;
  k: number;
  /** Client packets that reached a compromised mix. */
  targets: number;
  correct: number;
  success: number;
  chance: number;
};

/**
 * Runs the attack once for one adversary.
 *
 * @returns success rate vs. chance over the packets the adversary saw.
 * @example
 * const r = linkingAttack({ observations, sent, relayPeers, clients, entryGateway, mixes: [m1] });
 */
export function linkingAttack(input: LinkingInput): LinkingResult {
  const controlled = new Set([input.entryGateway, ...input.mixes].map((a) => a.toLowerCase()));
  const clientSet = new Set(input.clients.map((c) => c.toLowerCase()));
  const senderOf = new Map<Hex, Address>();
  for (const p of input.sent) if (clientSet.has(p.sender.toLowerCase())) for (const ss of p.ss) senderOf.set(ss, p.sender);

  // What each controlled relay saw, in arrival order.
  const seen = new Map<string, HopObservation[]>();
  for (const o of input.observations) {
    const relay = o.relay.toLowerCase();
    if (!controlled.has(relay)) continue;
    const list = seen.get(relay) ?? [];
    list.push(o);
    seen.set(relay, list);
  }
  // The entry gateway learns who its clients are from their connections: peer → account, from its first-hop packets.
  const entryPeers = new Map<string, Address>();
  for (const o of seen.get(input.entryGateway.toLowerCase()) ?? []) {
    const sender = senderOf.get(o.ss);
    if (sender && !input.relayPeers.has(o.fromPeer)) entryPeers.set(o.fromPeer, sender);
  }

  const targets = input.mixes.flatMap((m) => seen.get(m.toLowerCase()) ?? []).filter((o) => senderOf.has(o.ss));
  const share = new Map<string, number>();
  for (const o of targets) share.set(senderOf.get(o.ss)!, (share.get(senderOf.get(o.ss)!) ?? 0) + 1);
  let prior: Address | null = null;
  let priorCount = 0;
  for (const [sender, n] of share) if (n > priorCount) [prior, priorCount] = [sender as Address, n];

  let correct = 0;
  for (const target of targets) {
    const guess = traceBack(target, seen, input, entryPeers) ?? prior;
    if (guess && guess.toLowerCase() === senderOf.get(target.ss)!.toLowerCase()) correct++;
  }
  const n = targets.length;
  return { adversary: "entry gateway + k mixes", k: input.mixes.length, targets: n, correct, success: n ? correct / n : 0, chance: n ? priorCount / n : 0 };
}

function traceBack(start: HopObservation, seen: Map<string, HopObservation[]>, input: LinkingInput, entryPeers: Map<string, Address>): Address | null {
  let current = start;
  for (let depth = 0; depth < 8; depth++) {
    const from = input.relayPeers.get(current.fromPeer);
    if (from === undefined) {
      // A client connection: only the entry gateway sees those.
      return current.relay.toLowerCase() === input.entryGateway.toLowerCase() ? (entryPeers.get(current.fromPeer) ?? null) : null;
    }
    const upstream = seen.get(from.toLowerCase());
    if (!upstream) return null; // an honest relay: the trail ends
    let best: HopObservation | null = null;
    for (const o of upstream) {
      if (o.t > current.t) break;
      if (o.nextHop?.toLowerCase() === current.relay.toLowerCase()) best = o;
    }
    if (!best) return null;
    current = best;
  }
  return null;
}
