/**
 * The standard short comparison (docs/compare.md §Benchmark): every scheme on
 * one seeded workload, 1 gateway + 3×1 mixes, 2 clients, 8 s at 1 message/s
 * per client (quick) or the
 * `npm start` topology (2 gateways, 3×3 mixes, 4 clients), then per scheme
 * gas per 1,000 paid packet-hops (receipts, all setup included; DESIGN §8
 * goal ≤ 100k for the best scheme), the recurring part of it from the scale
 * model at 1,000 relays, end-to-end latency p95, and per linking adversary
 * (docs/compare.md §Adversaries) the scheme's top-1 sender accuracy and
 * free's on the same seeds (2 seeds quick, 3 otherwise). A scheme that did
 * not run yields no figure (its reason goes to stderr).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchOptions, Metric } from "./metric.js";
import { silentLogger } from "../src/log.js";
import { runComparison } from "../src/sim/compare/run.js";
import type { CompareReport } from "../src/sim/report/types.js";

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "obol-compare-bench-"));
  try {
    const report = await runComparison({
      schemes: ["free", "channels", "tickets", "shopper"],
      // Quick: a smaller network, but enough messages (1/s per client for 8 s) for a latency percentile.
      ...(quick
        ? { gateways: 1, mixesPerLayer: 1, clients: 2, durationS: 8, messagesPerS: 1 }
        : { gateways: 2, mixesPerLayer: 3, clients: 4, durationS: 20 }),
      seed: "bench",
      seeds: quick ? 2 : 3,
      dataDir,
      log: silentLogger(),
      signal: new AbortController().signal,
    });
    const metrics: Metric[] = [];
    for (const s of report.schemes) {
      if (s.status !== "ok") {
        process.stderr.write(`compare bench: ${s.scheme} not run: ${s.reason}\n`);
        continue;
      }
      if (s.scheme !== "free" && s.gas.per1000Hops !== null)
        metrics.push({
          metric: `compare.gas_per_1000_hops.${s.scheme}`,
          value: Math.round(s.gas.per1000Hops),
          unit: "gas",
          note: `${s.gas.scheme} scheme gas over ${s.hops} packet-hops`,
        });
      if (s.scheme !== "free" && s.gas.steady?.per1000Hops != null)
        metrics.push({
          metric: `compare.steady_gas_per_1000_hops.${s.scheme}`,
          value: Math.round(s.gas.steady.per1000Hops),
          unit: "gas",
          note: `${s.gas.steady.gas} gas after setup over ${s.gas.steady.hops} packet-hops, ${s.gas.steady.epochs} epoch(s); setup ${s.gas.setup} gas apart`,
        });
      const recurring = report.scale.rows.find(
        (r) => r.scheme === s.scheme && r.relays === report.scale.parameters.relayCounts[0],
      );
      if (recurring)
        metrics.push({
          metric: `compare.recurring_gas_per_1000_hops.${s.scheme}`,
          value: Math.round(recurring.gasPerHop * 1000),
          unit: "gas",
          note: `scale model at ${recurring.relays} relays (${recurring.extrapolated ? "extrapolated" : "measured"} gas per call), deployments excluded; H = ${report.scale.parameters.hopsPerRelayPerEpoch} hops per relay per epoch`,
        });
      for (const l of s.linking) {
        const ci = `95% CI [${l.accuracy.low.toFixed(3)}, ${l.accuracy.high.toFixed(3)}] over ${l.accuracy.n} seeds`;
        metrics.push({
          metric: `compare.linking.${s.scheme}.${l.adversary}.accuracy`,
          value: round3(l.accuracy.mean),
          unit: "ratio",
          note: `${l.description}; ${ci}; leaks: ${l.leaks ?? "undetermined"}`,
        });
        if (l.free)
          metrics.push({
            metric: `compare.linking.${s.scheme}.${l.adversary}.free_accuracy`,
            value: round3(l.free.mean),
            unit: "ratio",
            note: `free on the same seeds; chance ${round3(l.chance.mean)}, 1/#clients ${round3(l.uniform)}`,
          });
      }
      if (s.latency.p95 !== null)
        metrics.push({
          metric: `compare.latency_p95_ms.${s.scheme}`,
          value: s.latency.p95,
          unit: "ms",
          note: `${s.latency.count} messages`,
        });
    }
    metrics.push(...attackMetrics(report));
    return metrics;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** `compare.attack.<name>.succeeded`: 1 when the attack succeeded on the scheme, 0 when it failed; none when it could not run. */
function attackMetrics(report: CompareReport): Metric[] {
  return report.attacks.flatMap((a) =>
    a.succeeded === null
      ? []
      : [
          {
            metric: `compare.attack.${a.name}.succeeded`,
            value: a.succeeded ? 1 : 0,
            unit: "bool",
            note: `${a.scheme}: ${a.detail}; control ${a.control ? `${a.control.succeeded} (${a.control.variant})` : "none"}; ${a.valueMoved} wei moved, ${a.honestFaults} honest faults`,
          },
        ],
  );
}
