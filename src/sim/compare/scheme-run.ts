/**
 * One scheme's turn in the comparison (docs/compare.md §Steps): the devnet of
 * `src/sim/devnet.ts` with the scheme instrumented and one dropping mix, then,
 * while the network is still up, settlement, the chain read back and the
 * linking adversaries; the result is one `SchemeRun` of the report. Further
 * seeds then run the same workload again on the same network, for the
 * adversaries only (every other figure is measured by then).
 */
import { join } from "node:path";
import { getAddress, type Address } from "viem";
import { DEFAULT_RATES } from "../../client/loopix.js";
import type { Logger } from "../../log.js";
import { DropReason } from "../../relay/drops.js";
import type { AccountingScheme, SchemeName } from "../../schemes/scheme.js";
import { runDevnet, type DevnetProgress, type DevnetReport } from "../devnet.js";
import { sleep } from "../../sleep.js";
import type { RunningNetwork } from "../network.js";
import type { DirectorySnapshot } from "../../chain/types.js";
import { seededRandom } from "../random.js";
import type { RelayRow, SchemeRun } from "../report/types.js";
import { auditChain, type ChainAudit } from "./chain.js";
import { SchemeRunIncompleteError } from "./errors.js";
import { standardAdversaries, type SeedRun } from "./adversaries.js";
import { SchemeInstruments } from "./instrument.js";
import { indexTranscript, linkingAttack, type LinkingResult } from "./linking.js";
import { currentEpoch, epochAt, epochInfo } from "../../chain/epochs.js";
import { epochClock } from "./epoch-clock.js";
import {
  enterAuditEpoch,
  epochTrafficWindowMs,
  pathDelayAllowanceMs,
  settleRun,
  type SettleOutcome,
} from "./settle.js";
import type { SchemeDevnet } from "../../schemes/devnet.js";
import type { ChainClients } from "../../chain/types.js";
import { forComponent } from "../../log.js";

/** Route length of every Obol packet (DESIGN §3–4: entry, 3 mixes, exit). */
export const HOPS_PER_PACKET = 5;
/** Name of the relay that drops packets in experiment (a). */
export const DROPPER = "mix-0";

export type SchemeRunOptions = {
  scheme: SchemeName;
  /** The scheme's devnet hook: its contracts, settlement timeline and cost classes. */
  devnet: SchemeDevnet;
  dataDir: string;
  durationS: number;
  seed: string;
  /** Further workload seeds for the linking adversaries, run on the same network after everything else is measured. */
  extraSeeds?: readonly string[];
  gateways: number;
  mixesPerLayer: number;
  clients: number;
  messagesPerS: number;
  relayLoopPerS: number;
  dropFraction: number;
  rpcUrl?: string | undefined;
  log: Logger;
  signal: AbortSignal;
  onStep?: (step: string) => void;
  onProgress?: (progress: DevnetProgress) => void;
  /** Wraps the scheme before the instruments do (the win-probability sweep sets the scheme's parameters). */
  wrapScheme?: (scheme: AccountingScheme) => AccountingScheme;
  /** Epochs the workload spans: the chain turns `epochs − 1` times during it (default 1). */
  trafficEpochs?: number;
};

/** A payout of the scheme's contracts to a relay, with the epoch of its block. */
export type EpochPayout = { relay: Address; value: bigint; epoch: bigint };

type Captured = {
  settle: SettleOutcome;
  /** Packet-hops all relays accepted from the workload's first message to the end of its drain, before claims and settlement. */
  hops: number;
  audit: ChainAudit;
  relays: {
    name: string;
    address: Address;
    role: string;
    accepted: number;
    acceptedInWorkload: number;
    forwarded: number;
    delivered: number;
    injected: number;
  }[];
  linking: (SeedRun & { results: LinkingResult[] })[];
  /** Packet-hops and epochs from the workload's start to the end of settlement (null when the start was not seen). */
  steady: { hops: number; epochs: number } | null;
  epochPayouts: { first: bigint | null; last: bigint; payouts: EpochPayout[] };
};

/**
 * Runs one scheme end to end and measures it.
 *
 * @returns the scheme's section of the report, plus the figures the scale model needs.
 * @example
 * const { run } = await runScheme({ scheme, devnet: await loadSchemeDevnet(scheme), … });
 */
