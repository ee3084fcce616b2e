/**
 * `npm start` / `obol devnet` (docs/devnet.md): boots a local network
 * (`network.ts`), starts clients that exchange sealed messages and SURB
 * replies through 5 hops under Loopix cover traffic, then shuts everything
 * down and returns the figures. CLI-independent so the comparison reuses it.
 */
import { bytesToHex } from "viem";
import { ObolClient } from "../client/client.js";
import { DEFAULT_RATES, poissonStream, sleep, type LoopixRates } from "../client/loopix.js";
import { forComponent, type Logger } from "../log.js";
import type { DropReason } from "../relay/drops.js";
import type { PrepaidHops } from "../schemes/devnet.js";
import type { SchemeName } from "../schemes/scheme.js";
import { recordClaim } from "../store/claims.js";
import { latencySummary } from "./metrics.js";
import { startNetwork, type NetworkOptions, type RunningNetwork } from "./network.js";
import { seededRandom } from "./random.js";

/** Seconds without progress that end a workload's drain unless `drainS` says otherwise. */
export const DEFAULT_DRAIN_S = 8;

export type DevnetOptions = {
  scheme: SchemeName;
  /** Seconds of traffic (then the drain: until in-flight messages land or `drainS` pass without progress). */
  durationS: number;
  seed: string | number;
  dataDir: string;
  rates?: LoopixRates;
  /** Workload: real messages per second per client (must stay below λP). */
  messagesPerS?: number;
  /** How often clients pull their mailbox (ms). */
  pollMs?: number;
  /** Seconds without progress that end the drain (default `DEFAULT_DRAIN_S`). */
  drainS?: number;
  /** Hops each participant prepays per relay, for a scheme that pays in advance (its default when absent). */
  prepaid?: PrepaidHops;
  log: Logger;
  signal: AbortSignal;
  onStep?: (step: string) => void;
  onProgress?: (progress: DevnetProgress) => void;
  /** Topology, chain and scheme instrumentation passed to `startNetwork` (the comparison sets them). */
  network?: Pick<
    NetworkOptions,
    | "gateways"
    | "mixesPerLayer"
    | "clients"
    | "rpcUrl"
    | "wrapScheme"
    | "relayFaults"
    | "relayLoopPerS"
    | "devnet"
    | "relayRefreshMs"
    | "epochTrafficMs"
  >;
  /** Runs after the workload and the relays' claims, while the network is still up (the comparison settles and reads the chain here). */
  afterTraffic?: (
    net: RunningNetwork,
    report: DevnetReport,
    more: (seed: string) => Promise<DevnetReport>,
  ) => Promise<void>;
};

export type DevnetProgress = {
  elapsedS: number;
  durationS: number;
  sent: number;
  delivered: number;
  repliesSent: number;
  repliesReceived: number;
  packets: number;
};

export type DevnetReport = {
  scheme: SchemeName;
  seed: string;
  durationS: number;
  rates: LoopixRates;
  messages: { sent: number; delivered: number };
  replies: { sent: number; received: number };
  /** Send → pulled by the recipient, 5 hops with mixing delays (ms). */
  latency: { count: number; p50: number; p95: number; p99: number };
  replyLatency: { count: number; p50: number; p95: number; p99: number };
  /** Every latency measured (ms), for distributions (the comparison's charts). */
  latencySamples: { messages: number[]; replies: number[] };
  clients: { name: string; sent: Record<string, number>; receipts: number; unreadable: number; errors: number }[];
  relays: {
    name: string;
    role: string;
    received: number;
    forwarded: number;
    delivered: number;
    loopsSent: number;
    loopsReturned: number;
    dropped: number;
    /** What the relay's `claim()` at the end of the run paid (token units) and cost (gas); `claimError` when it failed. */
    paid: bigint;
    claimGas: bigint;
    claimError?: string;
  }[];
  drops: Partial<Record<DropReason, number>>;
  /** True when Ctrl-C cut the run short. */
  aborted: boolean;
};

/**
 * Runs a devnet and returns its report. Everything it started is stopped
 * before it returns or throws (including on abort).
 *
 * @example
 * const report = await runDevnet({ scheme: "free", durationS: 20, seed: 1, dataDir, log, signal });
 */
