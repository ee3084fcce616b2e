/**
 * `obol devnet --processes`: the devnet with every relay and client in its
 * own OS process (network.ts). Clients exchange messages for `durationS`,
 * then everything is stopped with SIGTERM and the report lists messages sent
 * and delivered, latency, each relay's figures scraped from its metrics
 * endpoint, and every child that crashed (exit code, signal, log file).
 */
import { DEFAULT_RATES, sleep, type LoopixRates } from "../../client/loopix.js";
import { formatTable, scrapeRow, type RelayRow } from "../../cli/watch.js";
import type { Logger } from "../../log.js";
import type { PrepaidHops } from "../../schemes/devnet.js";
import type { SchemeName } from "../../schemes/scheme.js";
import { latencySummary } from "../metrics.js";
import { startProcessNetwork, type ProcessNetwork } from "./network.js";
import { describeExit, type ChildExit } from "./supervisor.js";

export type ProcessDevnetOptions = {
  scheme: SchemeName;
  durationS: number;
  seed: string;
  dataDir: string;
  rates?: LoopixRates;
  messagesPerS?: number;
  /** Seconds to wait after the last message for deliveries in flight. */
  drainS?: number;
  gateways?: number;
  mixesPerLayer?: number;
  clients?: number;
  /** Hops each participant prepays per relay, for a scheme that pays in advance (its default when absent). */
  prepaid?: PrepaidHops;
  log: Logger;
  signal: AbortSignal;
  onStep?: (step: string) => void;
  onCrash?: (exit: ChildExit) => void;
};

export type ProcessDevnetReport = {
  scheme: SchemeName;
  seed: string;
  durationS: number;
  messages: { sent: number; delivered: number };
  latency: { count: number; p50: number; p95: number; p99: number };
  relays: (RelayRow & { host: string; multiaddr: string; logFile: string })[];
  /** Children that exited unasked during the run. */
  crashes: ChildExit[];
  /** How every child ended at shutdown (0 = clean SIGTERM shutdown). */
  exits: ChildExit[];
  aborted: boolean;
};

/** Messages sent and received, matched by id across the client processes. */
export function deliveries(net: Pick<ProcessNetwork, "clients">): { sent: Map<string, number>; latencies: number[] } {
  const sent = new Map<string, number>();
  for (const c of net.clients)
    for (const l of c.child.lines) if (l.type === "sent") sent.set(String(l.id), Number(l.at));
  const latencies: number[] = [];
  const seen = new Set<string>();
  for (const c of net.clients)
    for (const l of c.child.lines) {
      const at = sent.get(String(l.id));
      if (l.type === "received" && at !== undefined && !seen.has(String(l.id))) {
        seen.add(String(l.id));
        latencies.push(Number(l.at) - at);
      }
    }
  return { sent, latencies };
}

/**
 * Runs the multi-process devnet; everything started is stopped before it returns or throws.
 *
 * @example
 * const report = await runProcessDevnet({ scheme: "free", durationS: 20, seed: "1", dataDir, log, signal });
 */
export async function runProcessDevnet(o: ProcessDevnetOptions): Promise<ProcessDevnetReport> {
  const rates = o.rates ?? DEFAULT_RATES;
  const net = await startProcessNetwork({
    scheme: o.scheme,
    dataDir: o.dataDir,
    rates,
    messagesPerS: o.messagesPerS ?? 0.5,
    seed: o.seed,
    log: o.log,
    signal: o.signal,
    ...(o.gateways === undefined ? {} : { gateways: o.gateways }),
    ...(o.mixesPerLayer === undefined ? {} : { mixesPerLayer: o.mixesPerLayer }),
    ...(o.clients === undefined ? {} : { clients: o.clients }),
    ...(o.prepaid === undefined ? {} : { prepaid: o.prepaid }),
    ...(o.onStep ? { onStep: o.onStep } : {}),
    ...(o.onCrash ? { onCrash: o.onCrash } : {}),
  });
  let exits: ChildExit[] = [];
  try {
    o.onStep?.(`exchanging messages for ${o.durationS} s (Ctrl-C stops early)`);
    await sleep(o.durationS * 1_000, o.signal).catch(() => {});
    for (const c of net.clients) c.child.send({ type: "stop-sending" });
    const drainUntil = Date.now() + (o.drainS ?? 10) * 1_000;
    while (!o.signal.aborted && Date.now() < drainUntil) {
      const { sent, latencies } = deliveries(net);
      if (latencies.length >= sent.size) break;
      await sleep(250, o.signal).catch(() => {});
    }
    const rows = await Promise.all(net.relays.map((r) => scrapeRow({ name: r.name, url: r.metricsUrl })));
    o.onStep?.("shutting down (SIGTERM to every process)");
    exits = await net.stop();
    const { sent, latencies } = deliveries(net);
    return {
      scheme: o.scheme,
      seed: o.seed,
      durationS: o.durationS,
      messages: { sent: sent.size, delivered: latencies.length },
      latency: latencySummary(latencies),
      relays: net.relays.map((r, i) => ({
        ...rows[i]!,
        host: r.host,
        multiaddr: r.multiaddr,
        logFile: r.child.spec.logFile,
      })),
      crashes: [...net.supervisor.crashes],
      exits,
      aborted: o.signal.aborted,
    };
  } finally {
    await net.stop();
  }
}

/** The plain-text summary `obol devnet --processes` prints. */
export function formatProcessDevnetReport(r: ProcessDevnetReport): string {
  const ms = (v: number) => (Number.isNaN(v) ? "–" : `${Math.round(v)} ms`);
  const lines = [
    `Obol devnet (one process per relay and client) — scheme ${r.scheme}, seed ${r.seed}, ${r.durationS} s${r.aborted ? " (stopped early)" : ""}`,
    `messages sent ${r.messages.sent}, delivered ${r.messages.delivered}; latency p50 ${ms(r.latency.p50)}, p95 ${ms(r.latency.p95)}, p99 ${ms(r.latency.p99)}`,
    "",
    formatTable(r.relays).trimEnd(),
    "",
    ...r.relays.map((x) => `${x.name.padEnd(10)} ${x.multiaddr}  log ${x.logFile}`),
    "",
    r.crashes.length === 0
      ? "no process crashed"
      : `crashed:\n${r.crashes.map((e) => `  ${describeExit(e)}`).join("\n")}`,
    ...r.exits.filter((e) => e.code !== 0).map((e) => `unclean shutdown: ${describeExit(e)}`),
  ];
  return `${lines.join("\n")}\n`;
}
