/**
 * The comparison's pure parts: the linking adversaries on synthetic
 * transcripts whose answer is known (a deliberately leaky control vs. free), and the scale model's arithmetic on known measurements.
 */
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import {
  carriedSeeds,
  interval,
  MIN_CARRIED_SHARE,
  standardAdversaries,
  summariseLinking,
  type LinkingSummary,
} from "../../src/sim/compare/adversaries.js";
import { indexTranscript, linkingAttack, type Transcript } from "../../src/sim/compare/linking.js";
import { seededRandom } from "../../src/sim/random.js";
import type { HopObservation, SentPacket } from "../../src/sim/compare/instrument.js";
import { scaleCost } from "../../src/sim/compare/scale.js";
import { growthOf, type OperationGrowth } from "../../src/sim/compare/scale-probe.js";
import { sweep, WIN_PROBABILITIES } from "../../src/sim/compare/sweep.js";

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString("hex")}` as Hex;

/**
 * A seeded synthetic network with a known answer: 4 clients on 2 gateways,
 * 2 mixes per layer with exponential delays, 240 packets. `slot(sender)` is
 * what the scheme under test writes in every hop's slot: nothing (`free`),
 * or a per-client tag (the deliberately leaky control), which each client
 * also puts in a chain deposit.
 */
function synthetic(seed: string, leaky: boolean, { replies = 0 } = {}): Transcript {
  const random = seededRandom(seed);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const payRandom = seededRandom(`${seed}/payment`); // the same traffic with and without the leak
  const payBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(payRandom() * 256));
  const clients = [0, 1, 2, 3].map((i) => addr(0xc0 + i));
  const gateways = [addr(0x10), addr(0x11)];
  const layers = [1, 2, 3].map((l) => [addr(0x20 + 2 * l), addr(0x21 + 2 * l)]);
  const peerOf = (a: Address) => `peer-${a.slice(-2)}`;
  const tags = clients.map(() => payBytes(16));
  const observations: HopObservation[] = [];
  const sent: SentPacket[] = [];
  let counter = 0;
  for (let p = 0; p < 240; p++) {
    const c = Math.floor(random() * 4);
    const builder = p < replies ? (c + 1) % 4 : c; // a reply: built (and paid) by another client, sent by c
    const route = [
      gateways[c % 2]!,
      ...layers.map((l) => l[Math.floor(random() * 2)]!),
      gateways[Math.floor(random() * 2)]!,
    ];
    const ss = route.map(() => `0x${(++counter).toString(16).padStart(64, "0")}` as Hex);
    let t = p * 60 + random() * 30;
    sent.push({ t, sender: clients[builder]!, kind: p < replies ? "reply" : "payload", route, ss });
    route.forEach((relay, hop) => {
      if (hop > 0) t += (hop <= 3 ? -200 * Math.log(1 - random()) : 0) + 2;
      const slot = leaky ? Uint8Array.from([...tags[builder]!, ...payBytes(8)]) : new Uint8Array(0);
      observations.push({
        t,
        relay,
        fromPeer: hop === 0 ? `client-${c}` : peerOf(route[hop - 1]!),
        nextHop: route[hop + 1] ?? null,
        slot,
        attachment: new Uint8Array(0),
        packetRef: hex(bytes(32)),
        ss: ss[hop]!,
      });
    });
  }
  const relays = [...gateways, ...layers.flat()];
  return {
    observations,
    receipts: [],
    sent,
    chainLogs: leaky
      ? clients.map((from, i) => ({
          block: 1n,
          timestamp: 0n,
          from,
          contract: "Deposit",
          topics: [],
          data: hex(tags[i]!),
        }))
      : [],
    relayPeers: new Map(relays.map((r) => [peerOf(r), r])),
    clientPeers: new Map(clients.map((a, i) => [`client-${i}`, a])),
    clients,
    roles: new Map(relays.map((r) => [r.toLowerCase(), gateways.includes(r) ? "gateway" : "mix"])),
    meanDelayMs: 200,
  };
}

const directory = (t: Transcript) =>
  [...t.roles].map(([relay, role]) => ({
    relay: relay as Address,
    role: role as "gateway" | "mix",
    layer: role === "gateway" ? 0 : [0, 0, 1, 1, 2, 2, 3, 3][Number.parseInt(relay.slice(-2), 16) - 0x20]!,
  }));
const seeds = ["a", "b", "c"];
const runAll = (leaky: boolean) =>
  seeds.map((seed) => {
    const t = synthetic(seed, leaky);
    return { seed, results: standardAdversaries(directory(t)).map((a) => linkingAttack(indexTranscript(t), a)) };
  });

describe("linking adversaries on known inputs", () => {
  const free = runAll(false);
  const leaky = runAll(true);
  const byId = (summary: LinkingSummary[], id: string) => summary.find((l) => l.adversary === id)!;

  it("names the adversaries from the directory by role and layer", () => {
    expect(standardAdversaries(directory(synthetic("a", false))).map((a) => a.id)).toEqual([
      "E1",
      "E1-reply",
      "E2-mix",
      "E2-order",
      "E2-order-chain",
      "E2-chain",
      "E3",
      "E4",
      "E4+2",
      "E4-n-1",
    ]);
  });

  it("finds the sender tag of a deliberately leaky scheme, and says it leaks", () => {
    const summary = summariseLinking(leaky, free);
    // Every client's deposit names its tag on chain: the tag names the sender at every hop.
    expect(byId(summary, "E2-chain").accuracy.mean).toBe(1);
    // The gateway learns the tags of its own clients from their first hops (half of them), and links those everywhere.
    expect(byId(summary, "E1").accuracy.mean).toBeGreaterThan(0.45);
    for (const id of ["E1", "E2-chain"]) {
      const l = byId(summary, id);
      expect(l.diffVsFree!.low).toBeGreaterThan(0);
      expect(l.leaks).toBe(true);
    }
    // One mix alone has no labelled source for the tag (no first hop, no chain): it cannot use it, and the scheme does not leak to it.
    expect(byId(summary, "E2-mix").leaks).toBe(false);
  });

  it("counts no linking figure of a seed whose workload carried under a quarter of free's packet-hops, and names it", () => {
    // The leaky control again, but its second seed carried almost nothing (clients that could not pay).
    const starved = leaky.map((r, i) => ({ ...r, hops: i === 1 ? 10 : 1000 }));
    const base = free.map((r) => ({ ...r, hops: 1000 }));
    expect(carriedSeeds(starved, base).map((w) => [w.seed, w.carried])).toEqual(leaky.map((r, i) => [r.seed, i !== 1]));
    const all = byId(summariseLinking(leaky, free), "E2-chain");
    const kept = byId(summariseLinking(starved, base), "E2-chain");
    // Listed per seed, left out of the interval and of the pairing with free.
    expect(kept.perSeed.map((x) => x.seed)).toEqual(all.perSeed.map((x) => x.seed));
    expect(kept.accuracy.n).toBe(all.accuracy.n - 1);
    expect(kept.diffVsFree!.n).toBe(all.diffVsFree!.n - 1);
    // At exactly a quarter the seed counts.
    expect(carriedSeeds([{ ...starved[1]!, hops: 250 }], base)[0]!.carried).toBe(true);
    expect(MIN_CARRIED_SHARE).toBe(0.25);
  });

  it("gives free no leak against itself, and accuracy near what context gives for a lone mix", () => {
    const summary = summariseLinking(free, free);
    for (const l of summary.filter((x) => x.adversary !== "E1-reply" && x.adversary !== "E3")) {
      expect(l.leaks).toBe(false);
      expect(l.diffVsFree!.mean).toBe(0);
    }
    // No replies in this traffic: the reply adversary saw nothing, so there is no verdict rather than a made-up one.
    expect(byId(summary, "E1-reply").leaks).toBeNull();
    // No audit loops (every packet was paid for): the dropper has nothing to classify, n/a.
    expect(byId(summary, "E3").accuracy.n).toBe(0);
    const mix = byId(summary, "E2-mix");
    expect(mix.perSeed.every((r) => r.targets > 0)).toBe(true);
    expect(mix.accuracy.mean).toBeLessThanOrEqual(mix.chance.mean + 0.05);
    // A global observer of timings links better than a lone mix (the timing attack works).
    expect(byId(summary, "E4").accuracy.mean).toBeGreaterThan(mix.accuracy.mean);
  });

  it("finds who a reply goes to when the reply block carries its builder's tag, and not under free", () => {
    const run = (leaky: boolean) =>
      seeds.map((seed) => {
        const t = synthetic(seed, leaky, { replies: 120 });
        return { seed, results: standardAdversaries(directory(t)).map((a) => linkingAttack(indexTranscript(t), a)) };
      });
    const leak = byId(summariseLinking(run(true), run(false)), "E1-reply");
    expect(leak.perSeed.every((r) => r.targets > 20)).toBe(true);
    expect(leak.accuracy.mean).toBe(1); // the builder's deposit on chain names its tag
    expect(leak.free!.mean).toBeLessThan(0.6);
    expect(leak.leaks).toBe(true);
  });

  it("scores a reply against its replier, not the client that built and paid for the reply block", () => {
    const t = synthetic("r", false, { replies: 240 });
    const ix = indexTranscript(t);
    const first = t.observations.filter((o) => !t.relayPeers.has(o.fromPeer));
    for (const o of first) {
      const packet = t.sent.findIndex((p) => p.ss.includes(o.ss));
      expect(ix.senderOf[packet]).toBe(t.clientPeers.get(o.fromPeer));
      expect(ix.senderOf[packet]).not.toBe(t.sent[packet]!.sender);
    }
    // The entry gateway plus every mix trace each packet to the connection it came from: all correct only if truth is the replier.
    const all = linkingAttack(ix, {
      id: "all",
      description: "every relay",
      relays: [...t.roles.keys()] as Address[],
      global: false,
      chain: false,
    });
    expect(all.accuracy).toBe(1);
  });

  it("the n−1 attack fails exactly when the mix's own cover leaves first", () => {
    const t = synthetic("n", false);
    const mix = [...t.roles.keys()].find((r) => t.roles.get(r) === "mix")! as Address;
    const ix = indexTranscript(t);
    const alone = linkingAttack(ix, {
      id: "n-1",
      description: "",
      relays: [mix],
      global: true,
      chain: false,
      nMinus1: mix,
    });
    expect(alone.targets).toBeGreaterThan(0);
    expect(alone.accuracy).toBe(1); // no cover traffic from the mix: every target singled out
    // The mix sends a loop of its own right after every arrival: each one leaves before the target.
    const covered = { ...t, observations: [...t.observations], sent: [...t.sent] };
    for (const o of t.observations.filter((x) => x.relay === mix)) {
      const ss = `0x${"f".repeat(8)}${o.ss.slice(10)}` as Hex;
      covered.sent.push({ t: o.t, sender: mix, kind: "loop", route: [addr(0x10)], ss: [ss] });
      covered.observations.push({
        t: o.t + 1,
        relay: addr(0x10),
        fromPeer: `peer-${mix.slice(-2)}`,
        nextHop: null,
        slot: new Uint8Array(0),
        attachment: new Uint8Array(0),
        packetRef: ss,
        ss,
      });
    }
    const defended = linkingAttack(indexTranscript(covered), {
      id: "n-1",
      description: "",
      relays: [mix],
      global: true,
      chain: false,
      nMinus1: mix,
    });
    expect(defended.targets).toBe(alone.targets);
    expect(defended.accuracy).toBeLessThan(0.1);
  });

  it("leaves out seeds where the adversary saw nothing, instead of counting them as wrong", () => {
    const r = (seed: string, targets: number, correct: number) => ({
      seed,
      results: [
        {
          adversary: "E",
          description: "",
          targets,
          correct,
          accuracy: targets ? correct / targets : 0,
          pairTargets: 0,
          pairCorrect: 0,
          pairAccuracy: null,
          chance: targets ? 0.5 : 0,
          uniform: 0.5,
        },
      ],
    });
    const [l] = summariseLinking(
      [r("a", 10, 6), r("b", 0, 0), r("c", 10, 6)],
      [r("a", 10, 5), r("b", 10, 5), r("c", 10, 5)],
    );
    expect(l!.perSeed).toHaveLength(3);
    expect(l!.accuracy).toEqual({ mean: 0.6, low: 0.6, high: 0.6, n: 2 });
    expect(l!.chance.mean).toBe(0.5);
    expect(l!.diffVsFree!.n).toBe(2);
    expect(l!.diffVsFree!.mean).toBeCloseTo(0.1, 9);
  });

  it("interval: mean with a Student-t half-width, degenerate for one seed", () => {
    const x = interval([0.4, 0.5, 0.6]);
    expect(x.mean).toBeCloseTo(0.5);
    expect(x.high - x.mean).toBeCloseTo(4.303 * (0.1 / Math.sqrt(3)), 6);
    expect(interval([0.3])).toEqual({ mean: 0.3, low: 0.3, high: 0.3, n: 1 });
  });
});

describe("scale model", () => {
  const parameters = {
    relayCounts: [10, 100, 1_000],
    clientsPerRelay: 1,
    packetsPerClientPerS: 1,
    hopsPerPacket: 1,
    epochSeconds: 3_600,
    hopsPerRelayPerEpoch: 50,
    blockGasLimit: 1_000_000,
    blockSeconds: 12,
  };
  const point = (relays: number, calls: number, gasPerCall: number) => ({
    relays,
    calls,
    gasPerEpoch: calls * gasPerCall,
    failed: null,
  });
  const growth = (op: string, sampled: boolean, points: ReturnType<typeof point>[]): OperationGrowth =>
    growthOf(
      [10, 100].map((relays) => ({
        relays,
        seconds: 1,
        operations: points
          .filter((p) => p.relays === relays)
          .map((p) => ({
            op,
            calls: p.calls,
            gasPerEpoch: p.gasPerEpoch,
            meanGas: p.gasPerEpoch / p.calls,
            failed: null,
          })),
      })),
      sampled ? [op] : [],
    )[0]!;
  // One call per epoch growing as N² (a snapshot), N calls of constant gas (commitments), a sampled redemption.
  const snapshot = growth("S.snapshot", false, [point(10, 1, 100 * 100), point(100, 1, 100 * 10_000)]);
  const commit = growth("S.commit", false, [point(10, 10, 500), point(100, 100, 500)]);
  const redeem = growth("S.redeem", true, [point(10, 10, 2_000), point(100, 10, 2_000 * Math.sqrt(10))]);
  const run = { calls: new Map([["S.redeem", 4]]), hops: 200, relays: 5 };

  it("uses the gas per call measured at each probed N and the probe's count, assuming no growth", () => {
    const [at10, at100] = scaleCost("shopper", [snapshot, commit], {}, run, parameters);
    expect(at10!.extrapolated).toBe(false);
    expect(at10!.operations.map((o) => [o.op, o.gasPerCall, o.callsPerEpoch, o.countFrom])).toEqual([
      ["S.snapshot", 10_000, 1, "probe"],
      ["S.commit", 500, 10, "probe"],
    ]);
    expect(at10!.gasPerEpoch).toBe(10_000 + 5_000);
    expect(at100!.gasPerEpoch).toBe(1_000_000 + 50_000);
    expect(at100!.gasPerHop).toBeCloseTo(1_050_000 / (100 * 50));
    expect(at100!.shareOfChainCapacity).toBeCloseTo(1_050_000 / (1_000_000 * 300));
  });

  it("extrapolates beyond the probed N by each operation's fitted exponents, marked as such", () => {
    const at1000 = scaleCost("shopper", [snapshot, commit], {}, run, parameters)[2]!;
    expect(at1000.extrapolated).toBe(true);
    const [s, c] = at1000.operations;
    expect(s!.gasPerCall).toBeCloseTo(100 * 1_000_000, 3); // N² per call, measured exponent 2
    expect(s!.callsPerEpoch).toBeCloseTo(1, 6);
    expect(c!.gasPerCall).toBeCloseTo(500, 6);
    expect(c!.callsPerEpoch).toBeCloseTo(1_000, 6); // the probe's count grew as N
    expect(s!.extrapolated && c!.extrapolated).toBe(true);
  });

  it("takes a sampled operation's count from the run, scaled by H and N (hop) or by N (relay)", () => {
    const [at10, , at1000] = scaleCost("channels", [redeem], { "S.redeem": "hop" }, run, parameters);
    // 4 redemptions over 200 hops = 0.02 per hop × H = 50 × N.
    expect(at10!.operations[0]).toMatchObject({ gasPerCall: 2_000, callsPerEpoch: 0.02 * 50 * 10, countFrom: "hop" });
    expect(at1000!.operations[0]!.gasPerCall).toBeCloseTo(2_000 * 10, 3); // per call ∝ N^0.5, measured
    const [perRelay] = scaleCost("shopper", [redeem], { "S.redeem": "relay" }, run, parameters);
    expect(perRelay!.operations[0]).toMatchObject({ callsPerEpoch: (4 / 5) * 10, countFrom: "relay" });
  });

  it("keeps a failing operation in, marked from the N it failed at, and leaves out one measured at a single N", () => {
    const failing = growthOf([
      { relays: 10, seconds: 1, operations: [{ op: "S.big", calls: 1, gasPerEpoch: 10, meanGas: 10, failed: null }] },
      {
        relays: 100,
        seconds: 1,
        operations: [{ op: "S.big", calls: 1, gasPerEpoch: 1_000, meanGas: 1_000, failed: null }],
      },
      {
        relays: 1_000,
        seconds: 1,
        operations: [{ op: "S.big", calls: 0, gasPerEpoch: 0, meanGas: 0, failed: "gas limit" }],
      },
    ])[0]!;
    const lonely = growthOf([
      { relays: 10, seconds: 1, operations: [{ op: "S.once", calls: 1, gasPerEpoch: 10, meanGas: 10, failed: null }] },
    ])[0]!;
    const rows = scaleCost("shopper", [failing, lonely], {}, run, parameters);
    expect(rows[0]!.operations.map((o) => o.op)).toEqual(["S.big", "S.once"]);
    expect(rows[2]!.operations[0]).toMatchObject({ op: "S.big", failedAt: 1_000, extrapolated: true });
    expect(rows[2]!.operations[0]!.gasPerCall).toBeCloseTo(100_000, 3);
    expect(rows[1]!.unfitted).toEqual(["S.once"]);
    expect(rows[2]!.unfitted).toEqual(["S.once"]);
  });
});

describe("win-probability sweep", () => {
  it("trades gas per 1,000 hops (linear in p) for payout variance (binomial σ/μ)", () => {
    const rows = sweep([{ scheme: "channels", gasPerPayout: 50_000 }], 540_000);
    expect(rows.map((r) => r.winProbability)).toEqual([...WIN_PROBABILITIES]);
    expect(rows[0]).toEqual({ scheme: "channels", winProbability: 1, gasPer1000Hops: 50_000_000, payoutCv: 0 });
    const low = rows.find((r) => r.winProbability === 0.001)!;
    expect(low.gasPer1000Hops).toBeCloseTo(50_000, 6);
    expect(low.payoutCv).toBeCloseTo(Math.sqrt(0.999 / 540), 9);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.payoutCv).toBeGreaterThan(rows[i - 1]!.payoutCv);
  });
});
