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
import { fisherTwoSided, meanCi, newcombe, reciprocalDiffCi, wilson } from "./stats.js";
import { createWorld, EPOCH, type World } from "../test/schemes/shopper/fixture.js";
import {
  auditorSends,
  carryTimed,
  seededRandom,
  userSends,
  type Observation,
} from "../test/schemes/shopper/traffic.js";
import type { Auditor } from "../src/schemes/shopper/auditor.js";
import { aucOf } from "../src/sim/compare/dropper.js";

const J = 4;
/** Networks (AUC samples) and audited epochs per network for each dropper. */
const SEEDS = 6;
const ROUNDS = 30;
/** Extra stake per relay, far above the slashes of ROUNDS × 2 audited epochs. */
const STAKE = 10_000n * 10n ** 18n;
const DROP = 0.1;
/** The model's parameters (docs/shopper.md §8): ε, senders, layer size. */
const EPSILON = 1 / 4;
const SENDERS = 8;
const LAYER = 2;

/** What a mix sees of a packet, one discrete value each (packet size is the same for every packet). */
export const FEATURES = ["time", "delay", "hop", "action", "peer"] as const;
export type Feature = (typeof FEATURES)[number];

function features(o: Observation): Record<Feature, string> {
  const t = Math.min(11, Math.floor((o.arrivalMs / (EPOCH * 1000)) * 12));
  const d = o.delayMs === 0 ? 0 : Math.min(8, 1 + Math.floor(Math.log2(1 + o.delayMs / 25)));
  return {
    time: `t${t}`,
    delay: `d${d}`,
    hop: `h${o.hop}`,
    action: `a${o.action}`,
    peer: `f${o.from.startsWith("link:") ? "link" : "relay"}`,
  };
}

/**
 * Naive Bayes with add-one smoothing over `use` (default: every feature);
 * `score` is the log-likelihood ratio audit : user.
 */
export function train(obs: readonly Observation[], use: readonly Feature[] = FEATURES) {
  const counts = { audit: new Map<string, number>(), user: new Map<string, number>() };
  let audits = 0;
  for (const o of obs) {
    const c = o.audit ? counts.audit : counts.user;
    if (o.audit) audits++;
    const f = features(o);
    for (const k of use) c.set(f[k], (c.get(f[k]) ?? 0) + 1);
  }
  const users = obs.length - audits;
  return (o: Observation) => {
    const f = features(o);
    return use.reduce(
      (s, k) =>
        s +
        Math.log(((counts.audit.get(f[k]) ?? 0) + 1) / (audits + 2)) -
        Math.log(((counts.user.get(f[k]) ?? 0) + 1) / (users + 2)),
      0,
    );
  };
}

/**
 * The strategic dropper's rule from its training scores: drop below the
 * `fraction` quantile, and at the quantile's own score with the probability
 * that makes the training drop exactly `fraction`. Scores are discrete (binned
 * features): a strict cut alone dropped 7–9.5% in session 5, fewer packets
 * than the uniform dropper, and would be caught less for dropping less.
 */
export function dropRule(scores: readonly number[], fraction: number, random: () => number) {
  const sorted = [...scores].sort((a, b) => a - b);
  const k = fraction * sorted.length;
  const cut = sorted[Math.floor(k)] ?? Number.POSITIVE_INFINITY;
  const below = sorted.filter((s) => s < cut).length;
  const at = sorted.filter((s) => s === cut).length;
  const pAt = at === 0 ? 0 : (k - below) / at;
  return (score: number) => score < cut || (score === cut && random() < pAt);
}

/** AUC of `score` on the observations (0.5 when one class is missing). */
const aucWith = (score: (o: Observation) => number, obs: readonly Observation[]) =>
  aucOf(obs.map((o) => ({ s: score(o), audit: o.audit }))) ?? 0.5;

