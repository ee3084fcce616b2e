/**
 * `obol compare` / `npm start` (docs/compare.md): the same seeded workload on
 * the same topology under each scheme in turn, each on a fresh chain and
 * deployment, then the scale model and the conclusions. Charts and files are
 * written by `src/sim/report/write.ts`.
 */
import { DEFAULT_RATES } from "../../client/loopix.js";
import type { Logger } from "../../log.js";
import type { SchemeName } from "../../schemes/scheme.js";
import type { DevnetProgress } from "../devnet.js";
import { loadSchemeDevnet, type ScaleCount, type SchemeDevnet } from "../../schemes/devnet.js";
import type { CompareReport, MeasuredScale, SchemeNotRun, SchemeRun } from "../report/types.js";
import { measureScale } from "./scale-probe.js";
import { join } from "node:path";
import { conclusions } from "./conclusions.js";
import { CompareInputError } from "./errors.js";
import { scaleCost, type ScaleParameters, type ScaleRow } from "./scale.js";
import { carriedSeeds, summariseLinking, type SeedRun } from "./adversaries.js";
import { runScheme } from "./scheme-run.js";
import { runAttacks, type AttackRow } from "./attacks.js";
import { sweep } from "./sweep.js";
import { sweepLottery, type MeasuredSweepRow } from "./lottery-sweep.js";

export type CompareOptions = {
  schemes: SchemeName[];
  gateways?: number;
  mixesPerLayer?: number;
  clients?: number;
  durationS?: number;
  seed?: string;
  /** Seeds the linking adversaries run on (the first runs everything; default 3, `--full` 10). */
  seeds?: number;
  /** A running development chain to use instead of a fresh local Hardhat node per scheme. */
  rpcUrl?: string | undefined;
  messagesPerS?: number;
  relayLoopPerS?: number;
  /** Relay counts at which each scheme's recurring operations are measured on a fresh chain (§Cost at scale); none by default. */
  scaleRelays?: number[];
  /** Run each scheme's declared economic attacks on a fresh chain (§Attack scenarios); default true. */
  attacks?: boolean;
  /**
   * The win-probability sweep on the chain (§Win-probability sweep): each lottery scheme run again at each of its
   * probabilities, over `epochs` epochs of `durationS` seconds of traffic in all; not run when absent.
   */
  lotterySweep?: { epochs: number; durationS: number; probabilities?: readonly number[] };
  /** Experiment (a): share of packets the dropping mix does not forward. */
  dropFraction?: number;
  /** State root; each scheme gets `<dataDir>/<scheme>`. */
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  /** A scheme's turn starts (`index` of `total`). */
  onScheme?: (scheme: SchemeName, index: number, total: number) => void;
  onStep?: (scheme: SchemeName, step: string) => void;
  onProgress?: (scheme: SchemeName, progress: DevnetProgress) => void;
};

/** The scale model's parameters beside the measurements (docs/compare.md §Cost model), printed in the report. */
export const SCALE_TRAFFIC = {
  clientsPerRelay: 10,
  hopsPerPacket: 5,
  epochSeconds: 3_600,
  blockGasLimit: 36_000_000,
  blockSeconds: 12,
} as const;
/** Relay counts the model extrapolates to beyond the probed ones, by each operation's fitted exponents. */
export const SCALE_RELAYS = [1_000, 100_000, 1_000_000];

/** The model's parameters for the probed relay counts (they come first, measured) and `SCALE_RELAYS` beyond them. */
export function scaleParameters(probed: readonly number[]): ScaleParameters {
  const packetsPerClientPerS = DEFAULT_RATES.payloadPerS + DEFAULT_RATES.loopPerS + DEFAULT_RATES.dropPerS;
  return {
    relayCounts: [...new Set([...probed, ...SCALE_RELAYS])].sort((a, b) => a - b),
    clientsPerRelay: SCALE_TRAFFIC.clientsPerRelay,
    packetsPerClientPerS,
    hopsPerPacket: SCALE_TRAFFIC.hopsPerPacket,
    epochSeconds: SCALE_TRAFFIC.epochSeconds,
    hopsPerRelayPerEpoch:
      SCALE_TRAFFIC.clientsPerRelay * packetsPerClientPerS * SCALE_TRAFFIC.hopsPerPacket * SCALE_TRAFFIC.epochSeconds,
    blockGasLimit: SCALE_TRAFFIC.blockGasLimit,
    blockSeconds: SCALE_TRAFFIC.blockSeconds,
  };
}

