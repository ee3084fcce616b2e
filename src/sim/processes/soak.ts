/**
 * `npm run soak -- --minutes 10` (docs/operations.md §Soak): the process
 * devnet (11 relay processes, 20 client processes, free scheme by default)
 * under a seeded fault schedule, then the figures an operator cares about:
 *
 * - every `killEveryS` a random relay gets SIGKILL and is restarted at once on
 *   the same data dir, host and port (its mixing-queue depth just before the
 *   kill is what it lost);
 * - at 35 % of the run a gateway is restarted (SIGTERM, drained, started again);
 * - at 50 % the chain's JSON-RPC is taken away for 30 s (a proxy the children
 *   use resets every connection; the chain itself keeps its state);
 * - at 70 % the TCP links between two mixes are cut for 30 s (`ss -K` every
 *   500 ms, so every redial is cut again; needs root, else reported as skipped).
 *
 * After the run relays are stopped and every relay claims twice: the second
 * claim must pay nothing (`soak.double_claims`), and what was earned must be
 * claimed or still pending (`soak.credit_lost`).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_RATES, sleep, type LoopixRates } from "../../client/loopix.js";
import { DEV_ACCOUNT_COUNT } from "../../chain/node.js";
import { scrapeRow } from "../../cli/watch.js";
import { ObolError } from "../../errors.js";
import type { Logger } from "../../log.js";
import { readCredit } from "../../relay/credit.js";
import type { SchemeName } from "../../schemes/scheme.js";
import { openDatabase } from "../../store/db.js";
import { seededRandom } from "../random.js";
import { deliveries } from "./devnet.js";
import { startProcessNetwork, type ProcessNetwork, type RelayProcess } from "./network.js";
import { startRpcProxy, type RpcProxy } from "./rpc-proxy.js";
import { paidOnChain } from "./soak-chain.js";
import { describeExit, Supervisor, type ChildExit } from "./supervisor.js";

const run = promisify(execFile);

export type SoakOptions = {
  minutes: number;
  seed: string;
  dataDir: string;
  scheme?: SchemeName;
  clients?: number;
  /** Network shape (default 2 gateways, 3 mixes per layer: 11 relays). */
  gateways?: number;
  mixesPerLayer?: number;
  killEveryS?: number;
  /** Seconds of the run before RSS slopes are measured. */
  warmupS?: number;
  rates?: LoopixRates;
  messagesPerS?: number;
  log: Logger;
  signal: AbortSignal;
  onEvent?: (text: string) => void;
};

export type SoakFigure = { metric: string; value: number; unit: string; note?: string };

export type SoakReport = {
  figures: SoakFigure[];
  events: string[];
  kills: { name: string; atS: number; queued: number }[];
  crashes: ChildExit[];
  /** Per process instance: RSS slope after warm-up, its 95 % interval, and (relays) the V8 heap's slope. */
  rss: {
    name: string;
    kind: "relay" | "client";
    pid: number;
    slopeMiBPerMin: number;
    ci95: number;
    heapSlopeMiBPerMin: number;
    samples: number;
  }[];
};

/** Least-squares slope of (t minutes, y MiB). */
export function slope(points: readonly { t: number; y: number }[]): number {
  return leastSquares(points).slope;
}

/**
 * Least-squares line through (t, y) with the half-width of the slope's 95 %
 * interval (±1.96 standard errors; residuals of RSS samples 10 s apart are
 * not independent, so read it as a lower bound on the uncertainty).
 */
export function leastSquares(points: readonly { t: number; y: number }[]): { slope: number; ci95: number } {
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  if (den === 0 || n < 3) return { slope: 0, ci95: Number.POSITIVE_INFINITY };
  const b = num / den;
  const residual = points.reduce((s, p) => s + (p.y - my - b * (p.t - mt)) ** 2, 0);
  return { slope: b, ci95: 1.96 * Math.sqrt(residual / (n - 2) / den) };
}

/** `nodejs_heap_size_used_bytes` from a relay's metrics, in MiB (null when unreachable). */
async function heapUsedMiB(metricsUrl: string): Promise<number | null> {
  try {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(2_000) })).text();
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(text);
    return m ? Number(m[1]) / 2 ** 20 : null;
  } catch {
    return null;
  }
}

