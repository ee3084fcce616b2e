/**
 * The end-to-end devnet runs: one short workload (8 s, 1 message per second
 * per client, silent logs) in a fresh temporary directory, which `check`
 * can still read (the relays' databases) before it is removed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../src/log.js";
import { runDevnet, type DevnetOptions, type DevnetReport } from "../../src/sim/devnet.js";

export async function withE2eDevnet(
  options: Pick<DevnetOptions, "scheme" | "seed"> & Partial<DevnetOptions>,
  check: (report: DevnetReport, dataDir: string) => void | Promise<void>,
): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `obol-e2e-${options.scheme}-`));
  try {
    const report = await runDevnet({
      durationS: 8,
      dataDir,
      messagesPerS: 1,
      log: silentLogger(),
      signal: new AbortController().signal,
      ...options,
    });
    await check(report, dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
