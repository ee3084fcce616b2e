/**
 * Linking adversaries against the real transcripts of a run (DESIGN §7;
 * docs/compare.md §Adversaries). An adversary is a set of corrupt relays,
 * optionally the timing of every link (a global passive observer) and the
 * chain's event logs. It never learns a scheme's name: what it reads is what
 * the run put on the wire and on chain, so a scheme leaks exactly when these
 * bytes or timings carry sender information that `free` does not.
 *
 * For each target packet-hop it computes a posterior over senders:
 * - bytes: at a corrupt relay, every 6-byte window of the slot, the incoming
 *   attachment and the receipt it got back is looked up in a dictionary of
 *   windows whose sender it already knows (its own first hops, where the
 *   client's connection names the sender; the chain's events, whose
 *   transaction sender is public; the clients' addresses). Windows seen for
 *   two senders are dropped, so shared constants (epochs, amounts, padding)
 *   say nothing; a window unique to one sender that shows up again later is
 *   an identifier the scheme reuses, and names the sender;
 * - a corrupt previous relay knows which of its inputs this output was, so
 *   the walk back is exact through it;
 * - through an honest relay, a global observer weighs that relay's earlier
 *   arrivals by the exponential mixing-delay density (memoryless mixing makes
 *   a later arrival the likelier one), keeping the ten likeliest;
 * - a first hop from a client's own connection names the sender to whoever
 *   sees that link (its gateway or a global observer).
 * The guess is the posterior's top sender, else the sender the adversary saw
 * most often among its own first hops.
 *
 * Ground truth (never shown to the adversary) is the packet each hop's Sphinx
 * shared secret belongs to; its sender is the client that built it, except
 * for replies, whose sender is the replier: the client whose connection
 * delivered the reply's first hop (not the reply block's builder, who paid).
 */
import type { Address, Hex } from "viem";
import type { ChainLog } from "./chain.js";
import type { HopObservation, ReceiptObservation, SentPacket } from "./instrument.js";
import { spendOrderAttack } from "./spend-order.js";
import { dropperAuc } from "./dropper.js";
import { senderOnlyResult } from "./linking-result.js";

export type Transcript = {
  observations: readonly HopObservation[];
  receipts: readonly ReceiptObservation[];
  sent: readonly SentPacket[];
  chainLogs: readonly ChainLog[];
  /** libp2p peer id → relay address, for every relay (public: the directory lists them). */
  relayPeers: ReadonlyMap<string, Address>;
  /** libp2p peer id → client account: each client's own node, fixed for the run (what its gateway sees it connect as). */
  clientPeers: ReadonlyMap<string, Address>;
  clients: readonly Address[];
  /** Relay address (any case) → "gateway" | "mix", from the directory. */
  roles: ReadonlyMap<string, string>;
  /** The Loopix mean mixing delay of the run (public parameter). */
  meanDelayMs: number;
  /** Ground truth only: the Sphinx secret of every hop any client side paid for over the whole run (E3: a packet outside it was built by an auditor). */
  paidSecrets?: ReadonlySet<Hex>;
  /**
   * When the chain entered, during this workload, the epoch the scheme's checks run in (ms, the
   * observations' clock; public: every relay reads chain time). E3 scores only arrivals from then
   * on, timed from it; absent, the whole window timed from the mix's first arrival.
   */
  auditEpochFrom?: number;
  /**
   * End of the stretch the scheme was told client traffic runs in that epoch (ms, same clock; the
   * epoch is held that long): E3 scores no arrival after it. A drain that outlasts its bound (lost
   * messages keep it idle for 8 s) is a finite workload's tail, not traffic of a live epoch.
   */
  auditEpochTo?: number;
};

export type Adversary = {
  /** Short name: E1, E2-mix, E2-order, E2-chain, E4, E4+k, E4-n-1. */
  id: string;
  description: string;
  /** Corrupt relays: they see their slots, attachments and receipts, and their own input→output mapping. */
  relays: readonly Address[];
  /** Sees the timing of every link (relay↔relay and client↔gateway), no bytes. */
  global: boolean;
  /** Reads the chain's event logs of the scheme's contracts. */
  chain: boolean;
  /** Active n−1 attack on this mix: holds back every honest input but one and floods with its own packets. */
  nMinus1?: Address;
  /**
   * Guesses who a reply goes to, at the reply's first hop (its sender is known there by connection): the reply
   * block's builder, whose payment bytes it carries. Scored on replies entering at a corrupt relay.
   */
  replyReceiver?: boolean;
  /** Spend-order chaining at this mix: links each packet to the same sender's previous one there (src/sim/compare/spend-order.ts). */
  spendOrder?: Address;
  /** Strategic dropper at this mix: the AUC of its audit-vs-other classifier, not a sender accuracy (src/sim/compare/dropper.ts). */
  dropper?: Address;
};