function sum(values: Iterable<bigint>): bigint {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null; // exited, or not Linux
  }
}

/**
 * Runs the soak and returns its figures; everything is stopped before it returns.
 *
 * @example
 * const report = await runSoak({ minutes: 10, seed: "1", dataDir, log, signal });
 */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const scheme = o.scheme ?? "free";
  checkFundedAccounts(o, scheme);
  const events: string[] = [];
  const note = (text: string) => {
    events.push(text);
    o.onEvent?.(text);
  };
  const durationMs = o.minutes * 60_000;
  const warmupMs = (o.warmupS ?? Math.min(120, o.minutes * 15)) * 1_000;
  let proxy: RpcProxy | null = null;
  const net: ProcessNetwork = await startProcessNetwork({
    scheme,
    dataDir: o.dataDir,
    gateways: o.gateways ?? 2,
    mixesPerLayer: o.mixesPerLayer ?? 3,
    clients: o.clients ?? 20,
    rates: o.rates ?? { ...DEFAULT_RATES, payloadPerS: 1, loopPerS: 0.3, dropPerS: 0.3 },
    messagesPerS: o.messagesPerS ?? 0.2,
    seed: o.seed,
    log: o.log,
    signal: o.signal,
    onStep: (s) => note(`setup: ${s}`),
    childRpcUrl: async (url) => {
      proxy = await startRpcProxy(url);
      return proxy.url;
    },
    onCrash: (e) => note(`crash: ${describeExit(e)}`),
  });
  try {
    const sampler = sampleMemory(net);
    const run = await runFaults({ o, net, scheme, proxy: proxy!, note, durationMs });
    sampler.stop();
    await drainDeliveries(net, o.signal);
    const { sent, latencies } = deliveries(net);
    const crashes = [...net.supervisor.crashes];
    note("stopping clients, then relays (SIGTERM)");
    const exits = [
      ...(await net.supervisor.stopAll(net.clients.map((c) => c.child))),
      ...(await net.supervisor.stopAll()),
    ];
    const unclean = exits.filter((e) => e.code !== 0);
    for (const e of unclean) note(`unclean shutdown: ${describeExit(e)}`);
    note("every relay claims twice (the chain is still up)");
    const claims = await claimTwice(net, scheme, note);
    // The chain's account, not the relays': what each relay was paid, from redemption events.
    const chainPaid = await paidOnChain(net.deployer, scheme);
    const credit = auditCredit(net, scheme, run, chainPaid, note);
    const rss = fitSlopes(sampler.samples, warmupMs);
    return {
      figures: [
        ...deliveryFigures({ sent: sent.size, delivered: latencies.length, kills: run.kills }),
        ...creditFigures({ scheme, credit, claims, chainPaid, relays: net.relays.length }),
        ...memoryFigures(rss, warmupMs),
        {
          metric: "soak.crashes",
          value: crashes.length,
          unit: "processes",
          note: "exits nobody asked for (the SIGKILLs are asked for)",
        },
        { metric: "soak.unclean_shutdowns", value: unclean.length, unit: "processes" },
      ],
      events,
      kills: run.kills,
      crashes,
      rss,
    };
  } finally {
    await net.stop();
    await (proxy as RpcProxy | null)?.close();
  }
}

/** Paid schemes need a funded dev account per relay and client (the deployer takes one). */
function checkFundedAccounts(o: SoakOptions, scheme: SchemeName): void {
  const relays = (o.gateways ?? 2) + 3 * (o.mixesPerLayer ?? 3);
  if (scheme !== "free" && relays + (o.clients ?? 20) > DEV_ACCOUNT_COUNT - 1)
    throw new ObolError(
      `a ${scheme} soak needs a funded dev account for each of its ${relays} relays and ${o.clients ?? 20} clients`,
      {
        details: `Hardhat funds ${DEV_ACCOUNT_COUNT} accounts and the deployer takes one`,
        hint: `pass --clients ${DEV_ACCOUNT_COUNT - 1 - relays} or fewer`,
      },
    );
}

type Series = { t: number; y: number }[];
type MemorySamples = Map<number, { name: string; kind: "relay" | "client"; points: Series; heap: Series }>;

