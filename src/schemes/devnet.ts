/**
 * How a scheme plugs into the devnet (`npm start`) and the comparison
 * (docs/compare.md §Schemes): each scheme exports `devnet: SchemeDevnet` from
 * `src/schemes/<name>/devnet.ts`. Everything the comparison needs to know
 * about a scheme is declared here, so `src/sim/` never branches on a name:
 * its contracts, its setup, the epochs it needs after the traffic to settle,
 * how its operations are driven at scale, and how long its phases take.
 */
import type { IgnitionModule } from "@nomicfoundation/ignition-core";
import type { Abi, Address } from "viem";
import type { Logger } from "../log.js";
import type { AccountingScheme } from "./scheme.js";
import type { ChainClients, RelayRole } from "../chain/types.js";
import type { SphinxParams } from "../crypto/sphinx/params.js";
import type { WireLayout } from "../net/frame.js";
import { InvalidInputError } from "../errors.js";
import { SCHEME_NAMES } from "./registry.js";

export type DevnetParticipant = {
  /** Human name used in logs and reports, e.g. "mix-2-1", "client-0". */
  name: string;
  /** Chain access with this participant's own funded account. */
  chain: ChainClients;
  /** Private data directory (its sqlite store lives here). */
  dataDir: string;
};

export type DevnetContext = {
  /** The deploying account (token owner, registry admin). */
  deployer: ChainClients;
  relays: (DevnetParticipant & { role: RelayRole })[];
  clients: DevnetParticipant[];
  /** Sphinx parameters and wire layout of the network (for services that build packets, e.g. audit loops). */
  packet: { params: SphinxParams; layout: WireLayout };
  /** Hops each participant prepays per relay before traffic, for a scheme that pays in advance. */
  prepaid?: PrepaidHops;
  /**
   * The network's data directory, when clients outside this process need the
   * scheme's services: each then also serves on loopback libp2p (TCP and
   * WebSockets) and says where in `<dataDir>/<service>/<service>.json`, as
   * its CLI command does (the tickets issuer: `issuer/issuer.json`, what
   * `obol tickets buy --data-dir` and `npm run web` read). Absent: in-process only.
   */
  servicesDir?: string;
  /**
   * How long after the chain enters an epoch every relay has seen it (its refresh period plus the
   * shared epoch cache, `relayEpochLagMs` of `src/sim/network.ts`): a packet a scheme files by epoch
   * must not reach a relay sooner after the turn.
   */
  relayEpochLagMs: number;
  /**
   * Set when the comparison enters an epoch during a workload: how long, from when a participant sees
   * that epoch, client traffic runs in it (the rest of the workload and the drain's bound, less a
   * packet's path delay), so a scheme whose checks must travel with client traffic spreads them over
   * it; the epoch does not turn before. Absent (a plain devnet): the scheme's own default.
   */
  epochTrafficMs?: number;
  log: Logger;
  signal: AbortSignal;
};

/**
 * How many hops each participant (client or relay) prepays per relay of each
 * role before traffic (`obol devnet --prepaid-gateway/--prepaid-mix`); a role
 * left out takes the scheme's default. Only schemes that buy payment in
 * advance read it (tickets: tokens per relay); the others ignore it.
 */
export type PrepaidHops = Partial<Record<RelayRole, number>>;

/**
 * Where the cost model takes an operation's calls per epoch at scale when the
 * scale probe only samples it (docs/compare.md §Cost model): the probe measures
 * its gas per call at each N, the main run its count, scaled by a printed parameter.
 * - `hop`: the run's calls ÷ the run's packet-hops × H hops per relay per epoch × N;
 * - `relay`: the run's calls ÷ the run's relays × N (e.g. audits, set by the auditors' loop rate).
 */
export type ScaleCount = "hop" | "relay";

/** What the settlement timeline can do: the comparison owns the clock and the progress messages. */
export type SettlementContext = {
  /** The deploying account. */
  chain: ChainClients;
  /** Every relay's registry address. */
  relays: readonly Address[];
  /** The epoch the workload started in. */
  trafficEpoch: bigint;
  /** The epoch entered halfway through the workload (`enterNextEpochDuringTraffic`), if it was. */
  enteredDuringTraffic: bigint | undefined;
  /** Moves the chain to `epoch` (one epoch of settlement), saying what happens in it. */
  advance(epoch: bigint, what: string): Promise<void>;
  /** Waits `ms` while relays and the scheme's services act (returns early on abort). */
  pause(ms: number): Promise<void>;
  /** Polls `cond` until it holds or `timeoutMs` passes; false on timeout (the report shows what settled). */
  until(timeoutMs: number, cond: () => Promise<boolean>): Promise<boolean>;
  log: Logger;
  signal: AbortSignal;
};