export type LinkingResult = {
  adversary: string;
  description: string;
  /** Packet-hops of client packets the adversary guessed a sender for. */
  targets: number;
  correct: number;
  accuracy: number;
  /** Of those, messages and replies leaving the network (the receiver is known to the exit gateway): sender–receiver linking. */
  pairTargets: number;
  pairCorrect: number;
  pairAccuracy: number | null;
  /** Best accuracy from context alone (observing relay and next hop, majority sender per context), with no linking. */
  chance: number;
  /** 1 / #clients. */
  uniform: number;
};

/** Mean per-hop delay a global observer assumes at a gateway (no mixing delay there; processing and link only). */
const GATEWAY_DELAY_MS = 25;
const WINDOW = 6;
const CANDIDATES = 10;
const MAX_DEPTH = 8;

type Truth = { packet: number; hop: number };

/** What the transcript says about each packet, computed once and shared by every adversary. */
export type Indexed = {
  t: Transcript;
  truth: (Truth | undefined)[];
  /** Sender of each sent packet (client account), null for relay-built packets and unresolvable replies. */
  senderOf: (Address | null)[];
  /** Observation index of each packet's hop. */
  hopAt: Map<string, number>;
  byRelay: Map<string, number[]>;
  receiptFor: Map<string, ReceiptObservation>;
};

/**
 * Indexes a transcript: ground truth per observation, per-relay arrival order.
 *
 * @example
 * const ix = indexTranscript(transcript); linkingAttack(ix, adversary);
 */
export function indexTranscript(t: Transcript): Indexed {
  const bySs = new Map<Hex, Truth>();
  t.sent.forEach((p, packet) => {
    p.ss.forEach((ss, hop) => {
      bySs.set(ss, { packet, hop });
    });
  });
  const truth = t.observations.map((o) => bySs.get(o.ss));
  const hopAt = new Map<string, number>();
  truth.forEach((x, i) => {
    if (x) hopAt.set(`${x.packet}/${x.hop}`, i);
  });
  const clients = new Set(t.clients.map((c) => c.toLowerCase()));
  const senderOf = t.sent.map((p, packet): Address | null => {
    if (!clients.has(p.sender.toLowerCase())) return null;
    if (p.kind !== "reply") return p.sender;
    const first = hopAt.get(`${packet}/0`);
    return first === undefined ? null : (t.clientPeers.get(t.observations[first]!.fromPeer) ?? null);
  });
  const byRelay = new Map<string, number[]>();
  const order = t.observations.map((_, i) => i).sort((a, b) => t.observations[a]!.t - t.observations[b]!.t);
  for (const i of order) {
    const relay = t.observations[i]!.relay.toLowerCase();
    const list = byRelay.get(relay) ?? [];
    list.push(i);
    byRelay.set(relay, list);
  }
  const receiptFor = new Map<string, ReceiptObservation>();
  for (const r of t.receipts) receiptFor.set(`${r.relay.toLowerCase()}/${r.packetRef}`, r);
  return { t, truth, senderOf, hopAt, byRelay, receiptFor };
}

/**
 * Runs one adversary over one run's transcript.
 *
 * @returns top-1 sender accuracy, sender–receiver accuracy, and the chance levels.
 * @example
 * const r = linkingAttack(indexTranscript(transcript), { id: "E4", description: "global observer", relays: [], global: true, chain: false });
 */