export async function runScheme(o: SchemeRunOptions): Promise<{
  run: Omit<SchemeRun, "linking" | "workloads">;
  /** Per seed: the packet-hops its workload carried and the adversaries' results. */
  linking: Captured["linking"];
  /** Every payout to a relay with its epoch, and the epochs from the workload's start to the end of settlement. */
  epochPayouts: Captured["epochPayouts"];
}> {
  const started = Date.now();
  const instruments = new SchemeInstruments();
  const window = workloadWindow(instruments, o.onProgress);
  const auditTiming = auditDuringTraffic(o, instruments);
  const clock = epochClock({
    epochs: o.trafficEpochs ?? 1,
    durationS: o.durationS,
    chain: auditTiming.chain,
    log: o.log,
    signal: o.signal,
    onStep: o.onStep,
  });
  let captured: Captured | null = null;
  const report = await runDevnet({
    scheme: o.scheme,
    durationS: o.durationS,
    seed: o.seed,
    dataDir: join(o.dataDir, o.scheme),
    messagesPerS: o.messagesPerS,
    rates: DEFAULT_RATES,
    log: o.log,
    signal: o.signal,
    onStep: (step) => {
      clock.onStep(step);
      auditTiming.onStep(step);
    },
    onProgress: window.onProgress,
    network: {
      gateways: o.gateways,
      mixesPerLayer: o.mixesPerLayer,
      clients: o.clients,
      relayLoopPerS: o.relayLoopPerS,
      relayRefreshMs: RELAY_REFRESH_IN_COMPARISON_MS,
      epochTrafficMs: auditTiming.epochTrafficMs,
      ...(o.rpcUrl ? { rpcUrl: o.rpcUrl } : {}),
      wrapScheme: (s) => auditTiming.wrap(instruments.wrap(o.wrapScheme ? o.wrapScheme(s) : s)),
      devnet: o.devnet,
      relayFaults: (name) =>
        name === DROPPER && o.dropFraction > 0
          ? { dropForward: o.dropFraction, random: seededRandom(`${o.seed}/dropper`) }
          : undefined,
    },
    afterTraffic: async (net, _report, more) => {
      await clock.done();
      // Packet-hops of the workload itself (the same wall time for every scheme), counted when its drain ended, before claims and settlement add loops.
      const end = window.end();
      // The workload window: from its first message (relay loops during setup excluded) to the end of its drain.
      const start = await auditTiming.start();
      // (Counted at the scheme's accept; capped by the relay's own count, which misses the rare accept whose durable commit then failed.)
      const inWorkload = new Map(
        net.relays.map((r) => [
          r.name,
          Math.min(
            r.relay.stats.accepted,
            (end.perRelay.get(getAddress(r.address)) ?? 0) - (start?.perRelay.get(getAddress(r.address)) ?? 0),
          ),
        ]),
      );
      // The adversaries run on the workload's transcripts and the layers of its epoch (settlement moves epochs and reshuffles layers).
      const snapshot = await net.directory();
      const entered = await auditTiming.entered();
      // The epoch does not turn while its checks may still be under way (the window the scheme was given).
      await auditTiming.held(entered, o.signal);
      const auditEpoch = entered?.epoch;
      const settle = await settleRun(net, {
        devnet: o.devnet,
        log: o.log,
        signal: o.signal,
        auditEpoch,
        ...(o.onStep ? { onStep: o.onStep } : {}),
      });
      o.onStep?.("reading every receipt and Transfer of the run back from the chain");
      const audit = await auditChain(net.deployer, {
        fromBlock: net.deployment.startBlock,
        steadyFromBlock: start?.block,
        contracts: o.devnet.contracts,
      });
      // Steady state: everything after setup (workload, its epochs, settlement) against every packet-hop accepted over the same span.
      const steady = start
        ? {
            hops: instruments.accepted - start.accepted,
            epochs: Number((await currentEpoch(net.deployer)) - start.epoch) + 1,
          }
        : null;
      const relays = net.relays.map((r) => ({
        name: r.name,
        address: getAddress(r.address),
        role: r.role,
        accepted: r.relay.stats.accepted,
        acceptedInWorkload: inWorkload.get(r.name) ?? 0,
        forwarded: r.relay.stats.forwarded,
        delivered: r.relay.stats.delivered,
        injected: r.relay.stats.dropped[DropReason.faultInjected] ?? 0,
      }));
      const hops = [...inWorkload.values()].reduce((a, b) => a + b, 0);
      const linking: Captured["linking"] = [
        {
          seed: o.seed,
          hops,
          results: attack(net, instruments, snapshot, { from: 0, to: end.t }, audit, auditTiming.audited(entered)),
        },
      ];
      for (const [i, seed] of (o.extraSeeds ?? []).entries()) {
        if (o.signal.aborted) break;
        // Everything else is measured: the same workload again, another seed, on this network; its own transcript window and directory.
        const tag = `seed ${i + 2}/${(o.extraSeeds ?? []).length + 1}: `;
        o.onStep?.(`${tag}exchanging messages for ${o.durationS} s (workload seed ${seed}, for the adversaries)`);
        try {
          const directory = await net.directory();
          const [from, before] = [instruments.now(), instruments.accepted];
          // As in the first seed, a fresh audited epoch halfway through, so the checks travel with this workload's traffic.
          const mid = auditTiming.midWorkload();
          await more(seed);
          const audited = auditTiming.audited(await mid.entered());
          // Packet-hops from this workload's first message to the end of its drain, as for the first seed.
          const after = window.end();
          linking.push({
            seed,
            hops: after.accepted - before,
            results: attack(net, instruments, directory, { from, to: after.t }, audit, audited),
          });
        } catch (err) {
          // The scheme's figures are measured already; a further seed that fails only leaves the adversaries fewer seeds (paired with free seed by seed).
          if (o.signal.aborted) throw err;
          forComponent(o.log, "obol:compare").warn(
            { err, scheme: o.scheme, seed },
            "further seed failed; the adversaries use the seeds before it",
          );
          break;
        }
      }
      const info = await epochInfo(net.deployer);
      const relaySet = new Set(net.relays.map((r) => getAddress(r.address)));
      const epochPayouts = {
        first: start?.epoch ?? null,
        last: await currentEpoch(net.deployer),
        payouts: audit.payoutEvents
          .filter((p) => relaySet.has(p.to))
          .map((p) => ({ relay: p.to, value: p.value, epoch: epochAt(info, p.timestamp) })),
      };
      captured = {
        epochPayouts,
        settle,
        audit,
        relays,
        linking,
        hops,
        steady,
      };
    },
  });
  if (o.signal.aborted) throw o.signal.reason ?? new Error("aborted");
  if (!captured) throw new SchemeRunIncompleteError(o.scheme);
  const c = captured as Captured;
  return {
    run: assemble(o, report, c, instruments, (Date.now() - started) / 1000),
    linking: c.linking,
    epochPayouts: c.epochPayouts,
  };
}