/** Enforcement checks a settlement ran (e.g. audited loops) and how many passed. */
export type SettlementResult = { audits?: { revealed: number; paid: number } };

export type SchemeSettlement = {
  /**
   * Enter the epoch after the workload's halfway through it, because the
   * scheme enforces in the epoch after its keys were set (audit loops must
   * travel with client packets).
   */
  enterNextEpochDuringTraffic: boolean;
  /** Moves the chain through the epochs after the workload in which the scheme credits relays. */
  run(context: SettlementContext): Promise<SettlementResult>;
};

/**
 * One epoch of a network of N listed relays, driven without client traffic,
 * to measure how the scheme's recurring operations grow with N
 * (docs/compare.md §Cost at scale). The comparison reads every transaction's
 * gas back from the chain; the scheme only sends them.
 */
export type ScaleContext = {
  /** The deploying account (token owner). */
  deployer: ChainClients;
  /** N relays listed in `epoch`, each holding tokens beyond its stake. */
  relays: readonly ChainClients[];
  /** The epoch the relays are listed in (current when the probe starts). */
  epoch: bigint;
  /** Moves the chain to `epoch` (opening it). */
  advance(epoch: bigint): Promise<void>;
  /**
   * Sends one operation's calls for the epoch, one per item. The first call
   * that fails marks `op` (`Contract.function`) failing at this N, with its
   * reason, and skips the operation's other calls.
   */
  each<T>(op: string, items: readonly T[], call: (item: T) => Promise<unknown>): Promise<void>;
  /** Runs one-time preparation (issuer registration, channel openings); its transactions are not the epoch's. */
  oneOff<T>(prepare: () => Promise<T>): Promise<T>;
  log: Logger;
  signal: AbortSignal;
};

/** What the chain paid relays under a scheme, read from its events (the soak checks it against the relays' databases). */
export type PaidOnChain = {
  /** Per relay (lower-case address), in the unit the scheme's `readCredit` counts. */
  paid: Map<string, bigint>;
  /** Payments the chain made twice for the same ticket (must be 0). */
  doublePaid: number;
  /** Redemption events read. */
  events: number;
};

/**
 * An economic attack a scheme declares (docs/compare.md §Attack scenarios):
 * the comparison runs it on a fresh chain with the scheme deployed, against
 * the real contracts and relay code, and reports whether it succeeded, the
 * value it moved and the faults recorded against honest relays.
 */
export type AttackContext = {
  /** The deploying account (token owner, registry admin). */
  deployer: ChainClients;
  /** `n` fresh accounts, each with gas money and `tokens` of ObolToken (default 1,000,000 OBOL). */
  accounts(n: number, tokens?: bigint): Promise<ChainClients[]>;
  /** Moves the chain's clock to `timestamp` (seconds) and mines a block there. */
  timeTo(timestamp: bigint): Promise<void>;
  /** A private directory for the scenario's stores. */
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
};

export type AttackOutcome = {
  /** The attacker reached its goal beyond chance (the scenario says what that is in `detail`). */
  succeeded: boolean;
  /** What the attack moved to the attacker (or withheld from honest relays), in token base units (wei). */
  valueMoved: bigint;
  /** Honest relays (and honest participants) whose recorded faults the comparison reads from the registry. */
  honest: readonly Address[];
  /** One line on what happened, with the figures behind `succeeded`. */
  detail: string;
};

export type AttackScenario = {
  /** Short stable name, used in the bench as `compare.attack.<name>.succeeded`. */
  name: string;
  /** Who the attacker is and what it does, one sentence. */
  attacker: string;
  /**
   * Runs the attack. With `control` the same attack runs against a
   * deliberately leaky variant (named in `control`), where it must succeed:
   * that shows the attack has power, so its failure on the real scheme means something.
   */
  run(context: AttackContext, options: { control: boolean }): Promise<AttackOutcome>;
  /** The leaky variant `run({ control: true })` attacks, if the scenario has one. */
  control?: string;
};