export function linkingAttack(ix: Indexed, a: Adversary): LinkingResult {
  if (a.nMinus1) return nMinus1(ix, a, a.nMinus1);
  if (a.spendOrder) return spendOrderAttack(ix, a, a.spendOrder);
  if (a.dropper) return dropperAuc(ix, a, a.dropper);
  const { t } = ix;
  const corrupt = new Set(a.relays.map((r) => r.toLowerCase()));
  const dictionary = buildDictionary(ix, a, corrupt);
  const prior = priorGuess(ix, corrupt, a.global);
  if (a.replyReceiver) return replyReceiver(ix, a, corrupt, dictionary, prior);
  const memo = new Map<number, Map<string, number> | null>();

  const posterior = (i: number, depth: number): Map<string, number> | null => {
    if (memo.has(i)) return memo.get(i)!;
    memo.set(i, null); // cycle guard
    const result = computePosterior(i, depth);
    memo.set(i, result);
    return result;
  };
  const computePosterior = (i: number, depth: number): Map<string, number> | null => {
    const o = t.observations[i]!;
    const here = o.relay.toLowerCase();
    if (corrupt.has(here)) {
      const vote = byteVote(dictionary, bytesSeen(ix, i));
      if (vote) return new Map([[vote, 1]]);
    }
    const client = t.clientPeers.get(o.fromPeer);
    if (client) return corrupt.has(here) || a.global ? new Map([[client.toLowerCase(), 1]]) : null;
    const from = t.relayPeers.get(o.fromPeer)?.toLowerCase();
    if (!from || depth >= MAX_DEPTH) return null;
    if (corrupt.has(from)) {
      // The corrupt previous relay knows which input became this output.
      const x = ix.truth[i];
      const previous = x ? ix.hopAt.get(`${x.packet}/${x.hop - 1}`) : undefined;
      return previous !== undefined && t.observations[previous]!.relay.toLowerCase() === from
        ? posterior(previous, depth + 1)
        : null;
    }
    if (!a.global) return null;
    const mean = t.roles.get(from) === "gateway" ? GATEWAY_DELAY_MS : t.meanDelayMs;
    const arrivals = ix.byRelay.get(from) ?? [];
    const weighted: [number, number][] = [];
    for (let k = upperBound(t, arrivals, o.t) - 1; k >= 0 && weighted.length < CANDIDATES; k--) {
      const dt = o.t - t.observations[arrivals[k]!]!.t;
      if (dt > 10 * mean) break;
      weighted.push([arrivals[k]!, Math.exp(-dt / mean)]);
    }
    const out = new Map<string, number>();
    for (const [j, w] of weighted)
      for (const [s, p] of posterior(j, depth + 1) ?? []) out.set(s, (out.get(s) ?? 0) + w * p);
    return out.size > 0 ? out : null;
  };

  const targets = targetsOf(ix, a, corrupt);
  let correct = 0;
  let pairTargets = 0;
  let pairCorrect = 0;
  for (const i of targets) {
    const truth = senderAt(ix, i)!.toLowerCase();
    const post = posterior(i, 0);
    const guess = post ? argmax(post) : prior;
    const hit = guess === truth;
    if (hit) correct++;
    if (isDelivery(ix, i)) {
      pairTargets++;
      if (hit) pairCorrect++;
    }
  }
  const n = targets.length;
  return {
    adversary: a.id,
    description: a.description,
    targets: n,
    correct,
    accuracy: n ? correct / n : 0,
    pairTargets,
    pairCorrect,
    pairAccuracy: pairTargets ? pairCorrect / pairTargets : null,
    chance: contextChance(ix, targets),
    uniform: t.clients.length ? 1 / t.clients.length : 0,
  };
}

/** Sender of the packet an observation belongs to (null when not a client packet). */
function senderAt(ix: Indexed, i: number): Address | null {
  const x = ix.truth[i];
  return x ? ix.senderOf[x.packet]! : null;
}

function isDelivery(ix: Indexed, i: number): boolean {
  const x = ix.truth[i]!;
  const p = ix.t.sent[x.packet]!;
  return ix.t.observations[i]!.nextHop === null && (p.kind === "payload" || p.kind === "reply");
}

/**
 * Which packet-hops an adversary is scored on: a local adversary, every
 * client packet-hop its relays saw after the first (a first hop names its
 * sender by connection under any scheme); a global one, every client packet's
 * last hop, where it leaves the network.
 */
function targetsOf(ix: Indexed, a: Adversary, corrupt: Set<string>): number[] {
  const out: number[] = [];
  ix.t.observations.forEach((o, i) => {
    const x = ix.truth[i];
    if (!x || senderAt(ix, i) === null) return;
    if (a.global ? o.nextHop === null && x.hop > 0 : corrupt.has(o.relay.toLowerCase()) && x.hop > 0) out.push(i);
  });
  return out;
}

