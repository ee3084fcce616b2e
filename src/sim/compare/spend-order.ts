/**
 * E2-order: the spend-order chaining attack (issue 10, finding 2;
 * the chaining bench) as a comparison adversary, on what one corrupt
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
import { senderOnlyResult } from "./linking-result.js";

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
  if (a.chain) return namedChains(ix, a, arrivals, predecessor, sender);
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
  return senderOnlyResult(a, {
    targets,
    correct,
    chance: targets ? byArrival / targets : 0,
    uniform: ix.t.clients.length ? 1 / ix.t.clients.length : 0,
  });
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

/** For each arrival, the index of the arrival its chain continues (−1: a new chain), as in the chaining bench. */
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

/**
 * E2-order-chain: the same chains, named from the chain's logs. Clients are
 * ranked by their first transaction with the scheme's contracts (a deposit,
 * by block), chains by their first packet at the mix; the r-th chain is
 * guessed to be the r-th depositor's (a client that buys later starts
 * spending later), a packet on a chain beyond the depositors gets the first
 * depositor. Scored on every client packet-hop at the mix: top-1 sender.
 * Chance = the most frequent sender's share there. Deposit sizes are not
 * used yet.
 */
function namedChains(
  ix: Indexed,
  a: Adversary,
  arrivals: readonly number[],
  predecessor: readonly number[],
  sender: readonly (string | null)[],
): LinkingResult {
  const clients = new Set(ix.t.clients.map((c) => c.toLowerCase()));
  const depositors: string[] = [];
  const logs = [...ix.t.chainLogs].sort((x, y) => (x.block < y.block ? -1 : x.block > y.block ? 1 : 0));
  for (const l of logs) {
    const from = l.from.toLowerCase();
    if (clients.has(from) && !depositors.includes(from)) depositors.push(from);
  }
  const chain: number[] = [];
  let chains = 0;
  for (let k = 0; k < arrivals.length; k++) {
    const p = predecessor[k]!;
    chain.push(p >= 0 ? chain[p]! : chains++);
  }
  // Chains are numbered in order of their first packet, which is arrival order.
  const fallback = depositors[0] ?? ix.t.clients[0]?.toLowerCase() ?? "";
  let targets = 0;
  let correct = 0;
  const count = new Map<string, number>();
  sender.forEach((s, k) => {
    if (s === null) return;
    targets++;
    if ((depositors[chain[k]!] ?? fallback) === s) correct++;
    count.set(s, (count.get(s) ?? 0) + 1);
  });
  return senderOnlyResult(a, {
    targets,
    correct,
    chance: targets ? Math.max(...count.values()) / targets : 0,
    uniform: ix.t.clients.length ? 1 / ix.t.clients.length : 0,
  });
}
