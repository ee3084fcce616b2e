/**
 * `obol status --watch`: a live table of every relay's figures, read from the
 * relays' Prometheus endpoints (`obol relay --metrics-port`, metrics.ts).
 * Targets are URLs given with `--metrics`, or the `metrics-targets.json` file
 * that `obol devnet --processes` writes into its state directory.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ObolError } from "../errors.js";

/** File in a devnet's state directory listing `{ name, url }` of every relay's metrics endpoint. */
export const METRICS_TARGETS_FILE = "metrics-targets.json";

export type MetricsTarget = { name: string; url: string };

/** One relay's figures at one scrape; `error` when the endpoint did not answer. */
export type RelayRow = {
  name: string;
  relay?: string;
  role?: string;
  packetsIn: number;
  packetsOut: number;
  drops: number;
  queue: number;
  links: number;
  peelMeanMs: number;
  pendingCredit: number;
  lastClaimGas: number;
  rssMiB: number;
  error?: string;
};

export class MetricsTargetsError extends ObolError {
  constructor(details: string) {
    super("no relay metrics endpoints to watch", {
      details,
      hint: "pass --metrics http://host:port/metrics (repeatable), or --data-dir of an `obol devnet --processes --keep` run",
    });
  }
}

/**
 * The endpoints to watch: explicit URLs, else the devnet's targets file.
 *
 * @throws MetricsTargetsError when there are none
 */
export function resolveTargets(urls: readonly string[] | undefined, dataDir: string): MetricsTarget[] {
  if (urls && urls.length > 0) return urls.map((url, i) => ({ name: `relay-${i}`, url }));
  const file = join(dataDir, METRICS_TARGETS_FILE);
  if (!existsSync(file)) throw new MetricsTargetsError(`no --metrics given and ${file} does not exist`);
  const targets = JSON.parse(readFileSync(file, "utf8")) as MetricsTarget[];
  if (!Array.isArray(targets) || targets.length === 0) throw new MetricsTargetsError(`${file} lists no endpoints`);
  return targets;
}

/** Parses Prometheus text exposition format into samples (name, labels, value). */
export function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Scrapes one endpoint into a table row (never throws: a dead relay is a row with `error`). */
export async function scrapeRow(target: MetricsTarget, timeoutMs = 5_000): Promise<RelayRow> {
  const empty = {
    name: target.name,
    packetsIn: 0,
    packetsOut: 0,
    drops: 0,
    queue: 0,
    links: 0,
    peelMeanMs: 0,
    pendingCredit: 0,
    lastClaimGas: 0,
    rssMiB: 0,
  };
  let text: string;
  try {
    const res = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { ...empty, error: `HTTP ${res.status}` };
    text = await res.text();
  } catch (error) {
    return { ...empty, error: ((error as Error).cause as Error)?.message ?? (error as Error).message };
  }
  const samples = parseMetrics(text);
  const sum = (name: string, where: (l: Record<string, string>) => boolean = () => true) =>
    samples.filter((s) => s.name === name && where(s.labels)).reduce((t, s) => t + s.value, 0);
  const any = samples.find((s) => s.labels.relay);
  const peelCount = sum("obol_relay_peel_seconds_count");
  return {
    name: target.name,
    ...(any ? { relay: any.labels.relay, role: any.labels.role } : {}),
    packetsIn: sum("obol_relay_packets_in_total"),
    packetsOut: sum("obol_relay_packets_out_total"),
    drops: sum("obol_relay_drops_total"),
    queue: sum("obol_relay_queue_depth"),
    links: sum("obol_relay_links"),
    peelMeanMs: peelCount > 0 ? (sum("obol_relay_peel_seconds_sum") / peelCount) * 1_000 : 0,
    pendingCredit: sum("obol_relay_credit", (l) => l.state === "pending"),
    lastClaimGas: sum("obol_relay_last_claim_gas"),
    rssMiB: sum("process_resident_memory_bytes") / 2 ** 20,
  };
}

/** Renders rows as a fixed-width table; `rates` adds packets/s since the previous scrape. */
export function formatTable(
  rows: readonly RelayRow[],
  previous?: { rows: readonly RelayRow[]; seconds: number },
): string {
  const head = [
    "relay",
    "role",
    "in",
    "out",
    "in/s",
    "drops",
    "queue",
    "links",
    "peel ms",
    "pending",
    "claim gas",
    "RSS MiB",
  ];
  const lines = rows.map((r) => {
    if (r.error) return [r.name, "-", `down: ${r.error}`];
    const before = previous?.rows.find((p) => p.name === r.name && !p.error);
    const rate =
      before && previous!.seconds > 0 ? ((r.packetsIn - before.packetsIn) / previous!.seconds).toFixed(1) : "-";
    return [
      r.name,
      r.role ?? "?",
      String(r.packetsIn),
      String(r.packetsOut),
      rate,
      String(r.drops),
      String(r.queue),
      String(r.links),
      r.peelMeanMs.toFixed(2),
      String(r.pendingCredit),
      String(r.lastClaimGas),
      r.rssMiB.toFixed(0),
    ];
  });
  const widths = head.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (l.length === head.length ? l[i]!.length : 0))),
  );
  const fmt = (cells: string[]) =>
    cells.length === head.length
      ? cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
      : cells.join("  ");
  return `${[fmt(head), ...lines.map(fmt)].join("\n")}\n`;
}

/**
 * Scrapes every target each `intervalMs` and redraws the table until `signal`
 * aborts or `iterations` tables were drawn.
 *
 * @example
 * await watchRelays({ targets, intervalMs: 2_000, out: process.stdout, signal });
 */
export async function watchRelays(p: {
  targets: readonly MetricsTarget[];
  intervalMs: number;
  out: NodeJS.WritableStream;
  signal: AbortSignal;
  iterations?: number;
  /** Clear the screen before each table (a TTY). */
  clear?: boolean;
}): Promise<RelayRow[]> {
  let previous: { rows: RelayRow[]; at: number } | undefined;
  for (let i = 0; !p.signal.aborted && (p.iterations === undefined || i < p.iterations); i++) {
    const rows = await Promise.all(p.targets.map((t) => scrapeRow(t)));
    const at = performance.now();
    const table = formatTable(rows, previous && { rows: previous.rows, seconds: (at - previous.at) / 1_000 });
    p.out.write(
      `${p.clear ? "\x1b[H\x1b[2J" : ""}${new Date().toISOString()}  ${rows.filter((r) => !r.error).length}/${rows.length} relays up\n${table}`,
    );
    previous = { rows, at };
    if (p.iterations !== undefined && i + 1 >= p.iterations) return rows;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, p.intervalMs);
      p.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
  return previous?.rows ?? [];
}