/** Majority sender per (observing relay, next hop): what context alone gives, with no linking. */
function contextChance(ix: Indexed, targets: readonly number[]): number {
  if (targets.length === 0) return 0;
  const groups = new Map<string, Map<string, number>>();
  for (const i of targets) {
    const o = ix.t.observations[i]!;
    const key = `${o.relay.toLowerCase()}>${o.nextHop?.toLowerCase() ?? "deliver"}`;
    const g = groups.get(key) ?? new Map<string, number>();
    const s = senderAt(ix, i)!.toLowerCase();
    g.set(s, (g.get(s) ?? 0) + 1);
    groups.set(key, g);
  }
  let best = 0;
  for (const g of groups.values()) best += Math.max(...g.values());
  return best / targets.length;
}

/** The adversary's fallback: the sender it saw connect most often (any connection for a global observer), else the first client. */
function priorGuess(ix: Indexed, corrupt: Set<string>, global: boolean): string {
  const count = new Map<string, number>();
  for (const o of ix.t.observations) {
    const c = ix.t.clientPeers.get(o.fromPeer);
    if (c && (global || corrupt.has(o.relay.toLowerCase())))
      count.set(c.toLowerCase(), (count.get(c.toLowerCase()) ?? 0) + 1);
  }
  return count.size ? argmax(count) : (ix.t.clients[0]?.toLowerCase() ?? "");
}

/** Windows seen for more senders than this say nothing (shared constants). */
const MAX_LABELS = 2;
const MANY: readonly string[] = [];

/**
 * Windows whose sender the adversary knows: clients' addresses, its own first hops, and (if it reads the chain) clients' transactions.
 * Each window keeps the senders it was seen with, up to two (a window of a reply block is seen with its builder and its replier).
 */
function buildDictionary(ix: Indexed, a: Adversary, corrupt: Set<string>): Map<number, readonly string[]> {
  const dict = new Map<number, readonly string[]>();
  const add = (bytes: Uint8Array, sender: string) => {
    for (const w of windows(bytes)) {
      const seen = dict.get(w);
      if (seen === undefined) dict.set(w, [sender]);
      else if (seen !== MANY && !seen.includes(sender))
        dict.set(w, seen.length >= MAX_LABELS ? MANY : [...seen, sender]);
    }
  };
  const clients = new Set(ix.t.clients.map((c) => c.toLowerCase()));
  for (const c of clients) add(hexBytes(c), c);
  ix.t.observations.forEach((o, i) => {
    const c = ix.t.clientPeers.get(o.fromPeer);
    if (c && corrupt.has(o.relay.toLowerCase())) for (const b of bytesSeen(ix, i)) add(b, c.toLowerCase());
  });
  if (a.chain)
    for (const l of ix.t.chainLogs)
      if (clients.has(l.from.toLowerCase()))
        for (const part of [...l.topics, l.data]) add(hexBytes(part), l.from.toLowerCase());
  return dict;
}

/** The bytes a corrupt relay holds for one packet-hop: its slot, the incoming attachment, the receipt the next hop sent back. */
function bytesSeen(ix: Indexed, i: number): Uint8Array[] {
  const o = ix.t.observations[i]!;
  const out = [o.slot, o.attachment];
  const x = ix.truth[i];
  const next = x ? ix.hopAt.get(`${x.packet}/${x.hop + 1}`) : undefined;
  if (next !== undefined) {
    const r = ix.receiptFor.get(`${o.relay.toLowerCase()}/${ix.t.observations[next]!.packetRef}`);
    if (r) out.push(r.receipt);
  }
  return out;
}

/**
 * A sender named by at least two windows and by more than twice as many as any other; else null.
 * A window counts when, leaving out `except` (the connection a reply came from), one sender is left.
 */
function byteVote(dict: Map<number, readonly string[]>, parts: readonly Uint8Array[], except?: string): string | null {
  if (dict.size === 0) return null;
  const hits = new Map<string, number>();
  for (const b of parts)
    for (const w of windows(b)) {
      const labels = dict.get(w);
      if (!labels || labels === MANY) continue;
      const left = except ? labels.filter((x) => x !== except) : labels;
      if (left.length === 1) hits.set(left[0]!, (hits.get(left[0]!) ?? 0) + 1);
    }
  const sorted = [...hits.entries()].sort((x, y) => y[1] - x[1]);
  const [first, second] = sorted;
  return first && first[1] >= 2 && first[1] > 2 * (second?.[1] ?? 0) ? first[0] : null;
}

/** 6-byte windows as exact integers, skipping runs of one repeated byte (padding, zero fields). */
function* windows(b: Uint8Array): Generator<number> {
  for (let i = 0; i + WINDOW <= b.length; i++) {
    let key = 0;
    let uniform = true;
    for (let j = 0; j < WINDOW; j++) {
      key = key * 256 + b[i + j]!;
      if (b[i + j] !== b[i]) uniform = false;
    }
    if (!uniform) yield key;
  }
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/^0x/, ""), "hex"));
}

