/**
 * Writes a comparison report to `<out>/<timestamp>/`: the SVG charts,
 * `report.json` (validated against its schema and rules before it is
 * written) and `report.md`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ReportInvalidError } from "../compare/errors.js";
import { renderCharts } from "./charts.js";
import { reportMarkdown } from "./markdown.js";
import type { CompareReport } from "./types.js";
import { validateReport } from "./validate.js";

/**
 * Renders the charts, validates and writes everything.
 *
 * @param report the comparison's result (its `charts` are filled in here).
 * @param parameters.out parent directory (default `reports`); a subdirectory named after `createdAt` is created.
 * @returns the directory written.
 * @throws ReportInvalidError when the report breaks its schema or a consistency rule (nothing is written then but the charts).
 * @example
 * const dir = await writeReport(report, { out: "reports" });
 */
export async function writeReport(report: CompareReport, { out = "reports" }: { out?: string } = {}): Promise<string> {
  const dir = join(out, report.createdAt.replace(/[:.]/g, "-"));
  mkdirSync(dir, { recursive: true });
  const charts = await renderCharts(report);
  for (const c of charts) writeFileSync(join(dir, c.file), c.svg);
  report.charts = charts.map(({ file, title, caption }) => ({ file, title, caption }));
  const json = JSON.stringify(report, null, 2);
  const problems = validateReport(JSON.parse(json));
  if (problems.length > 0) {
    writeFileSync(join(dir, "report.invalid.json"), json);
    throw new ReportInvalidError(problems, {
      details: `${problems.slice(0, 5).join("; ")} (written to ${join(dir, "report.invalid.json")})`,
    });
  }
  writeFileSync(join(dir, "report.json"), `${json}\n`);
  writeFileSync(join(dir, "report.md"), reportMarkdown(report));
  return dir;
}