export async function runDevnet(options: DevnetOptions): Promise<DevnetReport> {
  const {
    scheme,
    durationS,
    dataDir,
    log,
    signal,
    rates = DEFAULT_RATES,
    messagesPerS = 0.5,
    pollMs = 250,
    drainS = DEFAULT_DRAIN_S,
  } = options;
  const onStep = options.onStep ?? (() => {});
  const net = await startNetwork({
    ...options.network,
    scheme,
    prepaid: options.prepaid,
    dataDir,
    log,
    signal,
    onStep,
    meanDelayMs: rates.meanDelayMs,
  });
  const clients: ObolClient[] = [];
  try {
    onStep(`starting ${net.clients.length} clients`);
    for (const [c, slot] of net.clients.entries()) {
      const gateways = net.relays.filter((r) => r.role === "gateway");
      const gateway = gateways[c % gateways.length]!.address;
      const client = await ObolClient.create({
        dataDir: slot.dataDir,
        log,
        network: net.network,
        chain: slot.chain,
        directory: net.directory,
        epoch: net.epoch,
        gateway,
        rates,
      });
      clients.push(client);
      await client.connect({ signal });
    }
    onStep(`exchanging messages for ${durationS} s (Ctrl-C stops early)`);
    const report = await exchange(net, clients, { ...options, rates, messagesPerS, pollMs, drainS, durationS });
    if (!signal.aborted) {
      onStep("relays claim what they earned");
      await claimAll(net, report, log, signal);
    }
    // `more` runs the same workload again on the same network and clients with another seed (the comparison's further seeds).
    const more = (seed: string) =>
      exchange(net, clients, { ...options, seed, rates, messagesPerS, pollMs, drainS, durationS });
    if (options.afterTraffic && !signal.aborted) await options.afterTraffic(net, report, more);
    return report;
  } finally {
    onStep("shutting down");
    for (const client of clients) await client.stop().catch((err) => log.warn({ err }, "client stop failed"));
    await net.stop();
  }
}

/** Upper bound of the drain, in multiples of `drainS`, however slowly packets still land. */
const DRAIN_CAP_FACTOR = 6;

type ExchangeOptions = DevnetOptions & { rates: LoopixRates; messagesPerS: number; pollMs: number; drainS: number };

/** What a workload sent and what landed: send times by message id (hex), and latencies (ms). */
type Tally = {
  sentAt: Map<string, number>;
  replySentAt: Map<string, number>;
  latencies: number[];
  replyLatencies: number[];
  repliesReceived: number;
};

/**
 * One workload on a running network: every client runs Loopix and sends real
 * messages to the next client for `durationS`, pulls its mailbox and answers
 * each message through its SURB; then the drain, then the report.
 */
