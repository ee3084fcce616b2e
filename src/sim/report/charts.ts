/**
 * SVG charts of a comparison report, rendered headless: a Vega-Lite spec is
 * compiled to Vega and drawn by Vega's SVG renderer (`renderer: "none"`, no
 * canvas, no browser). Each chart carries the caption that says how its
 * figures were measured; `report.md` prints it under the image.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { CompareReport, SchemeRun } from "./types.js";

export type Chart = { file: string; title: string; caption: string; svg: string };

const OBOL = 1e18;
const WIDTH = 420;

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders every chart the report has data for.
 *
 * @returns charts with file name, title, caption and SVG text.
 * @example
 * for (const c of await renderCharts(report)) writeFileSync(join(dir, c.file), c.svg);
 */
export async function renderCharts(report: CompareReport): Promise<Chart[]> {
  const ran = report.schemes.filter((s): s is SchemeRun => s.status === "ok");
  const paid = ran.filter((s) => s.scheme !== "free");
  const charts: Chart[] = [];
  const add = async (file: string, title: string, caption: string, spec: Record<string, unknown>) =>
    charts.push({
      file,
      title,
      caption,
      svg: await render({ title, width: WIDTH, height: 240, ...spec } as TopLevelSpec),
    });

  const gas = paid
    .filter((s) => s.gas.per1000Hops !== null && s.gas.per1000Hops > 0)
    .map((s) => ({ scheme: s.scheme, gas: s.gas.per1000Hops }));
  if (gas.length > 0)
    await add(
      "gas-per-1000-hops.svg",
      "On-chain gas per 1,000 paid packet-hops",
      "Sum of gasUsed over the receipts of every transaction the scheme caused during its run (deployment of its contract, setup, purchases or channel funding, redemptions, audits, claims), read block by block from the chain, divided by the packet-hops relays accepted, × 1,000. The dashed rule marks the DESIGN §8 goal of 100,000.",
      {
        layer: [
          {
            data: { values: gas },
            mark: "bar",
            encoding: {
              x: { field: "scheme", type: "nominal" },
              y: { field: "gas", type: "quantitative", title: "gas per 1,000 hops" },
            },
          },
          {
            data: { values: [{ goal: 100_000 }] },
            mark: { type: "rule", color: "firebrick", strokeDash: [4, 4] },
            encoding: { y: { field: "goal", type: "quantitative" } },
          },
        ],
      },
    );

  const bytes = paid.flatMap((s) => [
    { scheme: s.scheme, part: "slots (5 hops)", bytes: s.bytes.slot * 5 },
    { scheme: s.scheme, part: "attachment", bytes: s.bytes.attachment },
    { scheme: s.scheme, part: "receipt (per hop)", bytes: s.bytes.receipt },
  ]);
  if (bytes.length > 0)
    await add(
      "payment-bytes.svg",
      "Payment bytes per packet",
      "The scheme's declared slot, attachment and receipt sizes (every packet of a network has the same size); the slot bytes sent per packet were also measured as the client's pay() output and match (report.json bytes.perPacketMeasured).",
      {
        data: { values: bytes },
        mark: "bar",
        encoding: {
          x: { field: "scheme", type: "nominal" },
          y: { field: "bytes", type: "quantitative", stack: "zero" },
          color: { field: "part", type: "nominal" },
        },
      },
    );

  const cpu = ran.flatMap((s) => [
    { scheme: s.scheme, call: "onPacket", us: s.relayCpu.onPacketUs ?? 0 },
    { scheme: s.scheme, call: "receipt", us: s.relayCpu.receiptUs ?? 0 },
    { scheme: s.scheme, call: "onReceipt", us: s.relayCpu.onReceiptUs ?? 0 },
  ]);
  if (cpu.length > 0)
    await add(
      "relay-cpu.svg",
      "Relay time on payment work per packet-hop",
      "Wall time of the scheme's relay calls (onPacket inside the durable commit, receipt, onReceipt), measured around each call on every relay of the run and averaged per call; free shows the cost of the calls themselves. Two shared cores run the whole network, so this includes scheduling noise.",
      {
        data: { values: cpu },
        mark: "bar",
        encoding: {
          x: { field: "scheme", type: "nominal" },
          y: { field: "us", type: "quantitative", stack: "zero", title: "µs per packet-hop" },
          color: { field: "call", type: "nominal" },
        },
      },
    );

  const latency = ran.flatMap((s) => s.latencySamples.map((ms) => ({ scheme: s.scheme, ms })));
  if (latency.length > 0)
    await add(
      "latency.svg",
      "End-to-end latency of real messages",
      "Time from the client handing a message to its packet queue until the recipient pulled it from its gateway inbox (5 hops, Loopix mixing delays of mean 1/μ per mix, up to one 250 ms poll); every delivered message of the workload, box = quartiles, whiskers = 1.5 IQR.",
      {
        data: { values: latency },
        mark: { type: "boxplot", extent: 1.5 },
        encoding: { x: { field: "scheme", type: "nominal" }, y: { field: "ms", type: "quantitative", title: "ms" } },
      },
    );

  const payouts = paid.flatMap((s) =>
    s.relays.map((r) => ({
      scheme: s.scheme,
      relay: r.name,
      hops: r.forwarded + r.delivered,
      obol: Number(BigInt(r.paid)) / OBOL,
      dropper: r.dropper ? "dropping mix" : "honest",
    })),
  );
  if (payouts.length > 0)
    await add(
      "payout-vs-forwarded.svg",
      "Payout vs. packets actually forwarded, per relay",
      "x: packets the relay forwarded to the next hop or delivered to an inbox (relay counters); y: OBOL the scheme's contracts transferred to the relay, summed from ERC-20 Transfer events read back from the chain after every claim. One panel per scheme, each with its own y scale (schemes pay different amounts per unit of work).",
      {
        width: 200,
        data: { values: payouts },
        mark: { type: "point", filled: true, size: 60 },
        resolve: { scale: { y: "independent" } },
        encoding: {
          column: { field: "scheme", type: "nominal" },
          x: { field: "hops", type: "quantitative", title: "packets forwarded or delivered" },
          y: { field: "obol", type: "quantitative", title: "OBOL paid" },
          color: { field: "dropper", type: "nominal" },
          shape: { field: "dropper", type: "nominal" },
        },
      },
    );

  // Charts are drawn before the report is validated: a report missing the section is refused by the validator, not here.
  const measured = (report.scale.measured?.schemes ?? []).flatMap((s) =>
    s.growth.flatMap((g) =>
      g.points.flatMap((p) =>
        p.gasPerEpoch !== null && p.gasPerEpoch > 0
          ? [{ operation: `${s.scheme}: ${g.op}`, relays: p.relays, gas: p.gasPerEpoch }]
          : [],
      ),
    ),
  );
  if (measured.length > 0)
    await add(
      "scale-measured.svg",
      "Measured on-chain gas per epoch by operation",
      `N relays registered on a fresh local chain for each N in {${report.scale.measured?.relayCounts.join(", ")}}; one epoch of each scheme's recurring transactions sent by its devnet hook; gasUsed summed from the receipts per operation. A missing point is an operation that failed at that N (see the table). Log–log: the slope is the growth exponent.`,
      {
        data: { values: measured },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "relays", type: "quantitative", scale: { type: "log" } },
          y: { field: "gas", type: "quantitative", scale: { type: "log" }, title: "gas per epoch" },
          color: { field: "operation", type: "nominal" },
        },
      },
    );
  const scale = report.scale.rows.map((r) => ({
    scheme: r.scheme,
    relays: r.relays,
    gas: r.gasPerEpoch,
    source: r.extrapolated ? "extrapolated by fitted exponents" : "measured at N",
  }));
  if (scale.length > 0)
    await add(
      "scale.svg",
      "On-chain gas per epoch at scale, from the measurements",
      `Per scheme, Σ over operations of the gas per call measured at N by the scale probe × calls per epoch at N (docs/compare.md §Cost model): the probe's count, or for sampled operations the run's count per packet-hop × ${report.scale.parameters.hopsPerRelayPerEpoch.toLocaleString("en-US")} hops per relay per epoch × N (or per relay × N). Measured at N = ${(report.scale.measured.relayCounts ?? []).join(", ")}; larger N (hollow points) follow each operation's fitted exponent. Log–log.`,
      {
        data: { values: scale },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "relays", type: "quantitative", scale: { type: "log" } },
          y: { field: "gas", type: "quantitative", scale: { type: "log" }, title: "gas per epoch" },
          color: { field: "scheme", type: "nominal" },
          shape: { field: "source", type: "nominal" },
        },
      },
    );

  // An adversary with no target in a scheme's run (e.g. E3 without audits) has no bar there, rather than a bar at 0.
  const linking = ran.flatMap((s) =>
    s.linking
      .filter((l) => l.accuracy.n > 0)
      .map((l) => ({
        scheme: s.scheme,
        adversary: l.adversary,
        accuracy: l.accuracy.mean,
        low: l.accuracy.low,
        high: l.accuracy.high,
      })),
  );
  if (linking.length > 0)
    await add(
      "linking.svg",
      "Linking adversaries: top-1 accuracy per scheme, with free (E3: the dropper's AUC)",
      `Mean over ${report.seeds.length} seed(s) and its 95% interval (whiskers) per adversary (docs/compare.md §Adversaries). Every adversary reads the run's real transcripts: the bytes its corrupt relays see, link timings (E4), the chain's logs (E2-chain, E2-order-chain); E2-order links a packet to the same sender's previous one at its mix by spending order; E3 is the AUC of a dropper telling audit loops from other packets (0.5 = coin toss; no bar without audits); ground truth is the packet each hop's Sphinx secret belongs to, a reply's sender being the replier. A scheme leaks to an adversary iff its bar beats free's beyond the paired interval (report.md table).`,
      {
        data: { values: linking },
        layer: [
          {
            mark: "bar",
            encoding: {
              x: { field: "adversary", type: "nominal" },
              xOffset: { field: "scheme" },
              y: {
                field: "accuracy",
                type: "quantitative",
                scale: { domain: [0, 1] },
                title: "top-1 accuracy (E3: AUC)",
              },
              color: { field: "scheme", type: "nominal" },
            },
          },
          {
            mark: { type: "rule", color: "black" },
            encoding: {
              x: { field: "adversary", type: "nominal" },
              xOffset: { field: "scheme" },
              y: { field: "low", type: "quantitative" },
              y2: { field: "high" },
            },
          },
        ],
      },
    );
  for (const c of sweepCharts(report)) await add(c.file, c.title, c.caption, c.spec);
  return charts;
}

