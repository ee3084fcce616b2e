/**
 * E3: a strategic dropper at one mix that tries to tell audit packets (loops
 * an auditor built to check it forwards) from everything else it carries, so
 * it can drop only the latter. Its features are what the mix sees of each
 * packet in the transcript: when it arrived (6 bins of its time since the
 * audited epoch began, over the rest of the window), the previous peer,
 * the age of that link (time since the first packet from that peer, log
 * bins) and the next hop (the hop action; a packet's kind is not visible to
 * a mix). The Sphinx delay a mix is asked to hold is not in the transcript,
 * so that feature of the audit classifier bench is missing here.
 *
 * Population: the arrivals at the mix from the start of the audited epoch
 * (`auditEpochFrom`) to the end of the window or of the stretch the scheme was told traffic runs
 * (`auditEpochTo`), both classes alike; before it
 * the epoch has no audits by construction of the run (keys in force from the
 * next epoch), which says nothing about a steady network.
 *
 * Classifier: naive Bayes with add-one smoothing, trained with labels on
 * every other arrival at the mix (after a reveal every relay learns which
 * of its packets were audits) and scored on the rest; the
 * result is the AUC (0.5: a coin toss), reported as correct ÷ targets with
 * targets = 2 × the (audit, other) pairs scored and correct = 2 ×
 * the pairs where the audit scores higher (a tie counts one of two). Ground truth: a packet is an audit
 * iff no client side paid for it through the scheme's `pay` (the auditor
 * builds its loops itself); a scheme without such packets gives no target
 * (n/a).
 */
import type { Address } from "viem";
import type { Adversary, Indexed, LinkingResult } from "./linking.js";
import { senderOnlyResult } from "./linking-result.js";

const PHASE_BINS = 6;

/**
 * Runs the dropper's classifier at one mix.
 *
 * @param ix the indexed transcript; `ix.t.paidSecrets` (every paid hop's secret over the whole run) is the ground truth.
 * @example
 * const r = dropperAuc(indexTranscript(transcript), adversary, mix);
 */
export function dropperAuc(ix: Indexed, a: Adversary, mix: Address): LinkingResult {
  const { t } = ix;
  const all = ix.byRelay.get(mix.toLowerCase()) ?? [];
  const from = t.auditEpochFrom ?? Number.NEGATIVE_INFINITY;
  const to = t.auditEpochTo ?? Number.POSITIVE_INFINITY;
  const arrivals = all.filter((i) => t.observations[i]!.t >= from && t.observations[i]!.t <= to);
  const paid = t.paidSecrets;
  const audit = (i: number) => (paid ? !paid.has(t.observations[i]!.ss) : ix.truth[i] === undefined);
  const times = arrivals.map((i) => t.observations[i]!.t);
  const start = t.auditEpochFrom ?? Math.min(...times);
  const span = Math.max(1, Math.min(to, Math.max(...times)) - start);
  // Link age counts from the first packet on that link in the whole window, before the epoch too.
  const firstFrom = new Map<string, number>();
  for (const i of all) {
    const o = t.observations[i]!;
    if (!firstFrom.has(o.fromPeer)) firstFrom.set(o.fromPeer, o.t);
  }
  const features = arrivals.map((i) => {
    const o = t.observations[i]!;
    const phase = Math.min(PHASE_BINS - 1, Math.floor(((o.t - start) / span) * PHASE_BINS));
    const age = Math.floor(Math.log2(1 + (o.t - firstFrom.get(o.fromPeer)!) / 100));
    return [`t${phase}`, `p${o.fromPeer}`, `a${age}`, `n${o.nextHop?.toLowerCase() ?? "deliver"}`];
  });
  const labels = arrivals.map(audit);
  // Audits come in bursts (one audited epoch), so halves in time could hold all of them: train on every other arrival, score the rest.
  const fold = (parity: number) => arrivals.map((_, k) => k).filter((k) => k % 2 === parity);
  const score = train(
    fold(0).map((k) => features[k]!),
    fold(0).map((k) => labels[k]!),
  );
  const test = fold(1).map((k) => ({ s: score?.(features[k]!) ?? 0, audit: labels[k]! }));
  // The report checks accuracy = correct ÷ targets with whole numbers: targets = 2 × (audit, other) pairs, correct = 2 × wins (a tie wins half).
  const counts = score ? aucCounts(test) : null;
  return senderOnlyResult(a, { targets: counts?.pairs2 ?? 0, correct: counts?.wins2 ?? 0, chance: 0.5, uniform: 0.5 });
}

/** Log-likelihood ratio audit : other, or null when the training half lacks either class. */
function train(features: readonly string[][], labels: readonly boolean[]): ((f: readonly string[]) => number) | null {
  const counts = { audit: new Map<string, number>(), other: new Map<string, number>() };
  const audits = labels.filter(Boolean).length;
  const others = labels.length - audits;
  if (audits === 0 || others === 0) return null;
  features.forEach((fs, k) => {
    const c = labels[k] ? counts.audit : counts.other;
    for (const f of fs) c.set(f, (c.get(f) ?? 0) + 1);
  });
  return (fs) =>
    fs.reduce(
      (s, f) =>
        s +
        Math.log(((counts.audit.get(f) ?? 0) + 1) / (audits + 2)) -
        Math.log(((counts.other.get(f) ?? 0) + 1) / (others + 2)),
      0,
    );
}

/**
 * Area under the ROC curve: the probability that a random audit scores above a random other packet (ties count half); null without both.
 *
 * @example
 * aucOf([{ s: 2, audit: true }, { s: 1, audit: false }]); // 1
 */
export function aucOf(xs: readonly { s: number; audit: boolean }[]): number | null {
  const c = aucCounts(xs);
  return c ? c.wins2 / c.pairs2 : null;
}

/** Twice the (audit, other) pairs and twice the pairs the audit wins (a tie counts one of two): whole numbers; null without both classes. */
function aucCounts(xs: readonly { s: number; audit: boolean }[]): { wins2: number; pairs2: number } | null {
  const pos = xs.filter((x) => x.audit).map((x) => x.s);
  const neg = xs.filter((x) => !x.audit).map((x) => x.s);
  if (pos.length === 0 || neg.length === 0) return null;
  let wins2 = 0;
  for (const p of pos) for (const n of neg) wins2 += p > n ? 2 : p === n ? 1 : 0;
  return { wins2, pairs2: 2 * pos.length * neg.length };
}
