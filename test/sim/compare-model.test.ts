/**
 * The comparison's pure parts: the linking attack on hand-made transcripts
 * whose answer is known, and the scale model's arithmetic and classes.
 */
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { linkingAttack } from "../../src/sim/compare/linking.js";
import type { HopObservation, SentPacket } from "../../src/sim/compare/instrument.js";
import { classOf, scaleCost } from "../../src/sim/compare/scale.js";

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const ss = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const [A, B] = [addr(0xa), addr(0xb)];
const [G, M1, M2] = [addr(1), addr(2), addr(3)];
const peers = new Map<string, Address>([["peer-G", G], ["peer-M1", M1], ["peer-M2", M2]]);

/** Packet i from client A or B: gateway at t, M1 at t+1, M2 at t+2 (secrets 3i, 3i+1, 3i+2). */
function transcript(senders: Address[]): { observations: HopObservation[]; sent: SentPacket[] } {
  const observations: HopObservation[] = [];
  const sent: SentPacket[] = [];
  senders.forEach((sender, i) => {
    const t = i * 10;
    sent.push({ t, sender, kind: "payload", route: [G, M1, M2], ss: [ss(3 * i), ss(3 * i + 1), ss(3 * i + 2)] });
    observations.push({ t, relay: G, fromPeer: sender === A ? "peer-A" : "peer-B", nextHop: M1, ss: ss(3 * i) });
    observations.push({ t: t + 1, relay: M1, fromPeer: "peer-G", nextHop: M2, ss: ss(3 * i + 1) });
    observations.push({ t: t + 2, relay: M2, fromPeer: "peer-M1", nextHop: null, ss: ss(3 * i + 2) });
  });
  return { observations, sent };
}

describe("linking attack", () => {
  const senders = [A, B, B, A, B, B, B, A];

  it("links every packet when the adversary holds the whole chain back to the entry gateway", () => {
    const r = linkingAttack({ ...transcript(senders), relayPeers: peers, clients: [A, B], entryGateway: G, mixes: [M1, M2] });
    expect(r.targets).toBe(2 * senders.length);
    expect(r.correct).toBe(r.targets);
    expect(r.success).toBe(1);
    expect(r.chance).toBeCloseTo(5 / 8);
  });

  it("falls back to chance when an honest mix sits between the gateway and its mix", () => {
    const r = linkingAttack({ ...transcript(senders), relayPeers: peers, clients: [A, B], entryGateway: G, mixes: [M2] });
    expect(r.targets).toBe(senders.length);
    expect(r.success).toBeCloseTo(r.chance);
    expect(r.chance).toBeCloseTo(5 / 8);
  });

  it("ignores packets the clients did not build (relay loops) and sees nothing without mixes", () => {
    const { observations, sent } = transcript(senders);
    const r = linkingAttack({ observations, sent: sent.map((p) => ({ ...p, sender: addr(0xc) })), relayPeers: peers, clients: [A, B], entryGateway: G, mixes: [M1] });
    expect(r.targets).toBe(0);
    expect(r.success).toBe(0);
    expect(linkingAttack({ observations, sent, relayPeers: peers, clients: [A, B], entryGateway: G, mixes: [] }).targets).toBe(0);
  });
});

describe("scale model", () => {
  const assumptions = { relayCounts: [10, 1_000], hopsPerRelayPerEpoch: 100, epochSeconds: 3_600, amortiseEpochs: 10, blockGasLimit: 1_000_000, blockSeconds: 12 };

  it("scales each class by what makes it recur", () => {
    const operations = [
      { contract: "PaymentChannels", op: "redeemTickets", count: 2, gasUsed: 1_000n }, // hop: 1000 gas / 500 hops = 2 per hop
      { contract: "PaymentChannels", op: "fundChannel", count: 4, gasUsed: 400n }, // relay: 400 / 4 relays = 100 each
      { contract: "PaymentChannels", op: "openChannel", count: 12, gasUsed: 1_200n }, // pair: 100 per pair
      { contract: "PaymentChannels", op: "deploy", count: 1, gasUsed: 9_999_999n }, // once: never per epoch
    ];
    const [small, large] = scaleCost("channels", { operations, relays: 4, pairs: 12, hops: 500 }, assumptions);
    expect(small!.byClass).toEqual({ hop: 2 * 10 * 100, relay: 100 * 10, epoch: 0, pair: (100 * 10 * 9) / 10, once: 0 });
    expect(small!.gasPerEpoch).toBe(2_000 + 1_000 + 900);
    expect(small!.gasPerHop).toBeCloseTo(3_900 / 1_000);
    expect(small!.shareOfChainCapacity).toBeCloseTo(3_900 / (1_000_000 * 300));
    expect(large!.byClass.pair).toBe((100 * 1_000 * 999) / 10);
  });

  it("classifies approvals by scheme and unknown operations as one-off", () => {
    expect(classOf("channels", { contract: "ObolToken", op: "approve", count: 1, gasUsed: 1n })).toBe("pair");
    expect(classOf("tickets", { contract: "ObolToken", op: "approve", count: 1, gasUsed: 1n })).toBe("once");
    expect(classOf("shopper", { contract: "ShopperAudit", op: "commit", count: 1, gasUsed: 1n })).toBe("relay");
    expect(classOf("tickets", { contract: "TicketBank", op: "somethingNew", count: 1, gasUsed: 1n })).toBe("once");
  });
});
