/**
 * Win probability against gas and payout variance, measured on the chain
 * (docs/compare.md §Win-probability sweep): each lottery scheme's relays and
 * contracts at each of its win probabilities (--quick: p = 1 and the
 * smallest), 1 gateway and 3×2 mixes, 2 clients, 12 s of traffic over 3
 * epochs. Per p: `compare.sweep.<scheme>.p<p>.steady_gas_per_1000_hops`,
 * `.setup_gas`, `.payout_cv` (σ/μ of a mix's pay per epoch) and `.model_cv`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchOptions, Metric } from "./metric.js";
import { silentLogger } from "../src/log.js";
import { loadSchemeDevnet } from "../src/schemes/devnet.js";
import { SCHEME_NAMES } from "../src/schemes/registry.js";
import { formatP, sweepLottery } from "../src/sim/compare/lottery-sweep.js";

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "obol-sweep-bench-"));
  const metrics: Metric[] = [];
  try {
    for (const name of SCHEME_NAMES) {
      const devnet = await loadSchemeDevnet(name);
      if (!devnet.lottery) continue;
      const all = devnet.lottery.probabilities;
      const rows = await sweepLottery({
        scheme: name,
        devnet,
        probabilities: quick ? [all[0]!, all[all.length - 1]!] : all,
        epochs: 3,
        durationS: 12,
        seed: "1",
        gateways: 1,
        mixesPerLayer: 2,
        clients: 2,
        messagesPerS: 0.5,
        relayLoopPerS: 0.2,
        dataDir: join(dataDir, name),
        log: silentLogger(),
        signal: new AbortController().signal,
      });
      for (const r of rows) {
        const key = `compare.sweep.${name}.p${formatP(r.winProbability).replace("/", "_")}`;
        if (r.error) {
          process.stderr.write(`sweep bench: ${name} at p = ${r.winProbability} failed: ${r.error}\n`);
          continue;
        }
        const top = r.operations
          .slice(0, 2)
          .map((o) => `${o.op} ×${o.count} ${o.gasUsed}`)
          .join(", ");
        if (r.gasPer1000Hops !== null)
          metrics.push({
            metric: `${key}.steady_gas_per_1000_hops`,
            value: Math.round(r.gasPer1000Hops),
            unit: "gas",
            note: `${r.hops} hops over ${r.epochs} epochs; ${r.payouts} wins paid; ${top}`,
          });
        metrics.push({ metric: `${key}.setup_gas`, value: r.setupGas, unit: "gas" });
        if (r.payoutCv !== null) metrics.push({ metric: `${key}.payout_cv`, value: r.payoutCv, unit: "σ/μ" });
        if (r.modelCv !== null)
          metrics.push({
            metric: `${key}.model_cv`,
            value: r.modelCv,
            unit: "σ/μ",
            note: `H = ${r.hopsPerMixPerEpoch?.toFixed(1)} hops per mix per epoch`,
          });
      }
    }
    return metrics;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
