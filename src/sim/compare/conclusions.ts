/**
 * Conclusions generated from the report's numbers (never hand-written): for
 * each criterion, which scheme wins and by how much, and the trade-off each
 * paid scheme makes. Sentences only state figures present in the report.
 */
import type { CompareReport, SchemeRun } from "../report/types.js";
import { AUC_ADVERSARIES, type Interval, type LinkingSummary } from "./adversaries.js";

const fmt = (x: number, digits = 3) =>
  Math.abs(x) >= 1000 ? Math.round(x).toLocaleString("en-US") : Number(x.toPrecision(digits)).toString();
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Derives the conclusions of a report.
 *
 * @returns one sentence per finding, in a stable order.
 * @example
 * report.conclusions = conclusions(report);
 */
export function conclusions(report: CompareReport): string[] {
  const ran = report.schemes.filter((s): s is SchemeRun => s.status === "ok");
  const paid = ran.filter((s) => s.scheme !== "free");
  const out: string[] = [];
  for (const s of report.schemes)
    if (s.status === "not-run")
      out.push(`${s.scheme} was not run (${s.reason}); it is absent from every ranking below.`);
  if (ran.length === 0) return [...out, "No scheme ran, so nothing can be compared."];

  const best = <T>(xs: SchemeRun[], f: (s: SchemeRun) => T | null, lower = true) => {
    const withValue = xs.map((s) => [s, f(s)] as const).filter((p): p is readonly [SchemeRun, T] => p[1] !== null);
    return withValue.sort((a, b) => ((a[1] as number) - (b[1] as number)) * (lower ? 1 : -1));
  };

  const gas = best(paid, (s) => s.gas.per1000Hops);
  if (gas.length > 0) {
    const [winner, value] = gas[0]!;
    const goal = value <= 100_000 ? "meets" : "misses";
    out.push(
      `Gas: ${winner.scheme} is cheapest on chain at ${fmt(value)} gas per 1,000 paid packet-hops (all setup included), which ${goal} the DESIGN §8 goal of ≤ 100,000${
        gas.length > 1
          ? `; then ${gas
              .slice(1)
              .map(([s, v]) => `${s.scheme} ${fmt(v)}`)
              .join(", ")}`
          : ""
      }.`,
    );
  }
  const measured = best(paid, (s) => s.gas.steady?.per1000Hops ?? null);
  if (measured.length > 0) {
    const [winner, value] = measured[0]!;
    out.push(
      `Steady state (measured: every scheme transaction from the workload's first block on, per packet-hop accepted over the same span, setup apart): ${measured.map(([s, v]) => `${s.scheme} ${fmt(v)} gas per 1,000 hops over ${s.gas.steady!.epochs} epoch(s) after ${fmt(s.gas.setup)} gas of setup`).join(", ")}; ${winner.scheme} ${value <= 100_000 ? "meets" : "misses"} the ≤ 100,000 goal.`,
    );
  }
  const sweepSchemes = [...new Set(report.sweep.rows.map((r) => r.scheme))];
  if (sweepSchemes.length > 0)
    out.push(
      `The cost of lower gas (model on each scheme's measured gas per payout, ${report.sweep.hopsPerRelayPerEpoch.toLocaleString("en-US")} hops per relay per epoch): ${sweepSchemes
        .map((scheme) => {
          const fit = report.sweep.rows
            .filter((r) => r.scheme === scheme && r.gasPer1000Hops <= 100_000)
            .sort((a, b) => b.winProbability - a.winProbability)[0];
          return fit
            ? `${scheme} reaches ≤ 100,000 gas per 1,000 hops at win probability ${fit.winProbability} (${fmt(fit.gasPer1000Hops)}), where a relay's pay per epoch varies by σ/μ = ${fmt(fit.payoutCv)}`
            : `${scheme} stays above 100,000 at every win probability swept`;
        })
        .join("; ")}.`,
    );
  out.push(...measuredSweepConclusions(report));
  out.push(...scaleConclusions(report));
  out.push(...measuredScale(report));
  out.push(...attackConclusions(report));
  const bytes = best(paid, (s) => s.bytes.perPacket);
  if (bytes.length > 0)
    out.push(
      `Bandwidth: ${bytes.map(([s, v]) => `${s.scheme} adds ${v} payment bytes per packet (+${s.bytes.receipt} per receipt)`).join(", ")}.`,
    );
  const cpu = best(paid, (s) => s.relayCpu.perHopUs);
  const free = ran.find((s) => s.scheme === "free");
  if (cpu.length > 0)
    out.push(
      `Relay time on payment work (wall, waits included): ${cpu.map(([s, v]) => `${s.scheme} ${fmt(v)} µs per packet-hop`).join(", ")}${free?.relayCpu.perHopUs != null ? ` (free: ${fmt(free.relayCpu.perHopUs)} µs, the pipeline's own bookkeeping)` : ""}.`,
    );
  const client = best(paid, (s) => s.client.payUs);
  if (client.length > 0)
    out.push(`Client cost per packet: ${client.map(([s, v]) => `${s.scheme} ${fmt(v)} µs`).join(", ")}.`);
  const lat = best(ran, (s) => s.latency.p95);
  if (lat.length > 0)
    out.push(
      `Latency p95: ${lat.map(([s, v]) => `${s.scheme} ${fmt(v)} ms`).join(", ")}; ${
        lat.every(([, v]) => v < 5000)
          ? "every scheme stays under the seed's 5 s requirement"
          : `${lat
              .filter(([, v]) => v >= 5000)
              .map(([s]) => s.scheme)
              .join(", ")} exceed the seed's 5 s requirement`
      }.`,
    );
  for (const s of paid) {
    const d = s.dropper;
    const loss =
      d.loss === null
        ? "is paid nothing at all, as are its honest peers"
        : d.loss > 0
          ? `earns ${pct(d.loss)} less per packet-hop than honest mixes`
          : `earns ${pct(-d.loss)} more per packet-hop than honest mixes (dropping costs it nothing)`;
    out.push(
      `Dropping relay under ${s.scheme}: dropped ${d.injectedDrops} packets (${pct(d.dropFraction)}) and ${loss}; ${d.caught ? `it was recorded at fault ${d.faults} time(s), ${d.caughtAfterEpochs} epoch(s) after the traffic epoch` : "it was never recorded at fault"}.`,
    );
  }
  const fair = best(paid, (s) => s.payouts.fairness.honestCv);
  if (fair.length > 0)
    out.push(
      `Fairness (spread of pay per carried hop among honest relays, σ/μ; lower is fairer): ${fair.map(([s, v]) => `${s.scheme} ${fmt(v)}`).join(", ")}.`,
    );
  out.push(...linkingConclusions(report, ran));
  const inconsistent = paid.filter((s) => !s.payouts.consistent);
  out.push(
    inconsistent.length === 0
      ? "Every payout in this report is the token transfers read back from the chain, found identically by an event query and in the run's receipts."
      : `Transfer events, receipts and claims disagree for ${inconsistent.map((s) => s.scheme).join(", ")}: see the per-relay table.`,
  );
  const selfRedeemed = paid.filter((s) => BigInt(s.payouts.claimReported) < BigInt(s.payouts.total));
  for (const s of selfRedeemed)
    out.push(
      `${s.scheme}: relays' claim() calls account for ${fmtTokens(s.payouts.claimReported)} of the ${fmtTokens(s.payouts.total)} OBOL paid; the rest the relays redeemed on their own during the run.`,
    );
  return out;
}

