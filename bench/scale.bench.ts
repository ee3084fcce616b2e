/**
 * Cost at scale, measured (docs/compare.md §Cost at scale): for every scheme,
 * N relays registered on a fresh local chain (N = 10, 100; 1,000 without
 * --quick), one epoch of the scheme's recurring transactions driven by its
 * devnet hook, and per operation the fitted exponent b of gas per epoch ∝ N^b
 * (of gas per call for an operation the hook only samples: redemptions)
 * with its 95% interval. An operation that fails at some N is a figure of its
 * own (`compare.scale.fails.<op>` = the smallest N it failed at), never
 * extrapolated.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchOptions, Metric } from "./metric.js";
import { silentLogger } from "../src/log.js";
import { loadSchemeDevnet } from "../src/schemes/devnet.js";
import { SCHEME_NAMES } from "../src/schemes/registry.js";
import { measureScale } from "../src/sim/compare/scale-probe.js";

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const relayCounts = quick ? [10, 100] : [10, 100, 1000];
  const dataDir = mkdtempSync(join(tmpdir(), "obol-scale-bench-"));
  const metrics: Metric[] = [];
  try {
    for (const name of SCHEME_NAMES) {
      const devnet = await loadSchemeDevnet(name);
      if (!devnet.scaleEpoch) continue;
      const { growth } = await measureScale(devnet, {
        relayCounts,
        dataDir: join(dataDir, name),
        log: silentLogger(),
        signal: new AbortController().signal,
      });
      for (const g of growth) {
        const at = g.points
          .map(
            (p) =>
              `N=${p.relays}: ${p.gasPerEpoch === null ? `fails (${p.failed})` : `${p.gasPerEpoch} gas in ${p.calls} calls`}`,
          )
          .join("; ");
        // A sampled operation's calls per epoch are the model's (from the run), so its own growth is per call.
        const fit = g.sampled ? g.perCall : g.perEpoch;
        if (fit) {
          const ci =
            fit.low === null ? "no interval (two points)" : `95% CI [${fit.low.toFixed(2)}, ${fit.high!.toFixed(2)}]`;
          metrics.push({
            metric: `compare.scale.exponent.${name}.${g.op}`,
            value: round2(fit.exponent),
            unit: "exponent",
            note: `${g.sampled ? "gas per call (sampled per N)" : "gas per epoch"} ∝ N^b; ${ci}; ${at}`,
          });
        }
        for (const p of g.points) {
          if (p.gasPerEpoch !== null)
            metrics.push({
              metric: `compare.scale.gas_per_epoch.${name}.${g.op}.n${p.relays}`,
              value: p.gasPerEpoch,
              unit: "gas",
              note: `${p.calls} calls`,
            });
        }
        const failedAt = g.points.find((p) => p.failed !== null);
        if (failedAt)
          metrics.push({
            metric: `compare.scale.fails.${name}.${g.op}`,
            value: failedAt.relays,
            unit: "relays",
            note: `fails at N=${failedAt.relays}: ${failedAt.failed}`,
          });
      }
      for (const u of devnet.unprobed ?? [])
        process.stderr.write(`scale bench: ${name} ${u.op} not measured: ${u.why}\n`);
    }
    return metrics;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