function argmax(m: ReadonlyMap<string, number>): string {
  let best = "";
  let value = -Infinity;
  for (const [k, v] of m) if (v > value || (v === value && k < best)) [best, value] = [k, v];
  return best;
}

/** Index in `arrivals` (sorted by time) of the first arrival later than `time`. */
function upperBound(t: Transcript, arrivals: readonly number[], time: number): number {
  let lo = 0;
  let hi = arrivals.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t.observations[arrivals[mid]!]!.t <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Receiver of replies: at a reply's first hop the corrupt relay knows the
 * replier (its connection); the payment bytes there were made by the reply
 * block's builder, the reply's receiver. A window that, leaving out the
 * replier, names one client (seen in that client's own first hops or its
 * transactions) names the receiver. Chance: the majority receiver per
 * (relay, replier).
 */
function replyReceiver(
  ix: Indexed,
  a: Adversary,
  corrupt: Set<string>,
  dict: Map<number, readonly string[]>,
  prior: string,
): LinkingResult {
  const { t } = ix;
  const clients = new Set(t.clients.map((c) => c.toLowerCase()));
  let targets = 0;
  let correct = 0;
  const groups = new Map<string, Map<string, number>>();
  t.observations.forEach((o, i) => {
    const x = ix.truth[i];
    const replier = t.clientPeers.get(o.fromPeer)?.toLowerCase();
    if (x?.hop !== 0 || !replier || !corrupt.has(o.relay.toLowerCase())) return;
    const p = t.sent[x.packet]!;
    const receiver = p.sender.toLowerCase();
    if (p.kind !== "reply" || !clients.has(receiver)) return;
    const fallback = prior !== replier ? prior : ([...clients].find((c) => c !== replier) ?? prior);
    const guess = byteVote(dict, bytesSeen(ix, i), replier) ?? fallback;
    targets++;
    if (guess === receiver) correct++;
    const key = `${o.relay.toLowerCase()}<${replier}`;
    const g = groups.get(key) ?? new Map<string, number>();
    g.set(receiver, (g.get(receiver) ?? 0) + 1);
    groups.set(key, g);
  });
  let best = 0;
  for (const g of groups.values()) best += Math.max(...g.values());
  return {
    adversary: a.id,
    description: a.description,
    targets,
    correct,
    accuracy: targets ? correct / targets : 0,
    pairTargets: targets,
    pairCorrect: correct,
    pairAccuracy: targets ? correct / targets : null,
    chance: targets ? best / targets : 0,
    uniform: t.clients.length > 1 ? 1 / (t.clients.length - 1) : 0,
  };
}

/**
 * The n−1 attack on one mix: the adversary lets one client packet in, with
 * only its own packets beside it, and takes the first output it did not build
 * as the target's. It fails when the mix's own cover traffic (packets the mix
 * built, Loopix's defence) leaves before the target. Scored on every client
 * packet the mix forwarded: success when no packet the mix built left it
 * between the target's arrival and its departure; chance is a uniform pick
 * among the outputs the adversary could not recognise.
 */
function nMinus1(ix: Indexed, a: Adversary, mix: Address): LinkingResult {
  const { t } = ix;
  const m = mix.toLowerCase();
  const departures: number[] = [];
  t.sent.forEach((p, packet) => {
    if (p.sender.toLowerCase() !== m) return;
    const first = ix.hopAt.get(`${packet}/0`);
    if (first !== undefined) departures.push(t.observations[first]!.t);
  });
  departures.sort((x, y) => x - y);
  let targets = 0;
  let correct = 0;
  let chance = 0;
  for (const i of ix.byRelay.get(m) ?? []) {
    const x = ix.truth[i];
    if (!x || senderAt(ix, i) === null) continue;
    const next = ix.hopAt.get(`${x.packet}/${x.hop + 1}`);
    if (next === undefined) continue;
    const [tin, tout] = [t.observations[i]!.t, t.observations[next]!.t];
    const cover = departures.filter((d) => d >= tin && d < tout).length;
    targets++;
    if (cover === 0) correct++;
    chance += 1 / (1 + cover);
  }
  return senderOnlyResult(a, {
    targets,
    correct,
    chance: targets ? chance / targets : 0,
    uniform: t.clients.length ? 1 / t.clients.length : 0,
  });
}
