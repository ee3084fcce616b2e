/**
 * Issue 11, finding 1, measured (docs/shopper.md §Indistinguishability):
 * - shopper.classifier.auc — how well a relay tells audit loops from user
 *   packets by what it sees of each packet: arrival time within the epoch,
 *   previous peer, the delay it is asked to hold, the hop action (packet size
 *   is fixed). The classifier is naive Bayes over binned features, trained on
 *   one epoch the relay observed with labels (after the reveal every relay
 *   learns which of its packets were audits) and evaluated on a later epoch of
 *   the same network; AUC at the three mix layers, mean and 95% interval over
 *   seeds. 0.5 is a coin toss.
 * - shopper.epochs_to_catch_strategic_dropper / shopper.epochs_to_catch_10pct_dropper —
 *   1 / (probability a mix is recorded at fault in one audited epoch) when it
 *   drops the 10% of its packets that classifier rates most user-like, and
 *   when it drops 10% uniformly; on the real contracts (S = 8 senders, J = 4
 *   loops, ε = 1/4, n_L = 2), Wilson 95% intervals, Fisher's exact test and the
 *   Newcombe interval of the difference (shopper.dropper.caught_per_epoch.*).
 *   Many audited epochs on each seed's network, the two droppers alternating.
 *   Those epochs carry the auditors' loops only: both droppers decide per
 *   packet from that packet alone (the classifier's score against a cut fixed
 *   in training, or a coin), and user packets are never audited, so leaving
 *   them out changes no loop's fate, only the run time.
 * Loops come from the real Auditor (virtual clock), user packets from the real
 * client code, all peeled by the real Sphinx code (test/schemes/shopper/traffic.ts).
 */
import { bytesToHex, type Hex } from "viem";
import type { BenchOptions, Metric } from "./metric.js";
import { createWorld, EPOCH, type World } from "../test/schemes/shopper/fixture.js";
import {
  auditorSends,
  carryTimed,
  seededRandom,
  userSends,
  type Observation,
} from "../test/schemes/shopper/traffic.js";
import type { Auditor } from "../src/schemes/shopper/auditor.js";

const J = 4;
/** Networks (AUC samples) and audited epochs per network for each dropper. */
const SEEDS = 6;
const ROUNDS = 20;
/** Extra stake per relay, far above the slashes of ROUNDS × 2 audited epochs. */
const STAKE = 10_000n * 10n ** 18n;
const DROP = 0.1;

/** Discrete features of one observation (packet size is the same for every packet). */
function features(o: Observation): string[] {
  const t = Math.min(11, Math.floor((o.arrivalMs / (EPOCH * 1000)) * 12));
  const d = o.delayMs === 0 ? 0 : Math.min(8, 1 + Math.floor(Math.log2(1 + o.delayMs / 25)));
  return [`t${t}`, `d${d}`, `h${o.hop}`, `a${o.action}`, `f${o.from.startsWith("link:") ? "link" : "relay"}`];
}

/** Naive Bayes with add-one smoothing; `score` is the log-likelihood ratio audit : user. */
function train(obs: readonly Observation[]) {
  const counts = { audit: new Map<string, number>(), user: new Map<string, number>() };
  let audits = 0;
  for (const o of obs) {
    const c = o.audit ? counts.audit : counts.user;
    if (o.audit) audits++;
    for (const f of features(o)) c.set(f, (c.get(f) ?? 0) + 1);
  }
  const users = obs.length - audits;
  return (o: Observation) =>
    features(o).reduce(
      (s, f) =>
        s +
        Math.log(((counts.audit.get(f) ?? 0) + 1) / (audits + 2)) -
        Math.log(((counts.user.get(f) ?? 0) + 1) / (users + 2)),
      0,
    );
}