/**
 * A scheme that pays by lottery (docs/compare.md §Win-probability sweep):
 * its win probability is a parameter of its deployment, so the comparison
 * can run the real relays and contracts at several values and measure gas
 * against payout variance. The comparison never knows how the scheme sets it.
 */
export type SchemeLottery = {
  /** Win probabilities the sweep runs by default, the scheme's own default among them. */
  probabilities: readonly number[];
  /** The scheme's default win probability (its devnet and relays use it unless the sweep sets another). */
  defaultProbability: number;
  /**
   * The devnet hook and the scheme as deployed at win probability `p`
   * (the contract parameter, the relays' and payers' parameters, and any
   * settlement the lottery needs), for a workload spanning `epochs` epochs
   * (default 1; a scheme that buys per epoch buys for each). `p` is rounded
   * to what the scheme can express; `probability` says the value deployed.
   *
   * @throws InvalidInputError when `p` is outside (0, 1].
   */
  at(
    p: number,
    epochs?: number,
  ): { probability: number; devnet: SchemeDevnet; wrap(scheme: AccountingScheme): AccountingScheme };
};

export type SchemeDevnet = {
  /** Set when the scheme pays by lottery; absent for deterministic payment. */
  lottery?: SchemeLottery;
  /** Ignition module deploying the scheme's contracts on top of `ObolCore`. */
  module?: IgnitionModule;
  /** The scheme's contracts by deployment name: gas, payouts and events are attributed to them. */
  contracts: readonly { name: string; abi: Abi }[];
  /** Epochs after the traffic before relays are credited; none when claims after the traffic settle everything. */
  settlement?: SchemeSettlement;
  /**
   * Sends one epoch of every recurring transaction of a network of N relays
   * for this scheme: those it makes per epoch whatever the traffic
   * (commitments, top-ups, purchases, beacons, snapshots) as that network
   * would, and those that follow traffic or audits (redemptions, reveals,
   * proofs) as a sample with valid inputs, named in `sampled`. Absent for a
   * scheme with no chain operations.
   */
  scaleEpoch?(context: ScaleContext): Promise<void>;
  /**
   * Operations `scaleEpoch` sends only as a sample (`Contract.function`), with
   * where the cost model takes their calls per epoch from (§Cost model).
   */
  sampled?: Readonly<Record<string, ScaleCount>>;
  /** Recurring operations `scaleEpoch` does not drive, and why (printed beside the measured ones). */
  unprobed?: readonly { op: string; why: string }[];
  /** Every payment to a relay since the deployment's start block; absent for a scheme that pays nothing. */
  paidOnChain?(chain: ChainClients): Promise<PaidOnChain>;
  /** Economic attacks on the scheme the comparison runs, each on a fresh chain (docs/compare.md §Attack scenarios). */
  attacks?: readonly AttackScenario[];
  /** Expected seconds of setup and settlement on 2 cores, for the progress ETA only (never a figure). */
  expectedSeconds: { setup: number; settlement: number };
  /**
   * One-time setup after deployment and relay registration, before traffic:
   * fund pools, open channels, buy tokens, register keys, start services.
   * Returns a function that stops whatever it started.
   */
  setup(context: DevnetContext): Promise<() => Promise<void>>;
};

/**
 * Loads the devnet hook of a scheme (`src/schemes/<name>/devnet.ts`).
 *
 * @param name scheme name.
 * @returns the hook.
 * @throws InvalidInputError on an unknown scheme or a devnet file without `devnet`.
 * @example
 * const hook = await loadSchemeDevnet(name);
 * const modules = hook.module ? [hook.module] : [];
 */
export async function loadSchemeDevnet(name: string): Promise<SchemeDevnet> {
  if (!(SCHEME_NAMES as readonly string[]).includes(name))
    throw new InvalidInputError("scheme", `unknown scheme "${name}"`, {
      hint: `choose one of: ${SCHEME_NAMES.join(", ")}`,
    });
  const mod = (await import(/* @vite-ignore */ `./${name}/devnet.js`)) as { devnet?: SchemeDevnet };
  if (!mod.devnet) throw new InvalidInputError("scheme", `src/schemes/${name}/devnet.ts exports no \`devnet\``);
  return mod.devnet;
}