/** The win-probability sweep measured on the chain, each beside its model (docs/compare.md §Win-probability sweep). */
function sweepCharts(
  report: CompareReport,
): { file: string; title: string; caption: string; spec: Record<string, unknown> }[] {
  // Charts render before validation: a report without its sweep section must not throw here (it is rejected after).
  const rows = report.sweep?.measured?.rows.filter((r) => !r.error) ?? [];
  if (rows.length === 0) return [];
  const cv = rows.flatMap((r) => [
    ...(r.payoutCv !== null ? [{ scheme: r.scheme, p: r.winProbability, cv: r.payoutCv, source: "measured" }] : []),
    ...(r.modelCv !== null && r.modelCv > 0
      ? [{ scheme: r.scheme, p: r.winProbability, cv: r.modelCv, source: "model √((1−p)/(pH))" }]
      : []),
  ]);
  const gas = [
    ...rows.flatMap((r) =>
      r.gasPer1000Hops ? [{ scheme: r.scheme, p: r.winProbability, gas: r.gasPer1000Hops, source: "measured" }] : [],
    ),
    ...report.sweep.rows
      .filter((r) => rows.some((m) => m.scheme === r.scheme) && r.gasPer1000Hops > 0)
      .map((r) => ({
        scheme: r.scheme,
        p: r.winProbability,
        gas: r.gasPer1000Hops,
        source: "model p × gas per payout",
      })),
  ];
  const encoding = (field: string, title: string) => ({
    x: { field: "p", type: "quantitative", scale: { type: "log" }, title: "win probability p" },
    y: { field, type: "quantitative", scale: { type: "log" }, title },
    color: { field: "scheme", type: "nominal" },
    strokeDash: { field: "source", type: "nominal" },
  });
  return [
    {
      file: "sweep-gas.svg",
      title: "Steady gas per 1,000 paid hops against win probability",
      caption: `Solid: measured on the chain, each lottery scheme's relays and contracts run at each p over ${report.sweep.measured!.epochs} epochs of the devnet's traffic, setup excluded. Dashed: the model (p × the gas per payout the main run measured) at the scale model's traffic. The goal is 100,000.`,
      spec: {
        data: { values: gas },
        mark: { type: "line", point: true },
        encoding: encoding("gas", "gas per 1,000 hops"),
      },
    },
    {
      file: "sweep-variance.svg",
      title: "σ/μ of a relay's pay per epoch against win probability",
      caption:
        "Solid: measured, over every (mix, epoch) cell of the run at that p, epochs without pay counted as zeros (a point is missing where nothing was paid). Dashed: the binomial model √((1 − p)/(p·H)) at the measured H.",
      spec: {
        data: { values: cv },
        mark: { type: "line", point: true },
        encoding: encoding("cv", "σ/μ of pay per epoch"),
      },
    },
  ];
}