/** One sentence per adversary (accuracy per scheme with its interval, the paired difference to free), then the verdict. */
function linkingConclusions(report: CompareReport, ran: SchemeRun[]): string[] {
  const out: string[] = [];
  const ci = (x: Interval) => (x.n > 1 ? `${pct(x.mean)} [${pct(x.low)}, ${pct(x.high)}]` : pct(x.mean));
  const pp = (x: Interval) =>
    `${x.mean >= 0 ? "+" : ""}${(x.mean * 100).toFixed(1)} pp${x.n > 1 ? ` [${(x.low * 100).toFixed(1)}, ${(x.high * 100).toFixed(1)}]` : ""}`;
  const ids = [...new Set(ran.flatMap((s) => s.linking.map((l) => l.adversary)))];
  const leaks: string[] = [];
  // A seed whose workload the scheme did not carry is a gap, named before any figure that leaves it out.
  for (const s of ran) {
    const gaps = s.workloads.filter((w) => !w.carried);
    if (gaps.length > 0)
      out.push(
        `Gap: ${s.scheme} carried under a quarter of free's packet-hops on seed(s) ${gaps.map((w) => `${w.seed} (${w.hops} vs. ${w.freeHops})`).join(", ")}, so its adversaries had almost nothing to see there; its linking intervals rest on the other ${s.workloads.length - gaps.length} seed(s) (workload table under Experiment (b)).`,
      );
  }
  for (const id of ids) {
    const rows = ran
      .map((s) => [s, s.linking.find((l) => l.adversary === id)] as const)
      .filter((p): p is readonly [SchemeRun, LinkingSummary] => p[1] !== undefined && p[1].accuracy.n > 0);
    if (rows.length === 0) {
      out.push(`Linking, ${id}: the adversary saw no target in any scheme's run (nothing to guess).`);
      continue;
    }
    const first = rows[0]![1];
    if (AUC_ADVERSARIES.has(id)) {
      const none = ran.filter((s) => !rows.some(([r]) => r === s)).map((s) => s.scheme);
      out.push(
        `${id} (${first.description}), AUC over ${report.seeds.length} seed(s), 95% intervals: ${rows.map(([s, l]) => `${s.scheme} ${l.accuracy.mean.toFixed(3)}${l.accuracy.n > 1 ? ` [${l.accuracy.low.toFixed(3)}, ${l.accuracy.high.toFixed(3)}]` : ""}`).join(", ")}${none.length ? `; n/a for ${none.join(", ")} (no audit packets)` : ""}. An interval above 0.5 means the dropper can spare audits more often than a coin toss would.`,
      );
      continue;
    }
    const parts = rows.map(
      ([s, l]) =>
        `${s.scheme} ${ci(l.accuracy)}${s.scheme !== "free" && l.diffVsFree ? ` (vs. free ${pp(l.diffVsFree)})` : ""}`,
    );
    out.push(
      `Linking, ${id} (${first.description}), top-1 accuracy over ${report.seeds.length} seed(s), 95% intervals: ${parts.join(", ")}; chance from context ${pct(first.chance.mean)}, 1/#clients ${pct(first.uniform)}.`,
    );
    for (const [s, l] of rows) if (l.leaks) leaks.push(`${s.scheme} to ${id} (${pp(l.diffVsFree!)} over free)`);
  }
  if (ids.some((id) => !AUC_ADVERSARIES.has(id))) {
    const undetermined = ran.some(
      (s) => s.scheme !== "free" && s.linking.some((l) => l.leaks === null && !AUC_ADVERSARIES.has(l.adversary)),
    );
    out.push(
      leaks.length > 0
        ? `Payment data leaks sender information: ${leaks.join("; ")} — the adversary beats free on the same seeds beyond the 95% interval.`
        : undetermined
          ? "Whether payment data leaks is undetermined here: it needs free in the run and at least two seeds (the paired interval to free)."
          : `No scheme's payment data lets any adversary beat free beyond the 95% interval over ${report.seeds.length} seeds; differences between schemes in the table above are within noise.`,
    );
  }
  return out;
}