/**
 * Runs the comparison and returns the report (without charts).
 *
 * @throws CompareInputError on a bad scheme list or topology.
 * @example
 * const report = await runComparison({ schemes: [...SCHEME_NAMES], dataDir, log, signal });
 */
export async function runComparison(o: CompareOptions): Promise<CompareReport> {
  const {
    gateways = 2,
    mixesPerLayer = 3,
    clients = 4,
    durationS = 20,
    seed = "1",
    seeds: seedCount = 3,
    messagesPerS = 0.5,
    relayLoopPerS = 0.2,
    dropFraction = 0.1,
    scaleRelays = [],
  } = o;
  if (!scaleRelays.every((n) => Number.isInteger(n) && n >= 1 && n <= 10_000))
    throw new CompareInputError("scaleRelays", `must be integers in 1..10000, got ${scaleRelays.join(",")}`);
  if (!Number.isInteger(seedCount) || seedCount < 1 || seedCount > 100)
    throw new CompareInputError("seeds", `must be an integer in 1..100, got ${seedCount}`);
  const seeds = Array.from({ length: seedCount }, (_, i) => (i === 0 ? seed : `${seed}.${i + 1}`));
  if (o.schemes.length === 0) throw new CompareInputError("schemes", "must name at least one scheme");
  if (new Set(o.schemes).size !== o.schemes.length) throw new CompareInputError("schemes", "lists a scheme twice");
  if (!Number.isInteger(gateways) || gateways < 1)
    throw new CompareInputError("gateways", `must be an integer ≥ 1, got ${gateways}`);
  if (!Number.isInteger(mixesPerLayer) || mixesPerLayer < 1)
    throw new CompareInputError("mixesPerLayer", `must be an integer ≥ 1, got ${mixesPerLayer}`);
  if (!Number.isInteger(clients) || clients < 1)
    throw new CompareInputError("clients", `must be an integer ≥ 1, got ${clients}`);
  if (1 + gateways + 3 * mixesPerLayer + clients > 20)
    throw new CompareInputError(
      "relays/clients",
      `${gateways} gateways + ${3 * mixesPerLayer} mixes + ${clients} clients + deployer exceed the 20 funded dev accounts`,
    );
  if (!(durationS > 0)) throw new CompareInputError("durationS", `must be > 0, got ${durationS}`);
  if (!(dropFraction >= 0 && dropFraction < 1))
    throw new CompareInputError("dropFraction", `must be in [0, 1), got ${dropFraction}`);

  const schemes: (SchemeRun | SchemeNotRun)[] = [];
  const sampled = new Map<SchemeName, Readonly<Record<string, ScaleCount>>>();
  const measured: MeasuredScale = { relayCounts: scaleRelays, schemes: [] };
  const linking = new Map<SchemeName, SeedRun[]>();
  const attacks: AttackRow[] = [];
  const lotteryRows: MeasuredSweepRow[] = [];
  for (const [i, scheme] of o.schemes.entries()) {
    o.signal.throwIfAborted();
    o.onScheme?.(scheme, i, o.schemes.length);
    try {
      const devnet = await loadSchemeDevnet(scheme);
      sampled.set(scheme, devnet.sampled ?? {});
      const { run, linking: runs } = await runScheme({
        scheme,
        devnet,
        dataDir: o.dataDir,
        durationS,
        seed,
        extraSeeds: seeds.slice(1),
        gateways,
        mixesPerLayer,
        clients,
        messagesPerS,
        relayLoopPerS,
        dropFraction,
        rpcUrl: o.rpcUrl,
        log: o.log,
        signal: o.signal,
        onStep: (step) => o.onStep?.(scheme, step),
        onProgress: (progress) => o.onProgress?.(scheme, progress),
      });
      schemes.push({ ...run, linking: [], workloads: [] });
      if (o.lotterySweep && devnet.lottery)
        lotteryRows.push(
          ...(await sweepLottery({
            scheme,
            devnet,
            probabilities: o.lotterySweep.probabilities ?? devnet.lottery.probabilities,
            epochs: o.lotterySweep.epochs,
            durationS: o.lotterySweep.durationS,
            seed,
            gateways,
            mixesPerLayer,
            clients,
            messagesPerS,
            relayLoopPerS,
            dataDir: join(o.dataDir, scheme, "sweep"),
            log: o.log,
            signal: o.signal,
            onStep: (step) => o.onStep?.(scheme, `sweep ${step}`),
          })),
        );
      linking.set(scheme, runs);
      if (scaleRelays.length > 0 && devnet.scaleEpoch) {
        const t = Date.now();
        const unprobed = [...(devnet.unprobed ?? [])];
        try {
          const { growth } = await measureScale(devnet, {
            relayCounts: scaleRelays,
            dataDir: join(o.dataDir, scheme, "scale"),
            log: o.log,
            signal: o.signal,
            onStep: (step) => o.onStep?.(scheme, step),
          });
          measured.schemes.push({ scheme, seconds: (Date.now() - t) / 1000, growth, unprobed });
        } catch (error) {
          // The scheme's run is measured; a probe that could not run is reported as such, not as a failed scheme.
          if (o.signal.aborted) throw error;
          o.log.error({ err: error, scheme }, "scale probe failed");
          measured.schemes.push({
            scheme,
            seconds: (Date.now() - t) / 1000,
            growth: [],
            unprobed: [
              { op: "every operation", why: `the probe failed: ${(error as Error).message.split("\n")[0]}` },
              ...unprobed,
            ],
          });
        }
      }
      if (o.attacks !== false) attacks.push(...(await schemeAttacks(scheme, devnet, o)));
    } catch (error) {
      if (o.signal.aborted) throw error;
      o.log.error({ err: error, scheme }, "scheme run failed");
      schemes.push({ scheme, status: "not-run", reason: `run failed: ${(error as Error).message.split("\n")[0]}` });
    }
  }

  // Each scheme against free on the same seeds (a scheme leaks iff it beats free beyond the interval); a seed whose
  // workload the scheme did not carry (under a quarter of free's packet-hops) is a gap, left out of the intervals.
  for (const s of schemes)
    if (s.status === "ok") {
      const [runs, free] = [linking.get(s.scheme) ?? [], linking.get("free") ?? null];
      s.workloads = carriedSeeds(runs, free);
      s.linking = summariseLinking(runs, free);
    }

  const parameters = scaleParameters(scaleRelays);
  const rows: ScaleRow[] = [];
  for (const s of schemes) {
    const probe = measured.schemes.find((m) => m.scheme === s.scheme);
    if (s.status !== "ok" || !probe || probe.growth.length === 0) continue;
    const calls = new Map(s.gas.operations.map((x) => [`${x.contract}.${x.op}`, x.count]));
    rows.push(
      ...scaleCost(
        s.scheme,
        probe.growth,
        sampled.get(s.scheme) ?? {},
        { calls, hops: s.hops, relays: s.relays.length },
        parameters,
      ),
    );
  }
  const report: CompareReport = {
    version: 1,
    createdAt: new Date().toISOString(),
    seed,
    seeds,
    durationS,
    topology: { gateways, mixesPerLayer, clients },
    chain: { rpcUrl: o.rpcUrl ?? null, epochSeconds: 3_600 },
    workload: { messagesPerS, ...DEFAULT_RATES, relayLoopPerS },
    schemes,
    attacks,
    scale: { parameters, rows, measured },
    sweep: {
      hopsPerRelayPerEpoch: parameters.hopsPerRelayPerEpoch,
      rows: sweep(
        schemes.flatMap((s) =>
          s.status === "ok" && s.gas.steady?.gasPerPayout
            ? [{ scheme: s.scheme, gasPerPayout: s.gas.steady.gasPerPayout }]
            : [],
        ),
        parameters.hopsPerRelayPerEpoch,
      ),
      ...(o.lotterySweep
        ? { measured: { epochs: o.lotterySweep.epochs, durationS: o.lotterySweep.durationS, rows: lotteryRows } }
        : {}),
    },
    conclusions: [],
    charts: [],
  };
  report.conclusions = conclusions(report);
  return report;
}

/** The scheme's attack scenarios; a harness that cannot start is one row saying why, not a failed scheme. */
async function schemeAttacks(scheme: SchemeName, devnet: SchemeDevnet, o: CompareOptions): Promise<AttackRow[]> {
  const t = Date.now();
  try {
    return await runAttacks(scheme, devnet, {
      dataDir: join(o.dataDir, scheme, "attacks"),
      log: o.log,
      signal: o.signal,
      onStep: (step) => o.onStep?.(scheme, step),
    });
  } catch (error) {
    if (o.signal.aborted) throw error;
    o.log.error({ err: error, scheme }, "attack scenarios failed");
    const reason = (error as Error).message.split("\n")[0]!;
    return (devnet.attacks ?? []).map((a) => ({
      scheme,
      name: a.name,
      attacker: a.attacker,
      succeeded: null,
      valueMoved: "0",
      honestFaults: 0,
      detail: "",
      control: null,
      seconds: (Date.now() - t) / 1000,
      error: `the harness failed: ${reason}`,
    }));
  }
}
