/**
 * End-to-end latency from a short devnet run (free scheme): real chain,
 * 2 gateways + 9 mixes on loopback, 2 clients, 5 hops with Exp(μ) mixing
 * delays at the 3 mix hops, Loopix cover traffic. Latency = enqueue-sent →
 * pulled by the recipient (includes up to one 250 ms poll interval).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RATES } from "../src/client/loopix.js";
import { silentLogger } from "../src/log.js";
import { runDevnet } from "../src/sim/devnet.js";
import type { BenchOptions, Metric } from "./metric.js";

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "obol-bench-e2e-"));
  try {
    const report = await runDevnet({
      scheme: "free",
      durationS: quick ? 10 : 30,
      seed: "bench",
      dataDir,
      messagesPerS: 1,
      log: silentLogger(),
      signal: new AbortController().signal,
    });
    const note = `5 hops, 1/μ = ${DEFAULT_RATES.meanDelayMs} ms per mix hop (3 mix hops, gateways 0), λP ${DEFAULT_RATES.payloadPerS}/s, ${report.latency.count} messages, 250 ms inbox polling`;
    return [
      { metric: "e2e.latency.p50_ms", value: report.latency.p50, unit: "ms", note },
      { metric: "e2e.latency.p95_ms", value: report.latency.p95, unit: "ms", note },
      { metric: "e2e.latency.p99_ms", value: report.latency.p99, unit: "ms", note },
      {
        metric: "e2e.reply_latency.p95_ms",
        value: report.replyLatency.p95,
        unit: "ms",
        note: "SURB reply, same route shape",
      },
      {
        metric: "e2e.delivered_ratio",
        value: report.messages.sent === 0 ? 0 : report.messages.delivered / report.messages.sent,
        unit: "ratio",
      },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