type WorkloadStart = { block: bigint; epoch: bigint; accepted: number; perRelay: Map<Address, number> };

const acceptedPerRelay = (instruments: SchemeInstruments) =>
  new Map([...instruments.relays].map(([a, w]) => [getAddress(a), w.accepted]));

/**
 * How often the comparison's relays re-read the epoch (ms): it turns epochs mid-workload, and a
 * scheme that files packets by epoch keeps its checks off the start of an epoch for as long as
 * relays may lag the turn (`relayEpochLagMs`), a stretch a dropper could spare; short here, so that
 * stretch is a small part of the traffic in the epoch (a live network's epochs last an hour).
 */
const RELAY_REFRESH_IN_COMPARISON_MS = 200;

/** An epoch entered during a workload: which, and when (ms, the instruments' clock). */
type EnteredEpoch = { epoch: bigint; at: number };

/**
 * Audit loops during client traffic (docs/compare.md §Settlement): for a
 * deployment that audits in the epoch after its keys were set, the chain
 * enters that epoch halfway through the workload, so auditors send their
 * loops while clients send theirs; each further seed enters a fresh epoch
 * halfway through too. The scheme is told how long traffic runs in such an
 * epoch (`epochTrafficMs`: the rest of the workload and the drain's bound,
 * less a packet's path delay) and the epoch is held that long. Seen through
 * the relays' chain access (the network handle exists only after the traffic).
 */