/** Every 10 s each running child's RSS and V8 heap-used, per process instance (pid), until `stop()`. */
function sampleMemory(net: ProcessNetwork): { samples: MemorySamples; stop: () => void } {
  const samples: MemorySamples = new Map();
  const start = Date.now();
  const sampler = setInterval(() => {
    const t = (Date.now() - start) / 60_000;
    for (const c of net.supervisor.children) {
      const pid = c.child.pid;
      if (!pid || !c.running) continue;
      const y = rssMiB(pid);
      if (y === null) continue;
      const s = samples.get(pid) ?? {
        name: c.name,
        kind: net.relays.some((r) => r.child === c) ? ("relay" as const) : ("client" as const),
        points: [],
        heap: [],
      };
      s.points.push({ t, y });
      samples.set(pid, s);
      // The JS heap too: RSS growing while the heap does not is the allocator or warm-up, not a leak in our maps.
      // Relays serve it as a metric; clients report process.memoryUsage() over IPC every 10 s (client-main.ts).
      const relay = net.relays.find((r) => r.child === c);
      if (relay)
        void heapUsedMiB(relay.metricsUrl).then((h) => {
          if (h !== null) s.heap.push({ t, y: h });
        });
      else {
        const m = c.lines.findLast((l) => l.type === "memory");
        if (m) s.heap.push({ t, y: Number(m.heapUsed) / 2 ** 20 });
      }
    }
  }, 10_000);
  return { samples, stop: () => clearInterval(sampler) };
}

type FaultRun = { kills: SoakReport["kills"]; creditDrops: bigint; earnedSeen: Map<string, bigint> };

/**
 * The seeded fault schedule for `durationMs`: a SIGKILL and restart every `killEveryS`, and once each the gateway
 * restart, the RPC outage and the link cut; every second each relay's earned credit is read (it must never go back).
 */
async function runFaults({
  o,
  net,
  scheme,
  proxy,
  note,
  durationMs,
}: {
  o: SoakOptions;
  net: ProcessNetwork;
  scheme: SchemeName;
  proxy: RpcProxy;
  note: (t: string) => void;
  durationMs: number;
}): Promise<FaultRun> {
  const random = seededRandom(`soak/${o.seed}`);
  const killEveryMs = (o.killEveryS ?? 60) * 1_000;
  const run: FaultRun = { kills: [], creditDrops: 0n, earnedSeen: new Map() };
  const start = Date.now();
  const elapsedS = () => Math.round((Date.now() - start) / 1_000);
  const faults = [
    { at: 0.35, name: "gateway restart", run: () => restartGateway(net, random, note, elapsedS) },
    { at: 0.5, name: "RPC outage", run: () => rpcOutage(proxy, note, elapsedS, o.signal) },
    { at: 0.7, name: "link cut", run: () => cutLinks(net, random, note, elapsedS, o.signal) },
  ].map((f) => ({ ...f, atMs: f.at * durationMs, done: false }));
  let nextKill = killEveryMs;
  const background: Promise<void>[] = [];
  while (!o.signal.aborted && Date.now() - start < durationMs) {
    const now = Date.now() - start;
    if (now >= nextKill) {
      nextKill += killEveryMs;
      const victim = net.relays[Math.floor(random() * net.relays.length)]!;
      const before = await scrapeRow({ name: victim.name, url: victim.metricsUrl }, 2_000);
      victim.child.kill("SIGKILL");
      await victim.child.exited;
      run.kills.push({ name: victim.name, atS: elapsedS(), queued: before.error ? 0 : before.queue });
      note(`${elapsedS()} s: SIGKILL ${victim.name} (${before.queue} packets queued), restarting`);
      const earnedBefore = await earned(victim, scheme);
      await restartWithRetries(net, victim, note);
      const earnedAfter = await earned(victim, scheme);
      if (earnedAfter < earnedBefore) run.creditDrops += earnedBefore - earnedAfter;
      note(`${elapsedS()} s: ${victim.name} back`);
    }
    for (const f of faults)
      if (!f.done && now >= f.atMs) {
        f.done = true;
        background.push(f.run().catch((error) => note(`${f.name} failed: ${(error as Error).message}`)));
      }
    for (const r of net.relays) {
      const e = await earned(r, scheme).catch(() => null);
      if (e !== null) run.earnedSeen.set(r.name, e);
    }
    await sleep(1_000, o.signal).catch(() => {});
  }
  await Promise.allSettled(background);
  return run;
}

