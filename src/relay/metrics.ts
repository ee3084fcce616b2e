/**
 * Prometheus metrics of one relay (docs/operations.md §Monitor), served as
 * text exposition format on `GET /metrics` by a small HTTP server. Every
 * figure is read from the relay when Prometheus scrapes (counters from
 * `relay.stats`, queue depth, open connections, credit from the database), so
 * the packet path pays nothing but one histogram observation per packet.
 * One registry per relay: several relays in one process never share series.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DatabaseSync } from "node:sqlite";
import type { Libp2p } from "@libp2p/interface";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { ObolError } from "../errors.js";
import type { SchemeName } from "../schemes/scheme.js";
import { lastClaim } from "../store/claims.js";
import { readCredit } from "./credit.js";
import type { RelayStats } from "./drops.js";

/** Peel-time buckets (seconds): 50 µs … 1 s; the pipeline includes the group commit's fsync. */
export const PEEL_BUCKETS = [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1];

/** What the metrics read; a `Relay` and its libp2p node and database satisfy it. */
export type MetricsSource = {
  stats: RelayStats;
  /** Packets in the mixing queue. */
  queued: () => number;
  libp2p: Pick<Libp2p, "getConnections">;
  db: DatabaseSync;
  scheme: SchemeName;
};

export class MetricsServerError extends ObolError {
  constructor(host: string, port: number, cause: unknown) {
    super(`metrics server could not listen on ${host}:${port}`, {
      details: (cause as Error)?.message,
      hint: "pick a free --metrics-port (0 = any) or another --metrics-host",
      cause,
    });
  }
}

/**
 * A relay's metric registry. Create it before the relay so `observePeel` can be
 * passed as the relay's `onProcessed` hook, then `attach` the relay.
 *
 * @example
 * const metrics = new RelayMetrics({ relay: address, role: "mix" });
 * const relay = createRelay(components, { ...init, onProcessed: metrics.observePeel });
 * metrics.attach({ stats: relay.stats, queued: () => relay.queued, libp2p, db, scheme: "free" });
 * const server = await metrics.serve({ host: "127.0.0.1", port: 9464 });
 */
export class RelayMetrics {
  readonly registry = new Registry();
  readonly #peel: Histogram;
  #source: MetricsSource | null = null;

  constructor(labels: { relay: string; role: string }) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry }); // process RSS, CPU, event-loop lag: what the soak watches
    const source = () => this.#source;
    this.#peel = new Histogram({
      name: "obol_relay_peel_seconds",
      help: "Time from a packet frame to its verdict: replay check, Sphinx peel, payment check and durable commit",
      buckets: PEEL_BUCKETS,
      registers: [this.registry],
    });
    const counter = (name: string, help: string, read: (s: RelayStats) => number) =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const s = source();
          if (!s) return;
          this.reset(); // the relay's stats are the truth; the counter mirrors them
          this.inc(read(s.stats));
        },
      });
    counter("obol_relay_packets_in_total", "Packet frames received", (s) => s.received);
    counter(
      "obol_relay_packets_accepted_total",
      "Packets replay-checked, peeled, paid and committed",
      (s) => s.accepted,
    );
    counter("obol_relay_packets_out_total", "Packets forwarded to the next hop", (s) => s.forwarded);
    counter("obol_relay_delivered_total", "Bodies stored in this gateway's inboxes", (s) => s.delivered);
    counter("obol_relay_loops_sent_total", "Own cover loops sent", (s) => s.loopsSent);
    counter("obol_relay_loops_returned_total", "Own cover loops that came back", (s) => s.loopsReturned);
    counter("obol_relay_receipts_sent_total", "Receipts sent to previous hops", (s) => s.receiptsSent);
    counter("obol_relay_receipts_received_total", "Receipts received from next hops", (s) => s.receiptsReceived);
    new Counter({
      name: "obol_relay_drops_total",
      help: "Inputs dropped, by reason (docs/relay.md §Drop reasons)",
      labelNames: ["reason"],
      registers: [this.registry],
      collect() {
        const s = source();
        if (!s) return;
        this.reset();
        for (const [reason, n] of Object.entries(s.stats.dropped)) this.inc({ reason }, n ?? 0);
      },
    });
    new Gauge({
      name: "obol_relay_queue_depth",
      help: "Packets waiting in the Poisson mixing queue",
      registers: [this.registry],
      collect() {
        const s = source();
        if (s) this.set(s.queued());
      },
    });
    new Gauge({
      name: "obol_relay_links",
      help: "Open libp2p connections (links to other relays and clients)",
      registers: [this.registry],
      collect() {
        const s = source();
        if (s) this.set(s.libp2p.getConnections().length);
      },
    });
    new Gauge({
      name: "obol_relay_credit",
      help: "Credit under the relay's scheme by state (earned, claimed, pending); unit wei of OBOL or blind tokens",
      labelNames: ["scheme", "state", "unit"],
      registers: [this.registry],
      collect() {
        const s = source();
        if (!s) return;
        const c = readCredit(s.db, s.scheme);
        for (const state of ["earned", "claimed", "pending"] as const)
          this.set({ scheme: s.scheme, state, unit: c.unit }, Number(c[state]));
      },
    });
    new Gauge({
      name: "obol_relay_last_claim_gas",
      help: "Gas used by the relay's last claim (0 before the first)",
      registers: [this.registry],
      collect() {
        const s = source();
        if (s) this.set(Number(lastClaim(s.db)?.gasUsed ?? 0n));
      },
    });
    new Gauge({
      name: "obol_relay_last_claim_timestamp_seconds",
      help: "Wall-clock time of the relay's last claim (0 before the first)",
      registers: [this.registry],
      collect() {
        const s = source();
        if (s) this.set((lastClaim(s.db)?.atMs ?? 0) / 1_000);
      },
    });
  }

  /** The relay's `onProcessed` hook: one peel-time observation, in milliseconds. */
  readonly observePeel = (ms: number): void => this.#peel.observe(ms / 1_000);

  /** Names the relay whose figures are exported; until then only process metrics are. */
  attach(source: MetricsSource): void {
    this.#source = source;
  }

  /**
   * Serves `GET /metrics` (and `GET /` with the same text).
   *
   * @param listen host and port; port 0 picks a free one
   * @returns the URL of the endpoint and a `close` function
   * @throws MetricsServerError when the port cannot be bound
   */
  async serve({
    host = "127.0.0.1",
    port,
  }: {
    host?: string;
    port: number;
  }): Promise<{ url: string; close: () => Promise<void> }> {
    const server: Server = createServer((req, res) => {
      if (req.method !== "GET" || !(req.url === "/metrics" || req.url === "/")) {
        res.writeHead(404).end("not found; metrics are at /metrics\n");
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text),
        (error: Error) => res.writeHead(500).end(`metrics failed: ${error.message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) => reject(new MetricsServerError(host, port, error)));
      server.listen(port, host, () => resolve());
    });
    const bound = server.address() as AddressInfo;
    const shownHost = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
    return {
      url: `http://${shownHost}:${bound.port}/metrics`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
}