function auditDuringTraffic(o: SchemeRunOptions, instruments: SchemeInstruments) {
  let chain: ChainClients | null = null;
  let first: { entered(): Promise<EnteredEpoch | undefined> } | null = null;
  let start: Promise<WorkloadStart | null> = Promise.resolve(null);
  const audits = o.devnet.settlement?.enterNextEpochDuringTraffic === true;
  const halfMs = (o.durationS * 1000) / 2;
  const pathDelayMs = pathDelayAllowanceMs(HOPS_PER_PACKET, DEFAULT_RATES.meanDelayMs);
  const epochTrafficMs = audits ? epochTrafficWindowMs(o.durationS, pathDelayMs) : undefined;
  /** Enters the next epoch halfway through a workload starting now. */
  const midWorkload = (): { entered(): Promise<EnteredEpoch | undefined> } => {
    let done: Promise<EnteredEpoch | undefined> = Promise.resolve(undefined);
    const timer = audits
      ? setTimeout(() => {
          if (!chain || o.signal.aborted) return;
          const c = chain;
          o.onStep?.("entering the audit epoch: auditors' loops join client traffic");
          done = enterAuditEpoch(c, o.devnet)
            .then((epoch) => (epoch === undefined ? undefined : { epoch, at: instruments.now() }))
            .catch((err: unknown) => {
              forComponent(o.log, "obol:compare").warn(
                { err },
                "could not enter the audit epoch during traffic; settlement enters it after",
              );
              return undefined;
            });
        }, halfMs)
      : undefined;
    return {
      entered: async () => {
        clearTimeout(timer);
        return done;
      },
    };
  };
  return {
    epochTrafficMs,
    midWorkload,
    /** Where the chain and the hop count stood when the workload began (the end of setup). */
    start: () => start,
    /** The relays' chain access, once the first relay is built. */
    chain: () => chain,
    wrap: (scheme: AccountingScheme): AccountingScheme => ({
      ...scheme,
      relay: (deps) => {
        chain ??= deps.chain;
        return scheme.relay(deps);
      },
    }),
    onStep: (step: string) => {
      if (step.startsWith("exchanging messages") && chain) {
        const [c, accepted, perRelay] = [chain, instruments.accepted, acceptedPerRelay(instruments)];
        start = (async () => ({
          block: await c.publicClient.getBlockNumber({ cacheTime: 0 }),
          epoch: await currentEpoch(c),
          accepted,
          perRelay,
        }))().catch(() => null);
      }
      if (step.startsWith("exchanging messages") && first === null) first = midWorkload();
      o.onStep?.(step);
    },
    /** The audit epoch entered during the first workload, if any (waits for the move to finish). */
    entered: async () => first?.entered(),
    /** The stretch of an entered epoch the scheme was told traffic runs in (what E3 scores). */
    audited: (e: EnteredEpoch | undefined) =>
      e && epochTrafficMs !== undefined ? { from: e.at, to: e.at + epochTrafficMs } : undefined,
    /** Waits until the window the scheme was told traffic runs in the epoch entered at `e.at` has passed. */
    held: async (e: EnteredEpoch | undefined, signal: AbortSignal) => {
      if (!e || epochTrafficMs === undefined) return;
      await sleep(e.at + epochTrafficMs + pathDelayMs - instruments.now(), signal);
    },
  };
}

/**
 * The end of the workload as the devnet reports it: its last progress report
 * comes after the drain, before claims. Records the time and the packet-hops
 * accepted so far (all relays, and per relay).
 */
function workloadWindow(instruments: SchemeInstruments, forward?: (p: DevnetProgress) => void) {
  let last: { t: number; accepted: number; perRelay: Map<Address, number> } | null = null;
  return {
    onProgress: (p: DevnetProgress) => {
      last = { t: instruments.now(), accepted: instruments.accepted, perRelay: acceptedPerRelay(instruments) };
      forward?.(p);
    },
    end: () =>
      last ?? { t: instruments.now(), accepted: instruments.accepted, perRelay: acceptedPerRelay(instruments) },
  };
}

/** Every standard adversary on what happened in one workload's window (ms): its transcripts, the directory of its epoch, the chain's logs. */
function attack(
  net: RunningNetwork,
  instruments: SchemeInstruments,
  snapshot: DirectorySnapshot,
  window: { from: number; to: number },
  audit: ChainAudit,
  audited?: { from: number; to: number },
): LinkingResult[] {
  const inside = (t: number) => t >= window.from && t <= window.to;
  const clients = net.clients.map((c) => getAddress(c.chain.account));
  const transcript = indexTranscript({
    observations: instruments.observations.filter((o) => inside(o.t)),
    receipts: instruments.receipts.filter((r) => inside(r.t)),
    sent: instruments.sent.filter((p) => inside(p.t)),
    chainLogs: audit.logs,
    relayPeers: new Map(net.relays.map((r) => [r.node.peerId.toString(), getAddress(r.address)] as const)),
    // Relays pay for their own loops through the same client side: only the clients' nodes are client connections.
    clientPeers: new Map([...instruments.clientPeers].filter(([, account]) => clients.includes(getAddress(account)))),
    clients,
    roles: new Map(snapshot.entries.map((e) => [e.relay.toLowerCase(), e.role] as const)),
    meanDelayMs: DEFAULT_RATES.meanDelayMs,
    paidSecrets: new Set(instruments.sent.flatMap((p) => p.ss)),
    ...(audited ? { auditEpochFrom: audited.from, auditEpochTo: audited.to } : {}),
  });
  return standardAdversaries(snapshot.entries).map((a) => linkingAttack(transcript, a));
}

