/**
 * The greedy chaining attack on spending order (issue 10, finding 2), shared
 * by `bench/tickets.bench.ts` (figures `tickets.spend_order.*`) and
 * `test/schemes/tickets/spend-order.test.ts`.
 *
 * Adversary: ONE relay that sees the serial of every token spent at it, in
 * arrival order, and nothing else (no network timing, no other relay). It
 * wants to link each token to the same sender's previous token at this
 * relay. Attack: keep one open chain per presumed sender; append each new
 * token to the open chain whose last serial is the largest one below it
 * (a sender spending in ascending serial order always continues a chain
 * that way); start a new chain if none is below.
 *
 * Workload (seeded): `clients` buyers each hold `perClient` tokens for the
 * relay in one epoch, real `TokenWallet`s in sqlite; at each step a random
 * active buyer pays one hop. "together": all buy before the first spend;
 * "staggered": buyer i starts spending at step i·`perClient`/2.
 *
 * Chance level: the same attack on the same schedule when each buyer spends
 * its tokens in a uniformly random order (a seeded shuffle), averaged over
 * rounds: what the attack achieves when order carries no information.
 */
import { createHash } from "node:crypto";
import type { Address } from "viem";
import { openDatabase } from "../src/store/db.js";
import { TokenWallet } from "../src/schemes/tickets/wallet.js";

export type SpendOrderParameters = { seed: string; clients?: number; perClient?: number; staggered?: boolean };
export type SpendOrderResult = { linkRate: number; chance: number; links: number };

const RELAY = "0x00000000000000000000000000000000000000a7" as Address;
const EPOCH = 1n;

/** Deterministic uniform [0, 1) numbers from SHA-256(seed ‖ counter). */
export function seededRandom(seed: string): () => number {
  let counter = 0;
  return () => createHash("sha256").update(`${seed}:${counter++}`).digest().readUInt32BE(0) / 2 ** 32;
}

function seededBytes(next: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
}

/** Greedy chaining over observed (serial, sender) in arrival order; returns correct links and linkable tokens. */
export function chainingAttack(observed: readonly { serial: bigint; sender: number }[]): {
  correct: number;
  links: number;
} {
  const heads: { serial: bigint; index: number }[] = [];
  const lastOfSender = new Map<number, number>();
  let correct = 0;
  let links = 0;
  observed.forEach((t, i) => {
    let best = -1;
    for (let h = 0; h < heads.length; h++)
      if (heads[h]!.serial < t.serial && (best < 0 || heads[h]!.serial > heads[best]!.serial)) best = h;
    const truth = lastOfSender.get(t.sender);
    if (truth !== undefined) {
      links++;
      if (best >= 0 && heads[best]!.index === truth) correct++;
    }
    if (best >= 0) heads[best] = { serial: t.serial, index: i };
    else heads.push({ serial: t.serial, index: i });
    lastOfSender.set(t.sender, i);
  });
  return { correct, links };
}

/** Which buyer pays at each step (seeded), given each buyer's token count and start step. */
function schedule(next: () => number, clients: number, perClient: number, staggered: boolean): number[] {
  const left = new Array<number>(clients).fill(perClient);
  const out: number[] = [];
  for (let step = 0; out.length < clients * perClient; step++) {
    const active = left.flatMap((n, c) => (n > 0 && (!staggered || step >= (c * perClient) / 2) ? [c] : []));
    if (active.length === 0) continue;
    const c = active[Math.floor(next() * active.length)]!;
    left[c]!--;
    out.push(c);
  }
  return out;
}

const serialValue = (s: Uint8Array) => BigInt(`0x${Buffer.from(s).toString("hex")}`);

/**
 * Runs the workload with the real wallets and, for the chance level, with shuffled orders.
 *
 * @returns link rate of the attack on the wallets' order, its chance level, and linkable tokens
 * @example
 * const r = spendOrderAttack({ seed: "bench" });
 */
export function spendOrderAttack(
  { seed, clients = 50, perClient = 20, staggered = false }: SpendOrderParameters,
  chanceRounds = 5,
): SpendOrderResult {
  const next = seededRandom(seed);
  const serials = Array.from({ length: clients }, () => Array.from({ length: perClient }, () => seededBytes(next, 16)));
  const plan = schedule(next, clients, perClient, staggered);
  // The wallets under test.
  const wallets = serials.map((own) => {
    const db = openDatabase(":memory:");
    const w = new TokenWallet(db);
    w.add(own.map((serial) => ({ relay: RELAY, epoch: EPOCH, serial, signature: new Uint8Array(48) })));
    return { db, w };
  });
  const observed = plan.map((c) => ({ serial: serialValue(wallets[c]!.w.take(RELAY, EPOCH)!.serial), sender: c }));
  for (const { db } of wallets) db.close();
  const real = chainingAttack(observed);
  // Chance: each buyer spends in a seeded uniformly random order.
  let chanceSum = 0;
  for (let round = 0; round < chanceRounds; round++) {
    const shuffle = seededRandom(`${seed}:chance:${round}`);
    const orders = serials.map((own) => {
      const a = own.map(serialValue);
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(shuffle() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    });
    const used = new Array<number>(clients).fill(0);
    const r = chainingAttack(plan.map((c) => ({ serial: orders[c]![used[c]!++]!, sender: c })));
    chanceSum += r.correct / r.links;
  }
  return { linkRate: real.correct / real.links, chance: chanceSum / chanceRounds, links: real.links };
}