/** Clients stop sending; waits up to 20 s for the messages in flight to arrive. */
async function drainDeliveries(net: ProcessNetwork, signal: AbortSignal): Promise<void> {
  for (const c of net.clients) c.child.send({ type: "stop-sending" });
  const drainUntil = Date.now() + 20_000;
  while (!signal.aborted && Date.now() < drainUntil) {
    const { sent, latencies } = deliveries(net);
    if (latencies.length >= sent.size) break;
    await sleep(500, signal).catch(() => {});
  }
}

type CreditAudit = {
  lost: bigint;
  earned: bigint;
  claimed: bigint;
  chainMismatch: bigint;
  unit: string;
};

/** Each relay's database against what was seen during the run and what the chain paid it. */
function auditCredit(
  net: ProcessNetwork,
  scheme: SchemeName,
  run: FaultRun,
  chainPaid: Awaited<ReturnType<typeof paidOnChain>>,
  note: (t: string) => void,
): CreditAudit {
  const audit: CreditAudit = { lost: run.creditDrops, earned: 0n, claimed: 0n, chainMismatch: 0n, unit: "wei" };
  for (const r of net.relays) {
    const db = openDatabase(join(r.dataDir, "relay.sqlite"));
    try {
      const c = readCredit(db, scheme);
      audit.unit = c.unit;
      const seen = run.earnedSeen.get(r.name) ?? 0n;
      audit.earned += c.earned;
      audit.claimed += c.claimed;
      if (c.earned < seen) audit.lost += seen - c.earned; // earned went backwards (credit voided): credit lost
      if (c.earned > c.claimed + c.pending) audit.lost += c.earned - c.claimed - c.pending;
      if (c.pending > 0n) note(`${r.name}: ${c.pending} still pending after two claims`);
      const paid = chainPaid.paid.get(r.chain.account.toLowerCase()) ?? 0n;
      if (paid !== c.claimed) {
        audit.chainMismatch += paid > c.claimed ? paid - c.claimed : c.claimed - paid;
        note(`${r.name}: the chain paid ${paid}, its database says ${c.claimed} claimed`);
      }
    } finally {
      db.close();
    }
  }
  return audit;
}

/** Per process instance, the least-squares RSS and heap slopes after its own warm-up. */
function fitSlopes(samples: MemorySamples, warmupMs: number): SoakReport["rss"] {
  return [...samples.entries()].map(([pid, s]) => {
    // Warm-up counts from each process's own first sample: a restarted relay warms up again.
    const warm = (p: { t: number }) => (p.t - s.points[0]!.t) * 60_000 >= warmupMs;
    const points = s.points.filter(warm);
    const heap = s.heap.filter(warm);
    const line = points.length >= 5 ? leastSquares(points) : { slope: Number.NaN, ci95: Number.NaN };
    return {
      name: s.name,
      kind: s.kind,
      pid,
      slopeMiBPerMin: line.slope,
      ci95: line.ci95,
      heapSlopeMiBPerMin: heap.length >= 5 ? slope(heap) : Number.NaN,
      samples: points.length,
    };
  });
}

function deliveryFigures(d: { sent: number; delivered: number; kills: SoakReport["kills"] }): SoakFigure[] {
  const lost = d.kills.reduce((s, k) => s + k.queued, 0);
  return [
    {
      metric: "soak.delivered_ratio",
      value: d.sent === 0 ? 0 : d.delivered / d.sent,
      unit: "ratio",
      note: `${d.delivered}/${d.sent} messages; packets in killed relays' queues are not attributable to messages and are counted in soak.lost_in_queue_per_kill`,
    },
    {
      metric: "soak.lost_in_queue_per_kill",
      value: d.kills.length === 0 ? 0 : lost / d.kills.length,
      unit: "packets",
      note: `${lost} packets over ${d.kills.length} kills`,
    },
  ];
}

