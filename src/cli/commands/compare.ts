/** `obol compare` (= `npm start`): every scheme on the same workload, then a report with charts. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs } from "../options.js";
import { UsageError } from "../errors.js";
import { SCHEME_NAMES } from "../../schemes/registry.js";
import type { SchemeName } from "../../schemes/scheme.js";

const DEFAULTS = {
  schemes: "free,channels,tickets,shopper",
  relays: "2,3",
  clients: 4,
  duration: 20,
  seed: "1",
  seeds: 3,
  fullSeeds: 10,
  scale: "10,100",
  fullScale: "10,100,1000",
  /** Win-probability sweep on the chain: off in the quick run (≈ 3 min per probability on 2 cores), on with --full. */
  sweep: "none",
  fullSweep: "default",
  sweepEpochs: 3,
  out: "reports",
} as const;

export const command: Command = {
  name: "compare",
  summary: "run the same workload under each accounting scheme and write a report with charts",
  usage: `Usage: obol compare [--schemes a,b] [--relays G,M] [--clients N] [--duration S] [--seed N] [--seeds N] [--scale N,…] [--sweep P,…] [--full] [--rpc-url URL] [--out DIR]

For each scheme in turn: a fresh local chain (Hardhat node on 127.0.0.1), the
Ignition deployment, G gateways and 3×M mixes registered and running on
loopback, N clients exchanging the same seeded workload with Loopix cover
traffic, one mix dropping 10% of packets; then settlement (epochs advanced
as the scheme needs), every relay claims, and the chain is read back (gas
from receipts, payouts from Transfer events). Writes report.json, report.md
and SVG charts to <out>/<timestamp>/ and prints a summary (docs/compare.md).

Options:
  --schemes <list>   comma-separated, in order (default ${DEFAULTS.schemes})
  --relays <G,M>     gateways and mixes per layer (default ${DEFAULTS.relays}: 2 gateways, 3×3 mixes)
  --clients <n>      clients (default ${DEFAULTS.clients})
  --duration <s>     seconds of messages per scheme (default ${DEFAULTS.duration})
  --seed <n>         workload seed (default ${DEFAULTS.seed})
  --seeds <n>        seeds the linking adversaries run on, each a further run of the
                     workload per scheme (default ${DEFAULTS.seeds}; --full: ${DEFAULTS.fullSeeds})
  --scale <list>     relay counts at which each scheme's recurring operations are
                     measured on a fresh chain (default ${DEFAULTS.scale}; --full:
                     ${DEFAULTS.fullScale}; "none" skips it)
  --sweep <list>     win probabilities at which each lottery scheme runs again on a
                     fresh chain over ${DEFAULTS.sweepEpochs} epochs (gas and payout variance measured);
                     "default" takes each scheme's list, "none" skips it (default
                     ${DEFAULTS.sweep}; --full: ${DEFAULTS.fullSweep})
  --full             the long comparison: ${DEFAULTS.fullSeeds} seeds, N up to 1,000, the sweep
  --rate <n>         real messages per second per client (default 0.5)
  --drop <fraction>  share of packets the dropping mix does not forward (default 0.1)
  --rpc-url <url>    use this running development chain (Hardhat/Anvil with the default
                     funded accounts and evm_* methods) instead of a local node
  --out <dir>        report parent directory (default ${DEFAULTS.out})
  --keep             keep the participants' state directory
  --no-attacks       skip the economic attack scenarios each scheme declares
${COMMON_USAGE}`,
  async run(argv, { out, signal, log }) {
    const { values, common } = parseCommandArgs("compare", argv, {
      options: {
        schemes: { type: "string" },
        relays: { type: "string" },
        clients: { type: "string" },
        duration: { type: "string" },
        seed: { type: "string" },
        seeds: { type: "string" },
        full: { type: "boolean", default: false },
        scale: { type: "string" },
        sweep: { type: "string" },
        rate: { type: "string" },
        drop: { type: "string" },
        out: { type: "string" },
        keep: { type: "boolean", default: false },
        "no-attacks": { type: "boolean", default: false },
      },
    });
    const schemes = (values.schemes ?? DEFAULTS.schemes)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const s of schemes)
      if (!(SCHEME_NAMES as readonly string[]).includes(s))
        throw new UsageError(`unknown scheme "${s}" in --schemes`, "compare", {
          details: `choose from: ${SCHEME_NAMES.join(", ")}`,
        });
    const relays = (values.relays ?? DEFAULTS.relays).split(",").map(Number);
    if (relays.length !== 2 || !relays.every((x) => Number.isInteger(x) && x >= 1))
      throw new UsageError(
        `--relays must be "G,M" (gateways, mixes per layer; integers ≥ 1), got "${values.relays}"`,
        "compare",
      );
    const clients = numberOption(values.clients, "--clients", "compare", DEFAULTS.clients);
    const durationS = numberOption(values.duration, "--duration", "compare", DEFAULTS.duration);
    const seeds = numberOption(values.seeds, "--seeds", "compare", values.full ? DEFAULTS.fullSeeds : DEFAULTS.seeds);
    if (!Number.isInteger(seeds) || seeds < 1)
      throw new UsageError(`--seeds must be an integer ≥ 1, got "${values.seeds}"`, "compare");
    const scaleText = values.scale ?? (values.full ? DEFAULTS.fullScale : DEFAULTS.scale);
    const scaleRelays = scaleText === "none" ? [] : scaleText.split(",").map(Number);
    if (!scaleRelays.every((x) => Number.isInteger(x) && x >= 1 && x <= 10_000))
      throw new UsageError(
        `--scale must be relay counts like "10,100" (integers in 1..10000) or "none", got "${values.scale}"`,
        "compare",
      );
    const sweepText = values.sweep ?? (values.full ? DEFAULTS.fullSweep : DEFAULTS.sweep);
    const sweepPs = sweepText === "none" || sweepText === "default" ? [] : sweepText.split(",").map(Number);
    if (!sweepPs.every((p) => p > 0 && p <= 1))
      throw new UsageError(
        `--sweep must be win probabilities in (0, 1] like "1,0.125", "default" or "none", got "${values.sweep}"`,
        "compare",
      );
    const messagesPerS = numberOption(values.rate, "--rate", "compare", 0.5);
    const dropFraction = numberOption(values.drop, "--drop", "compare", 0.1);
    // The common --rpc-url has a default; only an explicit one replaces the local chain.
    const rpcUrl = argv.some((a) => a === "--rpc-url" || a.startsWith("--rpc-url=")) ? common.rpcUrl : undefined;
    const { runComparison } = await import("../../sim/compare/run.js");
    const { writeReport } = await import("../../sim/report/write.js");
    const { formatSummary } = await import("../../sim/report/markdown.js");
    const { Progress } = await import("../../sim/compare/progress.js");
    const dataDir = mkdtempSync(join(tmpdir(), "obol-compare-"));
    const quiet = common.verbose ? log : log.child({}, { level: "error" });
    const { loadSchemeDevnet } = await import("../../schemes/devnet.js");
    const devnets = await Promise.all(schemes.map((s) => loadSchemeDevnet(s)));
    const progress = new Progress(process.stderr, { schemes: devnets, durationS, seeds, scaleRelays });
    try {
      const report = await runComparison({
        schemes: schemes as SchemeName[],
        gateways: relays[0]!,
        mixesPerLayer: relays[1]!,
        clients,
        durationS,
        seed: values.seed ?? DEFAULTS.seed,
        seeds,
        messagesPerS,
        dropFraction,
        rpcUrl,
        dataDir,
        log: quiet,
        signal,
        scaleRelays,
        attacks: !values["no-attacks"],
        ...(sweepText === "none"
          ? {}
          : {
              lotterySweep: {
                epochs: DEFAULTS.sweepEpochs,
                durationS,
                ...(sweepPs.length > 0 ? { probabilities: sweepPs } : {}),
              },
            }),
        onScheme: (scheme, i) => progress.scheme(scheme, i),
        onStep: (scheme, step) => progress.step(scheme, step),
        onProgress: (scheme, p) => progress.traffic(scheme, p),
      });
      progress.stop();
      const dir = await writeReport(report, { out: values.out ?? DEFAULTS.out });
      out.write(
        common.json
          ? `${JSON.stringify({ dir, report })}\n`
          : `${formatSummary(report)}Report: ${join(dir, "report.md")} (report.json, ${report.charts.length} SVG charts)\n`,
      );
      return report.schemes.some((s) => s.status === "ok") ? 0 : 1;
    } finally {
      progress.stop();
      if (values.keep) process.stderr.write(`state kept in ${dataDir}\n`);
      else rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