function assemble(
  o: SchemeRunOptions,
  report: DevnetReport,
  c: Captured,
  inst: SchemeInstruments,
  wallSeconds: number,
): Omit<SchemeRun, "linking" | "workloads"> {
  const hops = c.hops;
  const claimedBy = new Map<string, bigint>();
  for (const [i, r] of c.relays.entries()) claimedBy.set(r.address.toLowerCase(), report.relays[i]?.paid ?? 0n);
  for (const claim of c.settle.claims)
    claimedBy.set(claim.relay.toLowerCase(), (claimedBy.get(claim.relay.toLowerCase()) ?? 0n) + claim.paid);
  const relays: RelayRow[] = c.relays.map((r) => ({
    name: r.name,
    address: r.address,
    role: r.role,
    accepted: r.accepted,
    acceptedInWorkload: r.acceptedInWorkload,
    forwarded: r.forwarded,
    delivered: r.delivered,
    paid: (c.audit.payouts.get(r.address) ?? 0n).toString(),
    paidInReceipts: (c.audit.receiptPayouts.get(r.address) ?? 0n).toString(),
    claimReported: (claimedBy.get(r.address.toLowerCase()) ?? 0n).toString(),
    dropper: r.name === DROPPER,
  }));
  const total = relays.reduce((s, r) => s + BigInt(r.paid), 0n);
  const inReceipts = relays.reduce((s, r) => s + BigInt(r.paidInReceipts), 0n);
  const claimed = relays.reduce((s, r) => s + BigInt(r.claimReported), 0n);
  const perHop = (r: RelayRow) => (r.accepted > 0 ? Number(BigInt(r.paid)) / r.accepted : null);
  const honestMixes = relays
    .filter((r) => r.role === "mix" && !r.dropper)
    .map(perHop)
    .filter((x): x is number => x !== null);
  const honestMean = honestMixes.length ? honestMixes.reduce((s, x) => s + x, 0) / honestMixes.length : null;
  const dropperRow = relays.find((r) => r.dropper);
  const dropperPerHop = dropperRow ? perHop(dropperRow) : null;
  const dropperAddress = dropperRow?.address.toLowerCase();
  const faults = c.settle.faults.filter((f) => f.relay.toLowerCase() === dropperAddress);
  const work = [...inst.relays.values()];
  const sum = (f: (w: (typeof work)[number]) => number) => work.reduce((s, w) => s + f(w), 0);
  const us = (ms: number, n: number) => (n > 0 ? (ms / n) * 1000 : null);
  const honest = relays.filter((r) => !r.dropper && r.accepted > 0).map((r) => Number(BigInt(r.paid)) / r.accepted);
  const size = inst.sizes ?? { slot: 0, attachment: 0, receipt: 0 };
  const ops = c.audit.operations.map((x) => ({
    contract: x.contract,
    op: x.op,
    count: x.count,
    gasUsed: Number(x.gasUsed),
    mean: Math.round(Number(x.gasUsed) / x.count),
  }));
  return {
    scheme: o.scheme,
    status: "ok",
    wallSeconds,
    messages: report.messages,
    replies: report.replies,
    latency: {
      count: report.latency.count,
      p50: finite(report.latency.p50),
      p95: finite(report.latency.p95),
      p99: finite(report.latency.p99),
    },
    latencySamples: report.latencySamples.messages.map((x) => Math.round(x)),
    hops,
    gas: {
      scheme: Number(c.audit.schemeGas),
      common: Number(c.audit.commonGas),
      schemeTransactions: c.audit.schemeTransactions,
      per1000Hops: hops > 0 ? (Number(c.audit.schemeGas) / hops) * 1000 : null,
      operations: ops,
      setup: Number(c.audit.schemeGas - c.audit.steady.gas),
      steady:
        c.steady && c.audit.steady.fromBlock !== null
          ? {
              fromBlock: Number(c.audit.steady.fromBlock),
              gas: Number(c.audit.steady.gas),
              transactions: c.audit.steady.transactions,
              hops: c.steady.hops,
              epochs: c.steady.epochs,
              payouts: c.audit.steady.payouts,
              gasPerPayout: c.audit.steady.payouts > 0 ? Number(c.audit.steady.gas) / c.audit.steady.payouts : null,
              per1000Hops: c.steady.hops > 0 ? (Number(c.audit.steady.gas) / c.steady.hops) * 1000 : null,
              operations: c.audit.steady.operations.map((x) => ({
                contract: x.contract,
                op: x.op,
                count: x.count,
                gasUsed: Number(x.gasUsed),
                mean: Math.round(Number(x.gasUsed) / x.count),
              })),
            }
          : null,
    },
    bytes: {
      ...size,
      perPacket: size.slot * HOPS_PER_PACKET + size.attachment,
      // Relay loops are shorter than 5 hops, so the measured figure is scaled per hop.
      perPacketMeasured:
        inst.pay.calls > 0
          ? (inst.pay.slotBytes / inst.pay.hops) * HOPS_PER_PACKET + inst.pay.attachmentBytes / inst.pay.calls
          : null,
    },
    relayCpu: {
      perHopUs: us(
        sum((w) => w.onPacketMs + w.receiptMs + w.onReceiptMs),
        sum((w) => w.onPacket),
      ),
      onPacketUs: us(
        sum((w) => w.onPacketMs),
        sum((w) => w.onPacket),
      ),
      receiptUs: us(
        sum((w) => w.receiptMs),
        sum((w) => w.receipt),
      ),
      onReceiptUs: us(
        sum((w) => w.onReceiptMs),
        sum((w) => w.onReceipt),
      ),
    },
    client: { payCalls: inst.pay.calls, payUs: us(inst.pay.ms, inst.pay.calls) },
    payouts: {
      total: total.toString(),
      inReceipts: inReceipts.toString(),
      claimReported: claimed.toString(),
      consistent:
        total === inReceipts &&
        relays.every((r) => r.paid === r.paidInReceipts && BigInt(r.claimReported) <= BigInt(r.paid)),
      fairness: {
        honestCv: cv(honest),
        correlation: pearson(
          relays.filter((r) => !r.dropper).map((r) => [r.forwarded + r.delivered, Number(BigInt(r.paid))]),
        ),
      },
    },
    relays,
    dropper: {
      relay: DROPPER,
      dropFraction: o.dropFraction,
      injectedDrops: c.relays.find((r) => r.name === DROPPER)?.injected ?? 0,
      payoutPerHop: dropperPerHop,
      honestPayoutPerHop: honestMean,
      loss: dropperPerHop !== null && honestMean ? 1 - dropperPerHop / honestMean : null,
      caught: faults.length > 0,
      faults: faults.length,
      caughtAfterEpochs: faults.length
        ? Number(
            // biome-ignore lint/complexity/useMathMinMax: the epochs are bigints, which Math.min does not take
            faults.reduce((m, f) => (f.recordedEpoch < m ? f.recordedEpoch : m), faults[0]!.recordedEpoch) -
              c.settle.trafficEpoch,
          )
        : null,
    },
    settlement: {
      trafficEpoch: Number(c.settle.trafficEpoch),
      epochsAdvanced: c.settle.epochsAdvanced,
      audits: c.settle.audits ?? null,
      claimErrors: [
        ...report.relays.flatMap((r) => (r.claimError ? [`${r.name}: ${r.claimError}`] : [])),
        ...c.settle.claims.flatMap((x) => (x.error ? [`${x.relay}: ${x.error}`] : [])),
      ],
    },
  };
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Coefficient of variation (σ/μ) of a sample; null when undefined. */
export function cv(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  if (mean === 0) return null;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  return Math.sqrt(variance) / mean;
}

/** Pearson correlation of (x, y) pairs; null when either side is constant. */
export function pearson(pairs: readonly (readonly [number, number])[]): number | null {
  const n = pairs.length;
  if (n < 2) return null;
  const mx = pairs.reduce((s, p) => s + p[0], 0) / n;
  const my = pairs.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}