function creditFigures({
  scheme,
  credit,
  claims,
  chainPaid,
  relays,
}: {
  scheme: SchemeName;
  credit: CreditAudit;
  claims: Awaited<ReturnType<typeof claimTwice>>;
  chainPaid: Awaited<ReturnType<typeof paidOnChain>>;
  relays: number;
}): SoakFigure[] {
  const unit = credit.unit;
  return [
    { metric: "soak.credit_lost", value: Number(credit.lost), unit, note: `scheme ${scheme}` },
    {
      metric: "soak.double_claims",
      value: claims.double + chainPaid.doublePaid,
      unit: "claims",
      note: `${claims.ran} of ${relays} relays claimed twice; first claims paid ${claims.paid}; ${chainPaid.doublePaid} payments made twice on chain`,
    },
    {
      metric: "soak.credit_earned",
      value: Number(credit.earned),
      unit,
      note: `over ${relays} relays, from their databases`,
    },
    {
      metric: "soak.credit_claimed_on_chain",
      value: Number(sum(chainPaid.paid.values())),
      unit,
      note: `${chainPaid.events} redemption events; the databases say ${credit.claimed}`,
    },
    {
      metric: "soak.chain_claim_mismatch",
      value: Number(credit.chainMismatch),
      unit,
      note: "sum over relays of |paid on chain − claimed in the relay's database| (must be 0)",
    },
  ];
}

const finite = (values: number[]) => values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
const quantile = (v: number[], q: number) =>
  v.length === 0 ? Number.NaN : v[Math.min(v.length - 1, Math.floor(q * v.length))]!;

function memoryFigures(rss: SoakReport["rss"], warmupMs: number): SoakFigure[] {
  const slopes = finite(rss.map((r) => r.slopeMiBPerMin));
  const heapSlopes = finite(rss.map((r) => r.heapSlopeMiBPerMin));
  const perKind = (["relay", "client"] as const).flatMap((kind) => {
    const of = rss.filter((r) => r.kind === kind);
    const k = finite(of.map((r) => r.slopeMiBPerMin));
    const h = finite(of.map((r) => r.heapSlopeMiBPerMin));
    return [
      {
        metric: `soak.rss_slope_mib_per_min.${kind}s`,
        value: quantile(k, 0.5),
        unit: "MiB/min",
        note: `median over ${k.length} ${kind} instances; quartiles ${quantile(k, 0.25).toFixed(2)}–${quantile(k, 0.75).toFixed(2)}, max ${quantile(k, 1).toFixed(2)}`,
      },
      {
        metric: `soak.heap_slope_mib_per_min.${kind}s`,
        value: quantile(h, 0.5),
        unit: "MiB/min",
        note: `median over ${h.length} ${kind} instances of the V8 heap-used slope, same window; max ${quantile(h, 1).toFixed(2)}`,
      },
    ];
  });
  return [
    {
      metric: "soak.rss_slope_mib_per_min",
      value: quantile(slopes, 0.5),
      unit: "MiB/min",
      note: `median over ${slopes.length} process instances of each one's least-squares RSS slope (samples every 10 s after its own ${warmupMs / 1_000} s warm-up); quartiles ${quantile(slopes, 0.25).toFixed(2)}–${quantile(slopes, 0.75).toFixed(2)}, max ${quantile(slopes, 1).toFixed(2)}`,
    },
    {
      metric: "soak.rss_slope_mib_per_min_max",
      value: quantile(slopes, 1),
      unit: "MiB/min",
      note: "the fastest-growing process instance",
    },
    {
      metric: "soak.heap_slope_mib_per_min",
      value: quantile(heapSlopes, 0.5),
      unit: "MiB/min",
      note: `median over ${heapSlopes.length} instances of the V8 heap-used slope (relays: nodejs_heap_size_used_bytes; clients: process.memoryUsage over IPC), same window; max ${quantile(heapSlopes, 1).toFixed(2)}`,
    },
    ...perKind,
  ];
}

/** Restarts like a service manager would (Restart=on-failure): a relay cannot start while the chain's RPC is down. */
async function restartWithRetries(net: ProcessNetwork, r: RelayProcess, note: (t: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await net.restartRelay(r);
    } catch (error) {
      if (attempt >= 20) throw error;
      note(`${r.name} failed to start (attempt ${attempt}): ${(error as Error).message}; retrying in 5 s`);
      await sleep(5_000);
    }
  }
}