/** Model: probability a dropper losing a fraction q of the loops at it is recorded in one epoch (§8). */
const caughtModel = (q: number) => 1 - (1 - (EPSILON * q) / LAYER) ** (SENDERS * J);

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

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const seeds = quick ? 2 : SEEDS;
  const rounds = quick ? 2 : ROUNDS;
  const aucs: number[] = [];
  const featureAucs = new Map<Feature, number[]>(FEATURES.map((f) => [f, []]));
  const caught = { strategic: 0, random: 0 };
  /** Loops at the dropper in the audited epochs, and how many each rule drops (both rules judge every loop). */
  const loops = { at: 0, strategic: 0, random: 0 };
  const userDropped: number[] = [];
  const started = performance.now();
  for (let seed = 0; seed < seeds; seed++) {
    const w = await createWorld({
      gateways: 2,
      mixesPerLayer: LAYER,
      jMax: J,
      winThreshold: (1n << 256n) / BigInt(1 / EPSILON),
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
    const atMixes = (seen: Observation[]) => seen.filter((o) => o.hop >= 1 && o.hop <= 3);
    const score = train(atMixes(training.seen));
    // Epoch 2, evaluated: everything forwarded; AUC at the mixes, with every feature and with each alone.
    const test = await runEpoch(w, 2n, 2000 + seed, () => true);
    aucs.push(aucWith(score, atMixes(test.seen)));
    for (const f of FEATURES) featureAucs.get(f)!.push(aucWith(train(atMixes(training.seen), [f]), atMixes(test.seen)));
    // The dropper's 10% most user-like, by the score quantile of its training epoch (ties split at random).
    const strategic = dropRule(
      training.seen.filter((o) => o.relay === dropper.address).map(score),
      DROP,
      seededRandom(3000 + seed),
    );
    process.stderr.write(
      `shopper-classifier: network ${seed + 1}/${seeds} trained at ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    // What that rule drops of the user packets at the dropper in the evaluated epoch.
    const users = test.seen.filter((o) => o.relay === dropper.address && !o.audit);
    userDropped.push(users.filter((o) => strategic(score(o))).length / Math.max(1, users.length));
    // Audited epochs, one after another (each audit closes in e + 4), strategic and uniform alternating.
    // Every loop at the dropper is judged by both rules (counted); the epoch's own rule decides its fate.
    const coin = seededRandom(4000 + seed);
    for (let k = 0; k < 2 * rounds; k++) {
      const e = 3n + 5n * BigInt(k);
      const active = k % 2 === 0 ? "strategic" : "random";
      const traffic = await runEpoch(w, e, null, (o) => {
        if (o.relay !== dropper.address) return true;
        const drops = { strategic: strategic(score(o)), random: coin() < DROP };
        loops.at++;
        if (drops.strategic) loops.strategic++;
        if (drops.random) loops.random++;
        return !drops[active];
      });
      if (await audit(w, e, traffic.auditors, dropper)) caught[active]++;
    }
    // Progress on stderr (a full run takes ~30 minutes); the figures go to stdout.
    process.stderr.write(
      `shopper-classifier: network ${seed + 1}/${seeds} done at ${((performance.now() - started) / 1000).toFixed(0)} s; caught strategic ${caught.strategic}, uniform ${caught.random}; loops dropped ${loops.strategic}, ${loops.random} of ${loops.at}\n`,
    );
  }
  const a = meanCi(aucs);
  const trials = seeds * rounds;
  const s = wilson(caught.strategic, trials);
  const u = wilson(caught.random, trials);
  const diff = newcombe(caught.strategic, trials, caught.random, trials);
  const epochDiff = reciprocalDiffCi(caught.strategic, trials, caught.random, trials);
  const fisher = fisherTwoSided(caught.strategic, trials, caught.random, trials);
  const dropped = meanCi(userDropped);
  const ls = wilson(loops.strategic, loops.at);
  const lr = wilson(loops.random, loops.at);
  const loopDiff = newcombe(loops.strategic, loops.at, loops.random, loops.at);
  const epochs = (x: number) => (x === 0 ? "∞" : (1 / x).toFixed(2));
  const epochNote = (w: ReturnType<typeof wilson>, k: number) =>
    `1 / p, p = ${k}/${trials} audited epochs = ${w.p.toFixed(3)} [${w.lo.toFixed(3)}, ${w.hi.toFixed(3)}] (Wilson 95%); epochs 95% [${epochs(w.hi)}, ${epochs(w.lo)}]`;
  const compare = `strategic − uniform catch rate ${diff.d.toFixed(3)} [${diff.lo.toFixed(3)}, ${diff.hi.toFixed(3)}] (Newcombe 95%), Fisher two-sided p = ${fisher.toFixed(3)}`;
  const ci = (x: { lo: number; hi: number }) => `[${x.lo.toFixed(3)}, ${x.hi.toFixed(3)}]`;
  const perSeed = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(",");
  return [
    {
      metric: "shopper.classifier.auc",
      value: a.m,
      unit: "AUC",
      note: `naive Bayes on arrival time, delay, hop, action, previous peer; mixes; 95% CI ${ci(a)} over ${seeds} seeds: ${perSeed(aucs)}; 0.5 = chance`,
    },
    ...FEATURES.map((f) => {
      const x = meanCi(featureAucs.get(f)!);
      return {
        metric: `shopper.classifier.auc.${f}`,
        value: x.m,
        unit: "AUC",
        note: `naive Bayes on ${f} alone, same epochs; 95% CI ${ci(x)} over ${seeds} seeds: ${perSeed(featureAucs.get(f)!)}`,
      };
    }),
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
    {
      metric: "shopper.epochs_to_catch.strategic_minus_uniform",
      value: epochDiff.d,
      unit: "epochs",
      note: `95% ${ci(epochDiff)} (seeded parametric bootstrap, 4,000 draws); ${compare}; run ${((performance.now() - started) / 60_000).toFixed(1)} min`,
    },
    { metric: "shopper.dropper.caught_per_epoch.strategic", value: s.p, unit: "probability", note: compare },
    { metric: "shopper.dropper.caught_per_epoch.random", value: u.p, unit: "probability", note: compare },
    {
      metric: "shopper.dropper.loops_dropped.strategic",
      value: ls.p,
      unit: "fraction",
      note: `${loops.strategic}/${loops.at} loops at the dropper in the audited epochs, Wilson 95% ${ci(ls)}; strategic − uniform ${loopDiff.d.toFixed(4)} ${ci(loopDiff)} (Newcombe); model epochs to catch at this rate ${epochs(caughtModel(ls.p))} [${epochs(caughtModel(ls.hi))}, ${epochs(caughtModel(ls.lo))}]`,
    },
    {
      metric: "shopper.dropper.loops_dropped.random",
      value: lr.p,
      unit: "fraction",
      note: `${loops.random}/${loops.at} loops, same loops judged by the uniform coin, Wilson 95% ${ci(lr)}`,
    },
  ];
}