function fmtTokens(units: string): string {
  return (Number(BigInt(units)) / 1e18).toFixed(4);
}

/** A share of chain capacity: a percentage below 1, a multiple above. */
function share(x: number): string {
  return x >= 1 ? `${fmt(x)}×` : pct(x);
}

/**
 * What the model built from the measured scale says (docs/compare.md §Cost
 * model): recurring gas per 1,000 hops at the smallest measured N, gas per
 * epoch at the largest N, and each scheme that outgrows the chain, with the
 * operation responsible and whether its figure is measured or extrapolated.
 */
function scaleConclusions(report: CompareReport): string[] {
  const out: string[] = [];
  const p = report.scale.parameters;
  const rows = report.scale.rows;
  if (rows.length === 0) return out;
  const at = (n: number) => rows.filter((r) => r.relays === n);
  const how = (r: { extrapolated: boolean }) => (r.extrapolated ? "extrapolated by fitted exponents" : "measured");
  const smallest = at(Math.min(...rows.map((r) => r.relays))).sort((a, b) => a.gasPerHop - b.gasPerHop);
  out.push(
    `Recurring cost only (the scale model at ${smallest[0]!.relays.toLocaleString("en-US")} relays, ${how(smallest[0]!)}, H = ${fmt(p.hopsPerRelayPerEpoch)} hops per relay per epoch): ${smallest.map((r) => `${r.scheme} ${fmt(r.gasPerHop * 1000)}`).join(", ")} gas per 1,000 packet-hops; ${smallest[0]!.gasPerHop * 1000 <= 100_000 ? `${smallest[0]!.scheme} meets` : "none meets"} the ≤ 100,000 goal at the win probabilities and batch sizes the run used (Experiment (c), model table).`,
  );
  const largestN = at(Math.max(...rows.map((r) => r.relays))).sort((a, b) => a.gasPerEpoch - b.gasPerEpoch);
  out.push(
    `At ${largestN[0]!.relays.toLocaleString("en-US")} relays (${how(largestN[0]!)}) the model puts ${largestN.map((r) => `${r.scheme} at ${fmt(r.gasPerEpoch)} gas per epoch (${share(r.shareOfChainCapacity)} of a ${fmt(p.blockGasLimit)}-gas-per-${p.blockSeconds}-s-block chain)`).join(", ")}.`,
  );
  // The first N at which each scheme outgrows the chain, or has a single call no block can hold.
  for (const scheme of [...new Set(rows.map((r) => r.scheme))]) {
    const mine = rows.filter((r) => r.scheme === scheme).sort((a, b) => a.relays - b.relays);
    const over = mine.find(
      (r) => r.shareOfChainCapacity > 1 || r.operations.some((o) => o.gasPerCall > p.blockGasLimit),
    );
    if (!over) continue;
    const top = [...over.operations].sort((a, b) => b.gasPerEpoch - a.gasPerEpoch)[0]!;
    const big = over.operations.find((o) => o.gasPerCall > p.blockGasLimit);
    const reason = big
      ? `one ${big.op} call needs ${fmt(big.gasPerCall)} gas, ${fmt(big.gasPerCall / p.blockGasLimit)}× a block (${big.extrapolated ? "extrapolated" : "measured"})`
      : `it needs ${fmt(over.shareOfChainCapacity)}× the chain's whole capacity per epoch, most of it ${top.op} (${top.extrapolated ? "extrapolated" : "measured"})`;
    out.push(`${scheme} does not fit on one chain from ${over.relays.toLocaleString("en-US")} relays: ${reason}.`);
  }
  return out;
}