async function earned(r: RelayProcess, scheme: SchemeName): Promise<bigint> {
  const db = openDatabase(join(r.dataDir, "relay.sqlite"));
  try {
    return readCredit(db, scheme).earned;
  } finally {
    db.close();
  }
}

async function restartGateway(
  net: ProcessNetwork,
  random: () => number,
  note: (t: string) => void,
  elapsedS: () => number,
): Promise<void> {
  const gateways = net.relays.filter((r) => r.role === "gateway");
  const g = gateways[Math.floor(random() * gateways.length)]!;
  note(`${elapsedS()} s: restarting gateway ${g.name} (SIGTERM, drain)`);
  const exit = await g.child.stop();
  if (exit.code !== 0) note(`${g.name} did not stop cleanly: ${describeExit(exit)}`);
  await restartWithRetries(net, g, note);
  note(`${elapsedS()} s: ${g.name} back`);
}

async function rpcOutage(
  proxy: RpcProxy,
  note: (t: string) => void,
  elapsedS: () => number,
  signal: AbortSignal,
): Promise<void> {
  note(`${elapsedS()} s: chain RPC down for 30 s`);
  proxy.pause();
  await sleep(30_000, signal).catch(() => {});
  proxy.resume();
  note(`${elapsedS()} s: chain RPC back`);
}

async function cutLinks(
  net: ProcessNetwork,
  random: () => number,
  note: (t: string) => void,
  elapsedS: () => number,
  signal: AbortSignal,
): Promise<void> {
  const mixes = net.relays.filter((r) => r.role === "mix");
  const a = mixes[Math.floor(random() * mixes.length)]!;
  const b = mixes.filter((m) => m !== a)[Math.floor(random() * (mixes.length - 1))]!;
  try {
    await run("ss", ["-K", "dst", a.host, "src", b.host]);
  } catch (error) {
    return note(
      `link cut skipped: \`ss -K\` unavailable (${(error as Error).message.split("\n")[0]}); needs root on Linux`,
    );
  }
  note(`${elapsedS()} s: cutting links between ${a.name} (${a.host}) and ${b.name} (${b.host}) for 30 s`);
  const until = Date.now() + 30_000;
  while (!signal.aborted && Date.now() < until) {
    await run("ss", ["-K", "dst", a.host, "src", b.host]).catch(() => {});
    await run("ss", ["-K", "dst", b.host, "src", a.host]).catch(() => {});
    await sleep(500, signal).catch(() => {});
  }
  note(`${elapsedS()} s: links between ${a.name} and ${b.name} restored`);
}

/** Each relay claims twice with `obol claim` (its own process, its own key); counts second claims that paid. */
async function claimTwice(
  net: ProcessNetwork,
  scheme: SchemeName,
  note: (t: string) => void,
): Promise<{ double: number; ran: number; paid: bigint }> {
  const supervisor = new Supervisor();
  let double = 0;
  let ran = 0;
  let paid = 0n;
  const claim = async (r: RelayProcess, round: number): Promise<bigint> => {
    const child = supervisor.spawn({
      name: `claim-${round}-${r.name}`,
      args: [
        "claim",
        "--json",
        "--data-dir",
        r.dataDir,
        "--deployment-dir",
        net.deploymentDir,
        "--rpc-url",
        net.chain.rpcUrl,
        "--scheme",
        scheme,
      ],
      env: { OBOL_KEY: r.key },
      logFile: join(r.dataDir, "claims.log"),
    });
    const exit = await child.exited;
    const line = child.lines.find((l) => l.paid !== undefined);
    if (exit.code !== 0 || !line) throw new Error(`claim of ${r.name} failed: ${describeExit(exit)}`);
    return BigInt(String(line.paid));
  };
  // Four relays at a time: each claim is a fresh tsx process on a 2-core machine.
  for (let i = 0; i < net.relays.length; i += 4)
    await Promise.all(
      net.relays.slice(i, i + 4).map(async (r) => {
        try {
          paid += await claim(r, 1);
          const again = await claim(r, 2);
          ran++;
          if (again > 0n) {
            double++;
            note(`double claim: ${r.name}'s second claim paid ${again}`);
          }
        } catch (error) {
          note((error as Error).message);
        }
      }),
    );
  return { double, ran, paid };
}
