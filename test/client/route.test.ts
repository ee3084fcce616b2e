import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { bytesToHex, getAddress, type Address } from "viem";
import type { DirectoryEntry, DirectorySnapshot } from "../../src/chain/types.js";
import { selectRoute } from "../../src/client/route.js";
import { EmptyLayerError, UnknownGatewayError } from "../../src/client/errors.js";

const addr = (): Address => getAddress(bytesToHex(randomBytes(20)));
const entry = (role: "gateway" | "mix", layer: number, stake = 10n): DirectoryEntry => ({
  relay: addr(),
  role,
  mixKey: new Uint8Array(randomBytes(32)),
  blsKey: new Uint8Array(),
  multiaddr: "/ip4/127.0.0.1/tcp/1/p2p/x",
  stake,
  layer,
});

function network({ gateways = 2, perLayer = 3 } = {}): DirectorySnapshot {
  const entries: DirectoryEntry[] = [];
  for (let i = 0; i < gateways; i++) entries.push(entry("gateway", 0));
  for (const layer of [1, 2, 3]) for (let i = 0; i < perLayer; i++) entries.push(entry("mix", layer));
  return { epoch: 7n, entries };
}

describe("stratified route selection", () => {
  it("visits entry gateway, one mix of each layer in order, exit gateway", () => {
    const directory = network();
    const [g0, g1] = directory.entries.filter((e) => e.role === "gateway");
    for (let i = 0; i < 50; i++) {
      const route = selectRoute({ directory, entry: g0!.relay, exit: g1!.relay });
      expect(route.map((h) => h.layer)).toEqual([0, 1, 2, 3, 4]);
      expect(route[0]!.relay).toBe(g0!.relay);
      expect(route[4]!.relay).toBe(g1!.relay);
      for (const layer of [1, 2, 3]) {
        const e = directory.entries.find((x) => x.relay === route[layer]!.relay)!;
        expect(e.role).toBe("mix");
        expect(e.layer).toBe(layer);
        expect(route[layer]!.mixKey).toEqual(e.mixKey);
      }
    }
  });

  it("is uniform within each layer (chi-square, 3 000 routes)", () => {
    const directory = network({ perLayer: 4 });
    const counts = new Map<string, number>();
    const n = 3000;
    for (let i = 0; i < n; i++)
      for (const h of selectRoute({ directory }).slice(1, 4)) counts.set(h.relay, (counts.get(h.relay) ?? 0) + 1);
    for (const layer of [1, 2, 3]) {
      const relays = directory.entries.filter((e) => e.layer === layer && e.role === "mix");
      const expected = n / relays.length;
      const chi2 = relays.reduce((s, r) => s + ((counts.get(r.relay) ?? 0) - expected) ** 2 / expected, 0);
      expect(chi2).toBeLessThan(16.27); // 3 degrees of freedom, p = 0.001
    }
  });

  it("never picks an unbonded relay", () => {
    const directory = network();
    const unbonded = entry("mix", 2, 0n);
    directory.entries.push(unbonded);
    for (let i = 0; i < 300; i++)
      expect(selectRoute({ directory }).some((h) => h.relay === unbonded.relay)).toBe(false);
  });

  it("throws EmptyLayerError naming the empty layer, with a hint", () => {
    const directory = network();
    directory.entries = directory.entries.filter((e) => e.layer !== 2);
    const error = (() => {
      try {
        selectRoute({ directory });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(EmptyLayerError);
    expect((error as EmptyLayerError).layer).toBe(2);
    expect((error as EmptyLayerError).hint).toMatch(/register relays/);
    const noGateways = network({ gateways: 0 });
    expect(() => selectRoute({ directory: noGateways })).toThrow(/entry gateway/);
    const onlyUnbonded = network();
    for (const e of onlyUnbonded.entries) if (e.layer === 3) e.stake = 0n;
    expect(() => selectRoute({ directory: onlyUnbonded })).toThrow(/mix layer 3/);
  });

  it("rejects a requested gateway that is not a bonded gateway", () => {
    const directory = network();
    const mix = directory.entries.find((e) => e.role === "mix")!;
    expect(() => selectRoute({ directory, exit: mix.relay })).toThrow(UnknownGatewayError);
    expect(() => selectRoute({ directory, entry: addr() })).toThrow(UnknownGatewayError);
  });
});