/**
 * What the measured scale shows (docs/compare.md §Cost at scale): per scheme
 * its fastest-growing operation with its exponent and interval, and every
 * operation that fails at some N, with the N.
 */
function measuredScale(report: CompareReport): string[] {
  const m = report.scale.measured;
  const out: string[] = [];
  for (const s of m.schemes) {
    // Growth of the epoch's cost; of one call for a sampled operation (its count per epoch is the model's).
    const own = (g: (typeof s.growth)[number]) => (g.sampled ? g.perCall : g.perEpoch);
    const fitted = s.growth.filter((g) => own(g) !== null).sort((a, b) => own(b)!.exponent - own(a)!.exponent);
    const top = fitted[0];
    const failing = s.growth.flatMap((g) => {
      const p = g.points.find((x) => x.failed !== null);
      return p ? [`${g.op} fails at N = ${p.relays.toLocaleString("en-US")} (${p.failed})`] : [];
    });
    if (!top && failing.length === 0) continue;
    const ci = (f: { low: number | null; high: number | null }) =>
      f.low !== null && f.high !== null
        ? ` [95% CI ${f.low.toFixed(2)}, ${f.high.toFixed(2)}]`
        : " (two N, no interval)";
    const growth = top
      ? `its fastest-growing measured operation is ${top.op}, gas per ${top.sampled ? "call" : "epoch"} ∝ N^${own(top)!.exponent.toFixed(2)}${ci(own(top)!)}`
      : "no operation ran at two N";
    out.push(
      `Measured at N = ${m.relayCounts.join(", ")} relays, ${s.scheme}: ${growth}${failing.length ? `; ${failing.join("; ")}` : ""} (Experiment (c), measured table).`,
    );
  }
  return out;
}

