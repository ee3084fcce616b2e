/**
 * E2-order: the spend-order chaining attack (issue 10, finding 2;
 * bench/tickets-chaining.ts) as a comparison adversary, on what one corrupt
 * mix sees in a real run: the slot bytes of every packet it accepts, in
 * arrival order. It never learns the scheme's layout. It takes as the order
 * key the first 8 bytes of the slot from the first offset whose byte varies
 * across packets like a random byte (so an epoch or a constant header is
 * skipped and a token serial is found), keeps one open chain per presumed
 * sender, and appends each packet to the open chain whose last key is the
 * largest one below its own (a wallet that spends in ascending serial order
 * always continues its chain that way), else starts a chain.
 *
 * Without any varying slot bytes (`free`, or a scheme whose slot is empty)
 * it falls back to what arrival order alone gives: each packet continues
 * the chain of the packet that arrived just before it.
 *
 * Scored on every client packet-hop at the mix whose sender had an earlier
 * packet-hop there in the window: correct iff the chain's previous packet is
 * the same sender's. `chance` is that fallback's accuracy on the same
 * arrivals, `uniform` is 1/#clients (a pick among one open chain per client).
 */
import type { Address } from "viem";
import type { Adversary, Indexed, LinkingResult } from "./linking.js";

const KEY_BYTES = 8;

/**
 * Runs the chaining attack at one mix.
 *
 * @param ix the indexed transcript of one workload window.
 * @param a the adversary (its description and id are reported).
 * @param mix the corrupt mix.
 * @example
 * const r = spendOrderAttack(indexTranscript(transcript), adversary, mix);
 */
export function spendOrderAttack(ix: Indexed, a: Adversary, mix: Address): LinkingResult {
  const arrivals = ix.byRelay.get(mix.toLowerCase()) ?? [];
  const slots = arrivals.map((i) => ix.t.observations[i]!.slot);
  const offset = keyOffset(slots);
  const keys = offset === null ? null : slots.map((s) => orderKey(s, offset));
  const predecessor = keys ? greedyChains(keys) : arrivals.map((_, k) => k - 1);
  const sender = arrivals.map((i) => {
    const x = ix.truth[i];
    return x ? (ix.senderOf[x.packet]?.toLowerCase() ?? null) : null;
  });
  const seen = new Set<string>();
  let targets = 0;
  let correct = 0;
  let byArrival = 0;
  sender.forEach((s, k) => {
    if (s === null) return;
    if (seen.has(s)) {
      targets++;
      const p = predecessor[k]!;
      if (p >= 0 && sender[p] === s) correct++;
      if (k > 0 && sender[k - 1] === s) byArrival++;
    }
    seen.add(s);
  });
  return {
    adversary: a.id,
    description: a.description,
    targets,
    correct,
    accuracy: targets ? correct / targets : 0,
    pairTargets: 0,
    pairCorrect: 0,
    pairAccuracy: null,
    chance: targets ? byArrival / targets : 0,
    uniform: ix.t.clients.length ? 1 / ix.t.clients.length : 0,
  };
}

/**
 * The first byte offset where the slots' byte takes at least min(16, ⌈n/2⌉)
 * distinct values (a random byte does; an epoch, a length or padding does
 * not), with room for an 8-byte key; null when there is none.
 */
export function keyOffset(slots: readonly Uint8Array[]): number | null {
  const n = slots.length;
  if (n < 4) return null;
  const length = Math.min(...slots.map((s) => s.length));
  const needed = Math.min(16, Math.ceil(n / 2));
  for (let offset = 0; offset + KEY_BYTES <= length; offset++) {
    const distinct = new Set(slots.map((s) => s[offset]));
    if (distinct.size >= needed) return offset;
  }
  return null;
}

function orderKey(slot: Uint8Array, offset: number): bigint {
  let key = 0n;
  for (let j = 0; j < KEY_BYTES; j++) key = (key << 8n) | BigInt(slot[offset + j]!);
  return key;
}

/** For each arrival, the index of the arrival its chain continues (−1: a new chain), as in bench/tickets-chaining.ts. */
export function greedyChains(keys: readonly bigint[]): number[] {
  const heads: { key: bigint; index: number }[] = [];
  return keys.map((key, index) => {
    let best = -1;
    for (let h = 0; h < heads.length; h++)
      if (heads[h]!.key < key && (best < 0 || heads[h]!.key > heads[best]!.key)) best = h;
    const previous = best >= 0 ? heads[best]!.index : -1;
    if (best >= 0) heads[best] = { key, index };
    else heads.push({ key, index });
    return previous;
  });
}
