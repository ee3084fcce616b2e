/**
 * A real relay (launchRelay: libp2p node, sqlite, free scheme) serving
 * Prometheus metrics on an ephemeral port; the test scrapes the endpoint over
 * HTTP after real packets went through it and reads the figures back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DirectorySnapshot } from "../../src/chain/types.js";
import { silentLogger } from "../../src/log.js";
import { createObolNode, type ObolNode } from "../../src/net/node.js";
import { launchRelay, type LaunchedRelay } from "../../src/relay/launch.js";
import { scheme as free } from "../../src/schemes/free/scheme.js";
import { recordClaim } from "../../src/store/claims.js";
import { buildPacket, openClientLink, randomAddress, startRelays, waitFor } from "./harness.js";

let exit: Awaited<ReturnType<typeof startRelays>>;
let relay: LaunchedRelay;
let client: ObolNode;
const address = randomAddress();

beforeAll(async () => {
  exit = await startRelays([{ role: "gateway", layer: 4 }]);
  const snapshot: DirectorySnapshot = { epoch: 1n, entries: [...exit.snapshot.entries] };
  relay = await launchRelay({
    dataDir: mkdtempSync(join(tmpdir(), "obol-metrics-")),
    role: "mix",
    address,
    scheme: free,
    log: silentLogger(),
    listen: ["/ip4/127.0.0.1/tcp/0"],
    sources: () => ({ directory: () => snapshot, epoch: () => 1n }),
    metrics: { host: "127.0.0.1", port: 0 },
  });
  snapshot.entries.push({
    relay: address,
    role: "mix",
    mixKey: relay.mixPublicKey,
    blsKey: new Uint8Array(0),
    multiaddr: relay.multiaddrs[0]!,
    stake: 1n,
    layer: 1,
  });
  exit.snapshot.entries.push(snapshot.entries.at(-1)!);
  client = await createObolNode({ listen: [] });
});
afterAll(async () => {
  await client?.stop();
  await relay?.stop();
  await exit?.stop();
});

/** Parses Prometheus text format into `name{labels} → value`. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(): Promise<{ text: string; series: Map<string, number> }> {
  const res = await fetch(relay.metricsUrl!, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  const text = await res.text();
  return { text, series: parse(text) };
}

const series = (name: string, labels = "") => `${name}{${labels}${labels ? "," : ""}relay="${address}",role="mix"}`;

describe("relay metrics endpoint", () => {
  it("reports packets in and out, drops by reason, peel times, links and the last claim's gas", async () => {
    const [gateway] = exit.relays;
    const route = [exit.snapshot.entries.find((e) => e.relay === address)!, gateway!.entry];
    const packet = buildPacket(route, { action: "drop", delayMs: 0, slot: new Uint8Array(0) });
    const link = await openClientLink(client, relay.multiaddrs[0]!);
    link.send(packet);
    await waitFor(() => gateway!.relay.stats.dropHops === 1, 20_000);
    link.send(packet); // the same packet again: a replay
    await waitFor(() => relay.relay.stats.dropped.replay === 1, 20_000);
    recordClaim(relay.db, { scheme: "free", paid: 0n, gasUsed: 123_456n, transactions: ["0x01"] });

    const { text, series: s } = await scrape();
    expect(s.get(series("obol_relay_packets_in_total"))).toBe(2);
    expect(s.get(series("obol_relay_packets_accepted_total"))).toBe(1);
    expect(s.get(series("obol_relay_packets_out_total"))).toBe(1);
    expect(s.get(series("obol_relay_drops_total", 'reason="replay"'))).toBe(1);
    expect(s.get(series("obol_relay_queue_depth"))).toBe(0);
    expect(s.get(series("obol_relay_links"))).toBeGreaterThanOrEqual(2); // the client and the exit gateway
    // Both packets ran through the pipeline (the replay was rejected inside it).
    expect(s.get(series("obol_relay_peel_seconds_count"))).toBe(2);
    expect(s.get(series("obol_relay_peel_seconds_bucket", 'le="+Inf"'))).toBe(2);
    expect(s.get(series("obol_relay_credit", 'scheme="free",state="earned",unit="wei"'))).toBe(0);
    expect(s.get(series("obol_relay_last_claim_gas"))).toBe(123_456);
    expect(s.get(series("process_resident_memory_bytes"))).toBeGreaterThan(0);
    expect(text).toContain("# TYPE obol_relay_peel_seconds histogram");
    link.stream.abort(new Error("done"));
  });

  it("answers 404 off /metrics and refuses a port that is taken", async () => {
    const other = new URL(relay.metricsUrl!);
    expect((await fetch(new URL("/nope", other), { signal: AbortSignal.timeout(10_000) })).status).toBe(404);
    const { RelayMetrics, MetricsServerError } = await import("../../src/relay/metrics.js");
    const second = new RelayMetrics({ relay: address, role: "mix" });
    await expect(second.serve({ host: "127.0.0.1", port: Number(other.port) })).rejects.toBeInstanceOf(
      MetricsServerError,
    );
  });
});

describe("obol status --watch", () => {
  it("draws a live table from the relay's endpoint and marks a dead endpoint as down", async () => {
    const { PassThrough } = await import("node:stream");
    const { command } = await import("../../src/cli/commands/status.js");
    const out = new PassThrough();
    let text = "";
    out.on("data", (chunk) => (text += String(chunk)));
    const dead = "http://127.0.0.1:1/metrics"; // port 1: nothing listens, connection refused
    const code = await command.run(
      ["--watch", "--metrics", relay.metricsUrl!, "--metrics", dead, "--count", "2", "--interval", "0.05"],
      {
        out,
        log: silentLogger(),
        signal: new AbortController().signal,
      },
    );
    expect(code).toBe(0);
    const tables = text.split(/^\S+Z {2}/m).filter(Boolean);
    expect(tables).toHaveLength(2);
    expect(tables[1]).toMatch(/^1\/2 relays up/);
    const row = tables[1]!.split("\n").find((l) => l.startsWith("relay-0"))!;
    // relay  role  in  out  in/s  drops  queue  links …
    const cells = row.trim().split(/\s+/);
    expect(cells.slice(1, 4)).toEqual(["mix", String(relay.relay.stats.received), String(relay.relay.stats.forwarded)]);
    expect(tables[1]).toMatch(/relay-1\s+-\s+down: /);
  });
});