/**
 * What the attack scenarios show (docs/compare.md §Attack scenarios): one
 * sentence per attack, with its control's verdict, since a failure only
 * counts when the same attack succeeded on the leaky control.
 */
function attackConclusions(report: CompareReport): string[] {
  return report.attacks.map((a) => {
    if (a.succeeded === null) return `Attack ${a.name} (${a.scheme}) could not run: ${a.error ?? "no outcome"}.`;
    const control =
      a.control === null
        ? "it has no leaky control, so its failure is not shown to have power"
        : a.control.succeeded
          ? `the same attack succeeded on the leaky control (${a.control.variant})`
          : `it also failed on the leaky control (${a.control.variant}), so this run shows nothing about the scheme`;
    const verdict = a.succeeded ? "**succeeded**" : "failed";
    return `Attack ${a.name} on ${a.scheme} ${verdict}: ${a.detail}; ${fmtTokens(a.valueMoved)} OBOL moved, ${a.honestFaults} fault(s) recorded against honest relays; ${control} (Attack scenarios table).`;
  });
}

/**
 * What the sweep measured on the chain says about the goal: per scheme, the
 * cheapest p, whether it meets ≤ 100,000 gas per 1,000 hops at the devnet's
 * traffic, its σ/μ, and the operation that dominates its steady gas.
 */
function measuredSweepConclusions(report: CompareReport): string[] {
  const rows = report.sweep.measured?.rows.filter((r) => !r.error && r.gasPer1000Hops !== null) ?? [];
  return [...new Set(rows.map((r) => r.scheme))].map((scheme) => {
    const mine = rows.filter((r) => r.scheme === scheme).sort((a, b) => a.gasPer1000Hops! - b.gasPer1000Hops!);
    const low = mine[0]!;
    const top = low.operations[0];
    return `Win-probability sweep measured on the chain (${scheme}, ${report.sweep.measured!.epochs} epochs of traffic, H ≈ ${fmt(low.hopsPerMixPerEpoch ?? 0)} hops per mix per epoch): ${mine
      .map(
        (r) =>
          `p = ${r.winProbability}: ${fmt(r.gasPer1000Hops!)} gas per 1,000 hops, σ/μ ${r.payoutCv === null ? "n/a (nothing paid)" : fmt(r.payoutCv)}`,
      )
      .join(
        "; ",
      )}. The cheapest, p = ${low.winProbability}, ${low.gasPer1000Hops! <= 100_000 ? "meets" : "misses"} the ≤ 100,000 goal at this traffic${top ? `; its steady gas is dominated by ${top.op} (${top.count} calls, ${fmt(top.gasUsed)} gas)` : ""}.`;
  });
}
