/**
 * Progress of `obol compare` on stderr (cli-progress): one bar for the whole
 * comparison with its ETA, one for the current scheme's phase. Phases are
 * recognised from the devnet's step messages; the traffic phase advances
 * with the workload's own clock. Without a terminal, a line every 5 s.
 */
import cliProgress from "cli-progress";
import type { SchemeName } from "../../schemes/scheme.js";
import type { DevnetProgress } from "../devnet.js";

/** Phases of one scheme's turn, in order, and the step text that starts each. */
const PHASES: { name: string; starts: RegExp }[] = [
  { name: "chain", starts: /^(starting Hardhat|using the chain)/ },
  { name: "deploy", starts: /^deploying/ },
  { name: "register relays", starts: /^(funding and registering|entering the epoch)/ },
  { name: "scheme setup", starts: /^setting up scheme/ },
  { name: "start relays + clients", starts: /^(starting \d+ relays|connecting relays|starting \d+ clients)/ },
  { name: "traffic", starts: /^exchanging messages/ },
  { name: "claims", starts: /^relays claim what they earned/ },
  { name: "settlement", starts: /^(settling|relays claim what settlement)/ },
  { name: "read back chain", starts: /^(reading every receipt|reading the chain's event logs|shutting down)/ },
  { name: "scale", starts: /^scale: / },
];

export class Progress {
  readonly #bars: cliProgress.MultiBar;
  readonly #overall: cliProgress.SingleBar;
  readonly #phase: cliProgress.SingleBar;
  readonly #total: number;
  /** Expected seconds of each phase of each scheme (ETA weights), and their running sums. */
  readonly #weights: number[][];
  readonly #before: number[];
  #index = 0;
  #phaseIndex = 0;
  #stopped = false;
  readonly #started = Date.now();

  /** Seeds per scheme: the first runs every phase, the others one more workload each on the same network, for the adversaries. */
  readonly #seeds: number;
  /** Expected seconds of one further seed: its workload and drain. */
  readonly #extra: number;
  #seed = 0;

  /**
   * @param schemes.expectedSeconds each scheme's own estimate of its setup and settlement (`SchemeDevnet.expectedSeconds`).
   */
  constructor(
    stream: NodeJS.WriteStream,
    {
      schemes,
      durationS,
      seeds = 1,
      scaleRelays = [],
    }: {
      schemes: { expectedSeconds: PhaseEstimate; scaleEpoch?: unknown }[];
      durationS: number;
      seeds?: number;
      scaleRelays?: readonly number[];
    },
  ) {
    this.#seeds = seeds;
    this.#extra = durationS + 8;
    // The scale probe: a chain and deployment per N, then ~0.3 s per relay registered (2 cores, loaded).
    const scale = scaleRelays.reduce((s, n) => s + 20 + 0.3 * n, 0);
    this.#weights = schemes.map((scheme) =>
      phaseWeights(scheme.expectedSeconds, durationS, scheme.scaleEpoch ? scale : 0),
    );
    const perScheme = (w: number[]) => sum(w) + (seeds - 1) * this.#extra;
    this.#before = this.#weights.map((_, i) => this.#weights.slice(0, i).reduce((a, w) => a + perScheme(w), 0));
    this.#total = this.#weights.reduce((a, w) => a + perScheme(w), 0);
    this.#bars = new cliProgress.MultiBar(
      {
        stream,
        format: "{label} [{bar}] {percentage}% | {detail}",
        hideCursor: true,
        clearOnComplete: false,
        noTTYOutput: !stream.isTTY,
        notTTYSchedule: 5_000,
        etaBuffer: 50,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
    this.#overall = this.#bars.create(Math.round(this.#total), 0, { label: "comparison".padEnd(10), detail: "ETA –" });
    this.#phase = this.#bars.create(100, 0, { label: "".padEnd(10), detail: "" });
  }

  /** A scheme's turn begins. */
  scheme(scheme: SchemeName, index: number): void {
    this.#index = index;
    this.#phaseIndex = 0;
    this.#seed = 0;
    this.#phase.update(0, { label: scheme.padEnd(10), detail: "starting" });
    this.#tick();
  }

  /** A devnet step message: moves to the phase it starts, shows it. */
  step(scheme: SchemeName, step: string): void {
    const seed = /^seed (\d+)\/\d+: /.exec(step);
    if (seed && Number(seed[1]) - 1 !== this.#seed) {
      this.#seed = Number(seed[1]) - 1;
      this.#phaseIndex = 0;
    }
    const bare = seed ? step.slice(seed[0].length) : step;
    const p = PHASES.findIndex((x) => x.starts.test(bare));
    if (p >= this.#phaseIndex) this.#phaseIndex = p;
    this.#phase.update(p === PHASES.length - 1 ? 100 : 0, {
      label: scheme.padEnd(10),
      detail: `${PHASES[this.#phaseIndex]!.name}: ${step}`,
    });
    this.#tick();
  }

  /** Workload progress inside the traffic phase. */
  traffic(scheme: SchemeName, p: DevnetProgress): void {
    const fraction = Math.min(1, p.elapsedS / Math.max(1, p.durationS));
    this.#phase.update(Math.round(fraction * 100), {
      label: scheme.padEnd(10),
      detail: `traffic: ${Math.min(p.elapsedS, p.durationS).toFixed(0)}/${p.durationS} s, sent ${p.sent}, delivered ${p.delivered}, relay packets ${p.packets}`,
    });
    this.#tick(fraction);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#overall.update(this.#overall.getTotal());
    this.#bars.stop();
  }

  #tick(within = 0): void {
    const w = this.#weights[this.#index] ?? [];
    const done =
      (this.#before[this.#index] ?? 0) +
      (this.#seed === 0
        ? w.slice(0, this.#phaseIndex).reduce((a, b) => a + b, 0) + (w[this.#phaseIndex] ?? 0) * within
        : sum(w) + (this.#seed - 1 + within) * this.#extra);
    this.#overall.update(Math.round(done), {
      detail: `scheme ${this.#index + 1}${this.#seeds > 1 ? `, seed ${this.#seed + 1}/${this.#seeds}` : ""}, phase ${this.#phaseIndex + 1}/${PHASES.length}, ETA ${eta((Date.now() - this.#started) / 1000, done, this.#total)}`,
    });
  }
}

/** Seconds a scheme expects its own phases to take (from `SchemeDevnet`). */
export type PhaseEstimate = { setup: number; settlement: number };

/**
 * Relative length of each phase (seconds on a 2-core machine, from runs of
 * the default topology): only for the ETA, never reported as a figure.
 */
function phaseWeights({ setup, settlement }: PhaseEstimate, durationS: number, scale: number): number[] {
  return [6, 3, 3, setup, 3, durationS + 8, 2, settlement, 3, scale];
}

const sum = (w: number[]) => w.reduce((a, b) => a + b, 0);

/** Remaining time at the average pace so far (phases differ in length, so it settles as schemes complete). */
function eta(elapsed: number, done: number, total: number): string {
  if (done <= 0) return "–";
  const left = Math.max(0, (elapsed / done) * (total - done));
  return left >= 60 ? `${Math.floor(left / 60)} min ${Math.round(left % 60)} s` : `${Math.round(left)} s`;
}
