/**
 * `report.md` and the summary table `obol compare` prints, both generated
 * from the report object only (docs/compare.md §Report).
 */
import type { CompareReport, SchemeRun } from "./types.js";
import { MIN_CARRIED_SHARE } from "../compare/adversaries.js";

const n = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x)
    ? "–"
    : Math.abs(x) >= 1000
      ? Math.round(x).toLocaleString("en-US")
      : Number(x.toPrecision(digits)).toString();
const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
const obol = (units: string) => (Number(BigInt(units)) / 1e18).toFixed(4);

function row(cells: (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}

/**
 * The plain-text summary printed at the end of `obol compare`.
 *
 * @example
 * out.write(formatSummary(report));
 */
export function formatSummary(report: CompareReport): string {
  const lines = [
    `Obol scheme comparison — seed ${report.seed}, ${report.durationS} s per scheme, ${report.topology.gateways} gateways, ${report.topology.mixesPerLayer}×3 mixes, ${report.topology.clients} clients`,
    "",
  ];
  lines.push(
    `${"scheme".padEnd(10)}${"delivered".padStart(11)}${"p95 ms".padStart(9)}${"hops".padStart(8)}${"gas/1k hops".padStart(14)}${"bytes/pkt".padStart(11)}${"relay µs/hop".padStart(14)}${"paid OBOL".padStart(12)}${"dropper loss".padStart(14)}${"caught".padStart(8)}`,
  );
  for (const s of report.schemes) {
    if (s.status !== "ok") {
      lines.push(`${s.scheme.padEnd(10)} not run: ${s.reason}`);
      continue;
    }
    lines.push(
      `${s.scheme.padEnd(10)}${`${s.messages.delivered}/${s.messages.sent}`.padStart(11)}${n(s.latency.p95).padStart(9)}${String(s.hops).padStart(8)}${n(s.gas.per1000Hops).padStart(14)}${String(s.bytes.perPacket).padStart(11)}${n(s.relayCpu.perHopUs).padStart(14)}${obol(s.payouts.total).padStart(12)}${pct(s.dropper.loss).padStart(14)}${(s.dropper.caught ? "yes" : "no").padStart(8)}`,
    );
  }
  lines.push("", "Conclusions:", ...report.conclusions.map((c) => `- ${c}`), "");
  return lines.join("\n");
}

/**
 * The Markdown report: setup, one section per measured figure with its
 * chart and how it was measured, the experiments, the scale model, conclusions.
 *
 * @example
 * writeFileSync(join(dir, "report.md"), reportMarkdown(report));
 */
export function reportMarkdown(report: CompareReport): string {
  const ran = report.schemes.filter((s): s is SchemeRun => s.status === "ok");
  const out: string[] = [];
  const chart = (file: string) => {
    const c = report.charts.find((x) => x.file === file);
    if (c) out.push("", `![${c.title}](${c.file})`, "", `*${c.caption}*`);
  };
  out.push(`# Obol accounting schemes compared`, "");
  out.push(
    `Generated ${report.createdAt} by \`obol compare\`. Same seeded workload (seed \`${report.seed}\`), same topology, each scheme on a fresh chain and deployment: ${report.topology.gateways} gateways, ${report.topology.mixesPerLayer}×3 mixes, ${report.topology.clients} clients, ${report.durationS} s of messages at ${report.workload.messagesPerS}/s per client; Loopix λP ${report.workload.payloadPerS}/s, λL ${report.workload.loopPerS}/s, λD ${report.workload.dropPerS}/s, 1/μ ${report.workload.meanDelayMs} ms; relay loops λM ${report.workload.relayLoopPerS}/s. Chain: ${report.chain.rpcUrl ?? "local Hardhat node"} (epochs of ${report.chain.epochSeconds} s). How each figure is measured: docs/compare.md.`,
  );
  out.push("", "## Conclusions", "", ...report.conclusions.map((c) => `- ${c}`));
  out.push(
    "",
    "## Summary",
    "",
    row([
      "scheme",
      "status",
      "messages delivered",
      "latency p50 / p95 ms",
      "packet-hops",
      "scheme gas",
      "gas / 1,000 hops",
      "payment bytes / packet",
      "relay µs / hop",
      "client µs / packet",
      "paid OBOL (Transfer events)",
      "claim() reported OBOL",
    ]),
    row(Array(12).fill("---")),
  );
  for (const s of report.schemes) {
    if (s.status !== "ok") out.push(row([s.scheme, `not run: ${s.reason}`, ...Array(10).fill("–")]));
    else
      out.push(
        row([
          s.scheme,
          "ok",
          `${s.messages.delivered}/${s.messages.sent}`,
          `${n(s.latency.p50)} / ${n(s.latency.p95)}`,
          s.hops,
          n(s.gas.scheme),
          n(s.gas.per1000Hops),
          s.bytes.perPacket,
          n(s.relayCpu.perHopUs),
          n(s.client.payUs),
          obol(s.payouts.total),
          obol(s.payouts.claimReported),
        ]),
      );
  }
  out.push("", "## Gas", "");
  chart("gas-per-1000-hops.svg");
  out.push(
    "",
    "Setup apart: scheme gas mined before the workload's first block (deployment, one-time setup) vs. steady state, every scheme transaction from that block on (the workload, the epochs it and settlement span, claims) per packet-hop the relays accepted over the same span.",
  );
  out.push(
    "",
    row([
      "scheme",
      "setup gas",
      "steady gas",
      "steady packet-hops",
      "epochs spanned",
      "steady gas / 1,000 hops",
      "payouts",
      "steady gas / payout",
      "steady operations",
    ]),
    row(Array(9).fill("---")),
  );
  for (const s of ran)
    if (s.scheme !== "free")
      out.push(
        row([
          s.scheme,
          n(s.gas.setup),
          n(s.gas.steady?.gas),
          s.gas.steady?.hops ?? "–",
          s.gas.steady?.epochs ?? "–",
          n(s.gas.steady?.per1000Hops),
          s.gas.steady?.payouts ?? "–",
          n(s.gas.steady?.gasPerPayout),
          s.gas.steady?.operations.map((o) => `${o.contract}.${o.op} ×${o.count}`).join(", ") || "–",
        ]),
      );
  out.push("", row(["scheme", "operation", "transactions", "gas used", "mean gas"]), row(Array(5).fill("---")));
  for (const s of ran)
    for (const op of s.gas.operations)
      out.push(row([s.scheme, `${op.contract}.${op.op}`, op.count, n(op.gasUsed), n(op.mean)]));
  out.push("", "## Payment bytes", "");
  chart("payment-bytes.svg");
  out.push("", "## Relay and client cost", "");
  chart("relay-cpu.svg");
  out.push("", "## Latency", "");
  chart("latency.svg");
  out.push("", "## Payouts vs. packets forwarded", "");
  chart("payout-vs-forwarded.svg");
  out.push(
    "",
    row([
      "scheme",
      "relay",
      "role",
      "accepted (in workload)",
      "forwarded",
      "delivered",
      "paid OBOL (Transfer events)",
      "paid OBOL (receipt logs)",
      "claim() reported OBOL",
      "note",
    ]),
    row(Array(10).fill("---")),
  );
  for (const s of ran)
    for (const r of s.relays)
      out.push(
        row([
          s.scheme,
          r.name,
          r.role,
          `${r.accepted} (${r.acceptedInWorkload})`,
          r.forwarded,
          r.delivered,
          obol(r.paid),
          obol(r.paidInReceipts),
          obol(r.claimReported),
          r.dropper ? "drops packets" : "",
        ]),
      );
  out.push(
    "",
    "Fairness: σ/μ of pay per accepted hop across honest relays, and the correlation of pay with packets forwarded or delivered.",
    "",
    row(["scheme", "σ/μ", "correlation"]),
    row(["---", "---", "---"]),
  );
  for (const s of ran) out.push(row([s.scheme, n(s.payouts.fairness.honestCv), n(s.payouts.fairness.correlation)]));
  out.push("", "## Experiment (a): a relay dropping packets", "");
  out.push(
    `Relay \`${ran[0]?.dropper.relay ?? "mix-0"}\` accepts and is paid for each packet as usual but does not forward a share of them (fault injection in the relay, seeded). Loss = 1 − its pay per accepted hop ÷ the honest mixes' mean. Caught = a FaultRecorded event against it on chain.`,
  );
  out.push(
    "",
    row([
      "scheme",
      "share dropped",
      "packets dropped",
      "pay / hop (dropper)",
      "pay / hop (honest mixes)",
      "loss",
      "caught",
      "after epochs",
    ]),
    row(Array(8).fill("---")),
  );
  for (const s of ran)
    out.push(
      row([
        s.scheme,
        pct(s.dropper.dropFraction),
        s.dropper.injectedDrops,
        n(s.dropper.payoutPerHop),
        n(s.dropper.honestPayoutPerHop),
        pct(s.dropper.loss),
        s.dropper.caught ? `yes (${s.dropper.faults})` : "no",
        s.dropper.caughtAfterEpochs ?? "–",
      ]),
    );
  out.push("", "## Experiment (b): linking adversaries", "");
  out.push(
    `Each adversary (docs/compare.md §Adversaries) reads only what it would see in the run's real transcripts (slots, attachments, receipts, link timings, the chain's event logs) and guesses the sender of every client packet-hop it is scored on. Accuracy is the mean over ${report.seeds.length} seed(s) (${report.seeds.join(", ")}) with its 95% Student-t interval; "vs. free" is the paired difference to \`free\` on the same seeds, and a scheme leaks iff that interval lies above zero. Chance = the majority sender per (observing relay, next hop), what context alone gives; 1/#clients for reference.`,
  );
  chart("linking.svg");
  out.push(
    "",
    row([
      "scheme",
      "adversary",
      "accuracy [95% CI]",
      "free [95% CI]",
      "vs. free [95% CI]",
      "leaks",
      "sender–receiver",
      "chance",
      "1/#clients",
      "targets per seed",
    ]),
    row(Array(10).fill("---")),
  );
  const pp = (x: { mean: number; low: number; high: number; n: number } | null) =>
    x === null
      ? "–"
      : `${(x.mean * 100).toFixed(1)} pp${x.n > 1 ? ` [${(x.low * 100).toFixed(1)}, ${(x.high * 100).toFixed(1)}]` : ""}`;
  const ci = (x: { mean: number; low: number; high: number; n: number } | null) =>
    x === null ? "–" : x.n > 1 ? `${pct(x.mean)} [${pct(x.low)}, ${pct(x.high)}]` : pct(x.mean);
  for (const s of ran)
    for (const l of s.linking)
      out.push(
        row([
          s.scheme,
          `${l.adversary}: ${l.description}`,
          ci(l.accuracy),
          ci(l.free),
          pp(l.diffVsFree),
          l.leaks === null ? "undetermined" : l.leaks ? "**yes**" : "no",
          ci(l.pairAccuracy),
          pct(l.chance.mean),
          pct(l.uniform),
          l.perSeed.map((r) => r.targets).join(" / "),
        ]),
      );
  out.push(...workloadTable(ran));
  out.push(...attackTable(report));
  out.push("", "## Experiment (c): on-chain cost at scale", "");
  out.push(...measuredScale(report), "");
  if (report.scale.measured.schemes.length > 0) chart("scale-measured.svg");
  out.push(...scaleModel(report));
  if (report.scale.rows.length > 0) chart("scale.svg");
  if (report.sweep.rows.length > 0) {
    out.push("", "## Win probability against payout variance", "");
    out.push(
      `A model on one measured input (docs/compare.md §Win-probability sweep): if every paid hop were a lottery ticket winning with probability p, a relay carrying H = ${report.sweep.hopsPerRelayPerEpoch.toLocaleString("en-US")} hops per epoch would be paid p·H times with σ/μ = √((1 − p)/(p·H)) of its pay per epoch, and each payout would cost the gas one payout measurably cost in this run (steady gas ÷ payout transfers, in the Gas section). p = 1 is deterministic payment.`,
    );
    out.push(
      "",
      row([
        "scheme",
        "gas per payout (measured)",
        ...report.sweep.rows
          .filter((r, i, a) => a.findIndex((x) => x.winProbability === r.winProbability) === i)
          .map((r) => `p = ${r.winProbability}: gas / 1,000 hops, σ/μ`),
      ]),
    );
    const ps = [...new Set(report.sweep.rows.map((r) => r.winProbability))];
    out.push(row(Array(2 + ps.length).fill("---")));
    for (const scheme of [...new Set(report.sweep.rows.map((r) => r.scheme))]) {
      const g = ran.find((s) => s.scheme === scheme)?.gas.steady?.gasPerPayout ?? null;
      out.push(
        row([
          scheme,
          n(g),
          ...ps.map((p) => {
            const r = report.sweep.rows.find((x) => x.scheme === scheme && x.winProbability === p)!;
            return `${n(r.gasPer1000Hops)}, ${n(r.payoutCv)}`;
          }),
        ]),
      );
    }
  }
  out.push(...measuredSweep(report));
  const notes = ran.filter((s) => s.settlement.claimErrors.length > 0 || s.settlement.audits);
  if (notes.length > 0) {
    out.push("", "## Settlement notes", "");
    for (const s of notes) {
      if (s.settlement.audits)
        out.push(
          `- ${s.scheme}: ${s.settlement.audits.paid} of ${s.settlement.audits.revealed} audited loops paid; chain moved ${s.settlement.epochsAdvanced} epochs to settle.`,
        );
      for (const e of s.settlement.claimErrors) out.push(`- ${s.scheme}: claim error ${e}`);
    }
  }
  return `${out.join("\n")}\n`;
}

/**
 * The model of experiment (c) from the measurements: its parameters, then per
 * scheme and N the gas per epoch and each operation's gas per call × calls.
 */
function scaleModel(report: CompareReport): string[] {
  const p = report.scale.parameters;
  const g = (x: number) => x.toLocaleString("en-US");
  if (report.scale.rows.length === 0)
    return ["Model: none (it is built from the measured scale, which did not run for any paying scheme)."];
  const out = [
    `Model (docs/compare.md §Cost model): gas per epoch at N = Σ over operations of gas per call at N × calls per epoch at N. Gas per call is the one measured at N above; beyond the largest N an operation ran at it follows that operation's fitted exponent (b per call; rows marked *extrapolated*). Calls per epoch are the probe's at N (fitted likewise beyond), except for operations the probe only samples: those marked *hop* take the main run's calls per packet-hop × H × N, those marked *relay* the main run's calls per relay × N.`,
    "",
    `Parameters: ${p.clientsPerRelay} clients per relay; ${p.packetsPerClientPerS} packets/s per client (λP + λL + λD); ${p.hopsPerPacket} hops per packet; ${g(p.epochSeconds)} s epochs; so H = ${g(p.hopsPerRelayPerEpoch)} packet-hops per relay per epoch. Capacity share against ${g(p.blockGasLimit)} gas every ${p.blockSeconds} s. N = ${p.relayCounts.map(g).join(", ")}.`,
    "",
    row([
      "scheme",
      "relays",
      "gas per epoch",
      "gas per hop",
      "share of chain capacity",
      "operations: gas per call × calls per epoch (count from)",
    ]),
    row(Array(6).fill("---")),
  ];
  for (const r of report.scale.rows) {
    const ops = r.operations
      .filter((o) => o.gasPerEpoch > 0)
      .sort((a, b) => b.gasPerEpoch - a.gasPerEpoch)
      .map(
        (o) =>
          `\`${o.op}\` ${n(o.gasPerCall)} × ${n(o.callsPerEpoch)} (${o.countFrom}${o.extrapolated ? ", extrapolated" : ""}${o.failedAt !== null ? `, **fails from N = ${g(o.failedAt)}**` : ""})`,
      );
    if (r.unfitted.length > 0) ops.push(`not modelled at this N (fewer than two N measured): ${r.unfitted.join(", ")}`);
    out.push(
      row([
        r.scheme,
        `${g(r.relays)}${r.extrapolated ? " *extrapolated*" : ""}`,
        n(r.gasPerEpoch),
        n(r.gasPerHop),
        r.shareOfChainCapacity >= 1 ? `${n(r.shareOfChainCapacity)}×` : pct(r.shareOfChainCapacity),
        ops.join("; "),
      ]),
    );
  }
  return out;
}

/** The measured part of experiment (c): per scheme and operation, gas per epoch at each N and the fitted exponent. */
function measuredScale(report: CompareReport): string[] {
  const m = report.scale.measured;
  if (m.schemes.length === 0) return ["Measured scale: not run (`obol compare --scale none`)."];
  const out = [
    `Measured (docs/compare.md §Cost at scale): for N ∈ {${m.relayCounts.join(", ")}}, N relays registered on a fresh local chain, then one epoch of each scheme's recurring transactions sent by its devnet hook and every receipt read back. b is the fitted exponent of gas per epoch ∝ N^b (least squares on log–log, 95% t-interval; none with two N). An operation that fails at some N is shown failing there and fitted only where it ran. *(sampled)*: the hook sends a fixed sample of it at each N (redemptions, which follow traffic), so its gas per call and b per call are the figures; its calls per epoch come from the run (model below).`,
    "",
    row([
      "scheme",
      "operation",
      ...m.relayCounts.map((c) => `gas per epoch, N = ${c.toLocaleString("en-US")}`),
      "b (per epoch) [95% CI]",
      "b (per call)",
    ]),
    row(Array(m.relayCounts.length + 4).fill("---")),
  ];
  const b = (f: { exponent: number; low: number | null; high: number | null } | null) =>
    f === null
      ? "–"
      : `${f.exponent.toFixed(2)}${f.low !== null && f.high !== null ? ` [${f.low.toFixed(2)}, ${f.high.toFixed(2)}]` : ""}`;
  for (const s of m.schemes) {
    for (const g of s.growth) {
      const cells = m.relayCounts.map((c) => {
        const p = g.points.find((x) => x.relays === c);
        return !p ? "–" : p.failed !== null ? `**fails**: ${p.failed}` : `${n(p.gasPerEpoch)} (${p.calls} calls)`;
      });
      out.push(row([s.scheme, `\`${g.op}\`${g.sampled ? " (sampled)" : ""}`, ...cells, b(g.perEpoch), b(g.perCall)]));
    }
    for (const u of s.unprobed)
      out.push(row([s.scheme, `\`${u.op}\``, ...m.relayCounts.map(() => "not measured"), u.why, ""]));
  }
  return out;
}

/** §Attack scenarios: each declared attack on the scheme and on its leaky control. */
function attackTable(report: CompareReport): string[] {
  if (report.attacks.length === 0) return [];
  const verdict = (x: boolean | null) => (x === null ? "not run" : x ? "**succeeded**" : "failed");
  return [
    "",
    "## Attack scenarios",
    "",
    "Each scheme's declared economic attacks, run on a fresh chain against the real contracts and relay code; the " +
      "same attack runs on a deliberately leaky control, where it must succeed, so that its failure on the scheme " +
      "means something (docs/compare.md §Attack scenarios).",
    "",
    row([
      "scheme",
      "attack",
      "attacker",
      "on the scheme",
      "value moved (OBOL)",
      "faults on honest",
      "leaky control",
      "what happened",
    ]),
    row(["---", "---", "---", "---", "---:", "---:", "---", "---"]),
    ...report.attacks.map((a) =>
      row([
        a.scheme,
        `\`${a.name}\``,
        a.attacker,
        verdict(a.succeeded),
        obol(a.valueMoved),
        a.honestFaults,
        a.control ? `${verdict(a.control.succeeded)} (${a.control.variant})` : "–",
        a.error ? `could not run: ${a.error}` : a.detail,
      ]),
    ),
  ];
}

/** The sweep measured on the chain, beside the model above (docs/compare.md §Win-probability sweep). */
function measuredSweep(report: CompareReport): string[] {
  const m = report.sweep.measured;
  if (!m) return [];
  const out = ["", "### Measured on the chain", ""];
  out.push(
    `Each lottery scheme's real relays and contracts, run again on a fresh chain at each win probability p: ${m.durationS} s of the same workload spread over ${m.epochs} epochs (the chain turns during traffic), then settlement. Steady gas is every scheme transaction after setup; setup (deployment, channel openings, token purchases, registrations) is shown apart. σ/μ is of a mix's pay per epoch over every (mix, epoch) cell, zeros included; the model's σ/μ = √((1 − p)/(p·H)) uses the measured H (hops per mix per epoch).`,
    "",
    row([
      "scheme",
      "p",
      "hops",
      "epochs",
      "steady gas / 1,000 hops",
      "setup gas",
      "wins paid",
      "H",
      "σ/μ measured",
      "σ/μ model",
      "largest steady operations",
    ]),
    row(Array(11).fill("---")),
  );
  for (const r of m.rows)
    out.push(
      row([
        r.scheme,
        r.winProbability,
        r.hops,
        r.epochs,
        r.error ? `failed: ${r.error}` : n(r.gasPer1000Hops),
        n(r.setupGas),
        r.payouts,
        n(r.hopsPerMixPerEpoch),
        n(r.payoutCv),
        n(r.modelCv),
        r.operations
          .slice(0, 3)
          .map((o) => `${o.op} ×${o.count}: ${n(o.gasUsed)}`)
          .join("; "),
      ]),
    );
  return out;
}

/** Packet-hops each seed's workload carried per scheme, against free's, and the seeds left out as gaps. */
function workloadTable(ran: readonly SchemeRun[]): string[] {
  const out = [
    "",
    `Packet-hops relays accepted over each seed's workload (its first message to the end of its drain), against \`free\`'s on the same seed. A seed that carried under ${MIN_CARRIED_SHARE * 100}% of free's is a gap: its adversaries had almost nothing to see, so its results are listed above but left out of every interval.`,
    "",
    row(["scheme", ...(ran[0]?.workloads ?? []).map((w) => `seed ${w.seed}`)]),
    row(Array((ran[0]?.workloads.length ?? 0) + 1).fill("---")),
    ...ran.map((s) => row([s.scheme, ...s.workloads.map((w) => `${w.hops ?? "–"}${w.carried ? "" : " (**gap**)"}`)])),
  ];
  for (const s of ran)
    for (const w of s.workloads.filter((x) => !x.carried))
      out.push(
        "",
        `**Gap:** ${s.scheme}, seed ${w.seed}: its workload carried ${w.hops} packet-hops against free's ${w.freeHops} (under ${MIN_CARRIED_SHARE * 100}%): the network did not carry the clients' traffic (e.g. clients that could not pay), so no linking figure of this seed is counted.`,
      );
  return out;
}
