/**
 * `npm run bench [-- --json] [-- --quick] [-- --only <area>]`: runs every
 * `bench/*.bench.ts` in this process and prints its figures. With `--json`
 * each figure is one line `{"metric","value","unit"}`; otherwise a table.
 */
import { readdirSync } from "node:fs";
import { parseArgs } from "node:util";
import type { BenchModule, Metric } from "./metric.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    only: { type: "string", multiple: true },
  },
});

const dir = new URL(".", import.meta.url);
const areas = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .filter((a) => !values.only || values.only.includes(a))
  .sort();

let failed = false;
for (const area of areas) {
  const mod = (await import(new URL(`${area}.bench.ts`, dir).href)) as BenchModule;
  let metrics: Metric[];
  try {
    metrics = await mod.run({ quick: values.quick });
  } catch (error) {
    failed = true;
    process.stderr.write(`bench ${area} failed: ${(error as Error).stack ?? String(error)}\n`);
    continue;
  }
  for (const m of metrics) {
    const value = Number.isInteger(m.value) ? m.value : Number(m.value.toPrecision(6));
    if (values.json) process.stdout.write(`${JSON.stringify({ ...m, value })}\n`);
    else process.stdout.write(`${m.metric.padEnd(44)} ${String(value).padStart(14)} ${m.unit}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