async function exchange(net: RunningNetwork, clients: ObolClient[], o: ExchangeOptions): Promise<DevnetReport> {
  const log = forComponent(o.log, "obol:devnet");
  const random = seededRandom(o.seed);
  const tally: Tally = {
    sentAt: new Map(),
    replySentAt: new Map(),
    latencies: [],
    replyLatencies: [],
    repliesReceived: 0,
  };
  const addresses = clients.map((c) => c.address);
  const start = Date.now();

  const traffic = new AbortController(); // Loopix streams and polling: until drained
  const workload = new AbortController(); // new real messages: until durationS
  const stopAll = () => {
    traffic.abort();
    workload.abort();
  };
  o.signal.addEventListener("abort", stopAll, { once: true });
  const workloadTimer = setTimeout(() => workload.abort(), o.durationS * 1000);

  let counter = 0;
  const nextMessage = (i: number) =>
    `message ${++counter} from client-${i} (seed ${o.seed}) ${"·".repeat(Math.floor(random() * 200))}`;
  const tasks = clients.flatMap((client, i) => [
    client.run({ signal: traffic.signal }),
    sendMessages(client, addresses[(i + 1) % addresses.length]!, {
      messagesPerS: o.messagesPerS,
      text: () => nextMessage(i),
      tally,
      random,
      signal: workload.signal,
      log,
    }),
    pullAndReply(client, { tally, pollMs: o.pollMs, signal: traffic.signal, log }),
  ]);

  const snapshot = (): DevnetProgress => progressOf(net, tally, start, o.durationS);
  const progress = setInterval(() => o.onProgress?.(snapshot()), 500);
  try {
    await new Promise<void>((resolve) =>
      workload.signal.aborted ? resolve() : workload.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    await drain(clients, tally, { drainS: o.drainS, signal: traffic.signal });
  } finally {
    clearTimeout(workloadTimer);
    clearInterval(progress);
    traffic.abort();
    workload.abort();
    o.signal.removeEventListener("abort", stopAll);
    await Promise.allSettled(tasks);
  }
  o.onProgress?.(snapshot());
  return exchangeReport(net, clients, tally, o);
}

/** Queues real messages to `to` at `messagesPerS` (Poisson, seeded) until `signal`; records when each leaves. */
function sendMessages(
  client: ObolClient,
  to: ObolClient["address"],
  o: {
    messagesPerS: number;
    text: () => string;
    tally: Tally;
    random: () => number;
    signal: AbortSignal;
    log: Logger;
  },
): Promise<void> {
  return poissonStream({
    ratePerS: o.messagesPerS,
    signal: o.signal,
    random: o.random,
    onError: (err) => o.log.warn({ err }, "message not queued"),
    tick: async () => {
      void client.enqueue(to, o.text()).then(
        (id) => o.tally.sentAt.set(bytesToHex(id), Date.now()),
        (err) => o.log.debug({ err }, "queued message not sent"),
      );
    },
  });
}

/** Pulls the mailbox every `pollMs` until `signal`: measures latencies and answers each message through its SURB. */
async function pullAndReply(
  client: ObolClient,
  o: { tally: Tally; pollMs: number; signal: AbortSignal; log: Logger },
): Promise<void> {
  const { tally, signal } = o;
  while (!signal.aborted) {
    try {
      for (const m of await client.pull({ signal })) {
        const key = bytesToHex(m.id);
        if (m.kind === "message") {
          const t = tally.sentAt.get(key);
          if (t !== undefined) tally.latencies.push(m.receivedAt - t);
          if (m.canReply) {
            await client.reply(key.slice(2), `re: ${new TextDecoder().decode(m.content).slice(0, 40)}`, { signal });
            tally.replySentAt.set(key, Date.now());
          }
        } else {
          tally.repliesReceived++;
          const t = tally.replySentAt.get(key);
          if (t !== undefined) tally.replyLatencies.push(m.receivedAt - t);
        }
      }
    } catch (err) {
      if (!signal.aborted) o.log.warn({ err }, "pull failed");
    }
    await sleep(o.pollMs, signal);
  }
}

/**
 * Drain: cover traffic and pulls keep going until in-flight messages and replies land.
 * The deadline is idle time, not wall time: on a loaded machine packets keep landing
 * after a fixed window would have closed, so only `drainS` without progress ends it
 * (capped at DRAIN_CAP_FACTOR × drainS so a wedged network still ends the run).
 */
async function drain(clients: ObolClient[], tally: Tally, o: { drainS: number; signal: AbortSignal }): Promise<void> {
  const drainStart = Date.now();
  let lastProgress = drainStart;
  let seen = -1;
  while (!o.signal.aborted) {
    const queued = clients.reduce((s, c) => s + c.queued, 0);
    const { latencies, sentAt, replySentAt, repliesReceived } = tally;
    if (queued === 0 && latencies.length >= sentAt.size && repliesReceived >= replySentAt.size) break;
    const progress = latencies.length + replySentAt.size + repliesReceived - queued;
    if (progress !== seen) [seen, lastProgress] = [progress, Date.now()];
    const now = Date.now();
    if (now - lastProgress > o.drainS * 1000 || now - drainStart > DRAIN_CAP_FACTOR * o.drainS * 1000) break;
    await sleep(100, o.signal);
  }
}

function progressOf(net: RunningNetwork, tally: Tally, start: number, durationS: number): DevnetProgress {
  return {
    elapsedS: (Date.now() - start) / 1000,
    durationS,
    sent: tally.sentAt.size,
    delivered: tally.latencies.length,
    repliesSent: tally.replySentAt.size,
    repliesReceived: tally.repliesReceived,
    packets: net.relays.reduce((s, r) => s + r.relay.stats.received, 0),
  };
}

/** The report of one workload: what the tally measured, and each client's and relay's counters (claims come later). */
function exchangeReport(net: RunningNetwork, clients: ObolClient[], tally: Tally, o: ExchangeOptions): DevnetReport {
  const drops: Partial<Record<DropReason, number>> = {};
  for (const r of net.relays)
    for (const [reason, n] of Object.entries(r.relay.stats.dropped))
      drops[reason as DropReason] = (drops[reason as DropReason] ?? 0) + (n ?? 0);
  return {
    scheme: o.scheme,
    seed: String(o.seed),
    durationS: o.durationS,
    rates: o.rates,
    messages: { sent: tally.sentAt.size, delivered: tally.latencies.length },
    replies: { sent: tally.replySentAt.size, received: tally.repliesReceived },
    latency: latencySummary(tally.latencies),
    latencySamples: { messages: [...tally.latencies], replies: [...tally.replyLatencies] },
    replyLatency: latencySummary(tally.replyLatencies),
    clients: clients.map((c, i) => ({
      name: `client-${i}`,
      sent: { ...c.stats.sent },
      receipts: c.stats.receipts,
      unreadable: c.stats.unreadable,
      errors: c.stats.errors,
    })),
    relays: net.relays.map((r) => ({
      name: r.name,
      role: r.role,
      received: r.relay.stats.received,
      forwarded: r.relay.stats.forwarded,
      delivered: r.relay.stats.delivered,
      loopsSent: r.relay.stats.loopsSent,
      loopsReturned: r.relay.stats.loopsReturned,
      dropped: Object.values(r.relay.stats.dropped).reduce((s, n) => s + (n ?? 0), 0),
      paid: 0n,
      claimGas: 0n,
    })),
    drops,
    aborted: o.signal.aborted,
  };
}

/** Every relay runs its scheme's settlement once (DESIGN §1: "lets relays claim"); failures are reported, not fatal. */
async function claimAll(net: RunningNetwork, report: DevnetReport, log: Logger, signal: AbortSignal): Promise<void> {
  for (const [i, r] of net.relays.entries()) {
    const row = report.relays[i]!;
    try {
      const settle = net.scheme.settle({ chain: r.chain, db: r.db, log, libp2p: r.node, relay: r.address });
      const result = await settle.claim({ signal });
      recordClaim(r.db, result);
      row.paid = result.paid;
      row.claimGas = result.gasUsed;
    } catch (error) {
      row.claimError = (error as Error).message.split("\n")[0]!;
      forComponent(log, "obol:devnet").warn({ relay: r.name, err: error }, "claim failed");
    }
  }
}
