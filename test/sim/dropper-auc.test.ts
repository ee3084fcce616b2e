/**
 * E3 (src/sim/compare/dropper.ts) on known inputs: one layer-2 mix receives
 * user packets (paid, in the ground truth) and audit loops (built outside
 * `pay`). The dropper's classifier must find audits that come in a
 * deliberately leaky way (always from one previous mix and early in each
 * half of the window), must sit near 0.5 when audits look like everything else,
 * and must report n/a (no target) when there are no audits, as under `free`.
 */
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { AUC_ADVERSARIES, standardAdversaries, summariseLinking } from "../../src/sim/compare/adversaries.js";
import { aucOf } from "../../src/sim/compare/dropper.js";
import { indexTranscript, linkingAttack, type Transcript } from "../../src/sim/compare/linking.js";
import type { HopObservation } from "../../src/sim/compare/instrument.js";
import { seededRandom } from "../../src/sim/random.js";

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const gateway = addr(0x10);
const layer1 = [addr(0x21), addr(0x31)];
const mix2 = addr(0x22);
const exits = [addr(0x23), addr(0x33)];
const entries: { relay: Address; role: "gateway" | "mix"; layer: number }[] = [
  { relay: gateway, role: "gateway", layer: 0 },
  { relay: layer1[0]!, role: "mix", layer: 1 },
  { relay: mix2, role: "mix", layer: 2 },
];

type Audits = "leaky" | "hidden" | "none";

function workload(seed: string, audits: Audits): Transcript {
  const random = seededRandom(seed);
  const observations: HopObservation[] = [];
  const paid = new Set<Hex>();
  for (let p = 0; p < 600; p++) {
    const t = p * 10;
    const isAudit = audits !== "none" && random() < 0.2;
    const leak = audits === "leaky" && isAudit;
    const from = leak ? 0 : Math.floor(random() * 2);
    const ss = `0x${p.toString(16).padStart(64, "0")}` as Hex;
    if (!isAudit) paid.add(ss);
    observations.push({
      t: leak ? (t % 3000) * 0.3 + Math.floor(t / 3000) * 3000 : t,
      relay: mix2,
      fromPeer: `peer-l1-${from}`,
      nextHop: exits[Math.floor(random() * 2)]!,
      slot: new Uint8Array(0),
      attachment: new Uint8Array(0),
      packetRef: ss,
      ss,
    });
  }
  return {
    observations,
    receipts: [],
    sent: [],
    chainLogs: [],
    relayPeers: new Map(layer1.map((r, i) => [`peer-l1-${i}`, r])),
    clientPeers: new Map(),
    clients: [addr(0xc0), addr(0xc1)],
    roles: new Map(entries.map((e) => [e.relay.toLowerCase(), e.role])),
    meanDelayMs: 50,
    paidSecrets: paid,
  };
}

const seeds = ["d1", "d2", "d3", "d4", "d5"];
const e3 = (audits: Audits) =>
  summariseLinking(
    seeds.map((seed) => {
      const ix = indexTranscript(workload(seed, audits));
      return { seed, results: standardAdversaries(entries).map((a) => linkingAttack(ix, a)) };
    }),
    null,
  ).find((l) => l.adversary === "E3")!;

describe("E3: the strategic dropper's audit classifier at one mix", () => {
  it("computes the AUC as the chance a random audit outscores a random other packet", () => {
    expect(
      aucOf([
        { s: 2, audit: true },
        { s: 1, audit: false },
      ]),
    ).toBe(1);
    expect(
      aucOf([
        { s: 1, audit: true },
        { s: 1, audit: false },
      ]),
    ).toBe(0.5);
    expect(aucOf([{ s: 1, audit: false }])).toBeNull();
    expect(AUC_ADVERSARIES.has("E3")).toBe(true);
  });

  it("tells leaky audits apart, and not audits that look like every other packet", () => {
    const leaky = e3("leaky");
    const hidden = e3("hidden");
    process.stdout.write(
      `E3 AUC over ${seeds.length} seeds: leaky ${leaky.accuracy.mean.toFixed(3)} [${leaky.accuracy.low.toFixed(3)}, ${leaky.accuracy.high.toFixed(3)}], hidden ${hidden.accuracy.mean.toFixed(3)} [${hidden.accuracy.low.toFixed(3)}, ${hidden.accuracy.high.toFixed(3)}]\n`,
    );
    expect(leaky.accuracy.n).toBe(seeds.length);
    // What the report's validator checks: whole counts, accuracy = correct ÷ targets (the AUC).
    for (const r of [...leaky.perSeed, ...hidden.perSeed]) {
      expect(Number.isInteger(r.correct) && r.correct <= r.targets).toBe(true);
      expect(r.accuracy).toBeCloseTo(r.correct / r.targets, 12);
    }
    expect(leaky.accuracy.low).toBeGreaterThan(0.75);
    expect(hidden.accuracy.n).toBe(seeds.length);
    // No better than a coin toss (a small train/score split can land a little below 0.5, never well above).
    expect(hidden.accuracy.low).toBeLessThan(0.5);
    expect(hidden.accuracy.high).toBeLessThan(0.6);
  });

  it("reports n/a (no target) without audits, as under free", () => {
    const none = e3("none");
    expect(none.perSeed.every((r) => r.targets === 0)).toBe(true);
    expect(none.accuracy.n).toBe(0);
  });
});