/** AUC by the rank-sum (ties count one half). */
function auc(scored: readonly { score: number; audit: boolean }[]): number {
  const pos = scored.filter((s) => s.audit);
  const neg = scored.filter((s) => !s.audit);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/** One epoch of traffic (audit loops only when `seed` is null); `forward` decides at every hop. */
async function runEpoch(w: World, e: bigint, seed: number | null, forward: (o: Observation) => boolean) {
  await w.gotoEpoch(e);
  const { sent, auditors } = await auditorSends(w, e, { loops: J });
  const users = seed === null ? [] : await userSends(w, e, { clients: 4, ratePerS: 0.05, random: seededRandom(seed) });
  const seen: Observation[] = [];
  for (const s of [...sent, ...users].sort((a, b) => a.at - b.at)) carryTimed(w, e, s, forward, seen);
  return { seen, auditors };
}

/** Commits, reveals the winners, proves what relays hold, finalizes; whether `dropper` was recorded at fault. */
async function audit(w: World, e: bigint, auditors: Auditor[], dropper: World["relays"][number]): Promise<boolean> {
  const before = await w.registry.read.faults([dropper.address]);
  await w.gotoEpoch(e + 1n);
  await w.commitAll(e);
  await w.gotoEpoch(e + 2n);
  await w.fixBeacon(e);
  const ids: Hex[] = [];
  for (const [i, auditor] of auditors.entries()) {
    const sender = w.relays[i]!;
    for (const l of auditor.store.loopsOf(e)) {
      if (l.state !== "sent" || !(await w.shopper.read.isWinner([e, bytesToHex(l.beta)]))) continue;
      await w.shopper.write.reveal([sender.address, e, l.index, bytesToHex(l.proof), w.claim(l)], {
        account: sender.wallet.account,
      });
      const id = w.auditIdOf(sender.address, e, l.index);
      const hops = [0, 1, 2, 3, 4].filter((h) => w.proofFor(e, l.route[h]!, l.tags[h]!) !== null);
      if (hops.length)
        await w.shopper.write.proveHops([
          id,
          w.claim(l),
          hops,
          hops.map((h) => w.proofFor(e, l.route[h]!, l.tags[h]!)!),
        ]);
      ids.push(id);
    }
  }
  await w.gotoEpoch(e + 4n);
  for (const id of ids) await w.shopper.write.finalize([id]);
  return (await w.registry.read.faults([dropper.address])) > before;
}

/** Student t 97.5% quantiles for 1 … 10 degrees of freedom (1.96 beyond): few seeds need the wide interval. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

/** Mean and 95% t-interval. */
const meanCi = (xs: number[]) => {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
  const t = T975[xs.length - 2] ?? 1.96;
  return { m, lo: m - (t * sd) / Math.sqrt(xs.length), hi: m + (t * sd) / Math.sqrt(xs.length) };
};

/** Wilson 95% score interval of k successes in n trials. */
export function wilson(k: number, n: number) {
  const z = 1.96;
  const p = k / n;
  const c = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const h = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { p, lo: Math.max(0, c - h), hi: Math.min(1, c + h) };
}

const logFact = (n: number) => {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
};

/** Two-sided Fisher exact test of k1/n1 against k2/n2 (sum of tables no likelier than the observed one). */
export function fisherTwoSided(k1: number, n1: number, k2: number, n2: number): number {
  const K = k1 + k2;
  const N = n1 + n2;
  const logP = (a: number) =>
    logFact(K) +
    logFact(N - K) +
    logFact(n1) +
    logFact(n2) -
    logFact(N) -
    logFact(a) -
    logFact(K - a) -
    logFact(n1 - a) -
    logFact(n2 - K + a);
  const observed = logP(k1);
  let p = 0;
  for (let a = Math.max(0, K - n2); a <= Math.min(K, n1); a++) {
    const l = logP(a);
    if (l <= observed + 1e-9) p += Math.exp(l);
  }
  return Math.min(1, p);
}

/** Newcombe's 95% interval of p1 − p2 from the two Wilson intervals. */
export function newcombe(k1: number, n1: number, k2: number, n2: number) {
  const a = wilson(k1, n1);
  const b = wilson(k2, n2);
  const d = a.p - b.p;
  return {
    d,
    lo: d - Math.sqrt((a.p - a.lo) ** 2 + (b.hi - b.p) ** 2),
    hi: d + Math.sqrt((a.hi - a.p) ** 2 + (b.p - b.lo) ** 2),
  };
}

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const seeds = quick ? 2 : SEEDS;
  const rounds = quick ? 2 : ROUNDS;
  const aucs: number[] = [];
  const caught = { strategic: 0, random: 0 };
  const userDropped: number[] = [];
  const started = performance.now();
  for (let seed = 0; seed < seeds; seed++) {
    const w = await createWorld({
      gateways: 2,
      mixesPerLayer: 2,
      jMax: J,
      winThreshold: (1n << 256n) / 4n,
      pool: 10n ** 24n,
    });
    // Stake far above the minimum: every recorded fault slashes minStake / 20 (the dropper's honest
    // neighbours too, under the both-ends rule), and a relay below minStake would leave the directory.
    for (const r of w.relays) {
      await w.token.write.transfer([r.address, STAKE]);
      await w.registry.write.addStake([STAKE], { account: r.wallet.account });
    }
    const dropper = w.relays[2 + (seed % 6)]!; // a mix
    // Epoch 1: the relay watches everything and later learns the labels (the reveal names its audited hops).
    const training = await runEpoch(w, 1n, 1000 + seed, () => true);
    const score = train(training.seen.filter((o) => o.hop >= 1 && o.hop <= 3));
    // Epoch 2, evaluated: everything forwarded; AUC at the mixes.
    const test = await runEpoch(w, 2n, 2000 + seed, () => true);
    aucs.push(auc(test.seen.filter((o) => o.hop >= 1 && o.hop <= 3).map((o) => ({ score: score(o), audit: o.audit }))));
    // The threshold below which the dropper's packets are its 10% most user-like, from the training epoch.
    const mine = training.seen
      .filter((o) => o.relay === dropper.address)
      .map(score)
      .sort((a, b) => a - b);
    const cut = mine[Math.floor(mine.length * DROP)] ?? Number.NEGATIVE_INFINITY;
    process.stderr.write(
      `shopper-classifier: network ${seed + 1}/${seeds} trained at ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    // What that rule drops of the user packets at the dropper in the evaluated epoch.
    const users = test.seen.filter((o) => o.relay === dropper.address && !o.audit);
    userDropped.push(users.filter((o) => score(o) < cut).length / Math.max(1, users.length));
    // Audited epochs, one after another (each audit closes in e + 4), strategic and uniform alternating.
    const coin = seededRandom(4000 + seed);
    for (let k = 0; k < 2 * rounds; k++) {
      const e = 3n + 5n * BigInt(k);
      const strategic = k % 2 === 0;
      const traffic = await runEpoch(w, e, null, (o) =>
        o.relay !== dropper.address ? true : strategic ? score(o) >= cut : coin() >= DROP,
      );
      if (await audit(w, e, traffic.auditors, dropper)) caught[strategic ? "strategic" : "random"]++;
    }
    // Progress on stderr (a full run takes ~25 minutes); the figures go to stdout.
    process.stderr.write(
      `shopper-classifier: network ${seed + 1}/${seeds} done at ${((performance.now() - started) / 1000).toFixed(0)} s; caught strategic ${caught.strategic}, uniform ${caught.random}\n`,
    );
  }
  const a = meanCi(aucs);
  const trials = seeds * rounds;
  const s = wilson(caught.strategic, trials);
  const u = wilson(caught.random, trials);
  const diff = newcombe(caught.strategic, trials, caught.random, trials);
  const fisher = fisherTwoSided(caught.strategic, trials, caught.random, trials);
  const dropped = meanCi(userDropped);
  const epochs = (x: number) => (x === 0 ? "∞" : (1 / x).toFixed(2));
  const epochNote = (w: ReturnType<typeof wilson>, k: number) =>
    `1 / p, p = ${k}/${trials} audited epochs = ${w.p.toFixed(3)} [${w.lo.toFixed(3)}, ${w.hi.toFixed(3)}] (Wilson 95%); epochs 95% [${epochs(w.hi)}, ${epochs(w.lo)}]`;
  const compare = `strategic − uniform catch rate ${diff.d.toFixed(3)} [${diff.lo.toFixed(3)}, ${diff.hi.toFixed(3)}] (Newcombe 95%), Fisher two-sided p = ${fisher.toFixed(3)}`;
  return [
    {
      metric: "shopper.classifier.auc",
      value: a.m,
      unit: "AUC",
      note: `naive Bayes on arrival time, delay, hop, action, previous peer; mixes; 95% CI [${a.lo.toFixed(3)}, ${a.hi.toFixed(3)}] over ${seeds} seeds: ${aucs.map((x) => x.toFixed(3)).join(",")}; 0.5 = chance`,
    },
    {
      metric: "shopper.epochs_to_catch_strategic_dropper",
      value: s.p === 0 ? trials + 1 : 1 / s.p, // never caught: more than every epoch run
      unit: "epochs",
      note: `drops its 10% most user-like packets (${(dropped.m * 100).toFixed(1)}% of the user packets at it); ${epochNote(s, caught.strategic)}; ${seeds} networks × ${rounds} epochs`,
    },
    {
      metric: "shopper.epochs_to_catch_10pct_dropper",
      value: u.p === 0 ? trials + 1 : 1 / u.p,
      unit: "epochs",
      note: `uniform 10% dropper, same networks, epochs alternating with the strategic one; ${epochNote(u, caught.random)}`,
    },
    { metric: "shopper.dropper.caught_per_epoch.strategic", value: s.p, unit: "probability", note: compare },
    { metric: "shopper.dropper.caught_per_epoch.random", value: u.p, unit: "probability", note: compare },
  ];
}
