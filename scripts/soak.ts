/**
 * `npm run soak -- [--minutes 10] [--seed 1] [--clients 20] [--kill-every 60] [--scheme free|channels|tickets] [--json] [--keep]`:
 * the soak under faults (src/sim/processes/soak.ts). Events go to stderr;
 * figures to stdout, one JSON line each with --json (as `npm run bench -- --json`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "../src/log.js";
import type { SchemeName } from "../src/schemes/scheme.js";
import { runSoak } from "../src/sim/processes/soak.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    seed: { type: "string", default: "1" },
    clients: { type: "string", default: "20" },
    "kill-every": { type: "string", default: "60" },
    scheme: { type: "string", default: "free" },
    json: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new Error("received SIGINT")));
process.once("SIGTERM", () => controller.abort(new Error("received SIGTERM")));
const dataDir = mkdtempSync(join(tmpdir(), "obol-soak-"));
try {
  const report = await runSoak({
    minutes: Number(values.minutes),
    seed: values.seed,
    clients: Number(values.clients),
    killEveryS: Number(values["kill-every"]),
    dataDir,
    scheme: values.scheme as SchemeName,
    log: createLogger({ level: "error" }),
    signal: controller.signal,
    onEvent: (text) => process.stderr.write(`• ${text}\n`),
  });
  for (const f of report.figures) {
    const value = Number.isInteger(f.value) || !Number.isFinite(f.value) ? f.value : Number(f.value.toPrecision(4));
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ ...f, value })}\n`
        : `${f.metric.padEnd(32)} ${String(value).padStart(10)} ${f.unit}  ${f.note ?? ""}\n`,
    );
  }
  if (!values.json)
    for (const r of report.rss)
      process.stderr.write(
        `  rss ${r.kind} ${r.name} (pid ${r.pid}): ${r.slopeMiBPerMin.toFixed(3)} ± ${r.ci95.toFixed(3)} MiB/min (heap ${r.heapSlopeMiBPerMin.toFixed(3)}) over ${r.samples} samples\n`,
      );
  process.exitCode = report.figures.some(
    (f) => ["soak.credit_lost", "soak.double_claims", "soak.chain_claim_mismatch"].includes(f.metric) && f.value !== 0,
  )
    ? 1
    : 0;
} finally {
  if (values.keep) process.stderr.write(`state kept in ${dataDir}\n`);
  else rmSync(dataDir, { recursive: true, force: true });
}
