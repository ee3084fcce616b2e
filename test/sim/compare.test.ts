/**
 * The scheme comparison end to end on real components (Hardhat node, Ignition,
 * relays on loopback libp2p, clients, the channels contract): a short run of
 * `free` and `channels`, the report written with its charts, validated
 * against report.schema.json and the consistency rules; then the validator
 * must reject tampered reports, and bad options must be refused by name.
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../src/log.js";
import { runComparison } from "../../src/sim/compare/run.js";
import { CompareInputError, ReportInvalidError } from "../../src/sim/compare/errors.js";
import { writeReport } from "../../src/sim/report/write.js";
import { validateReport } from "../../src/sim/report/validate.js";
import type { CompareReport, SchemeRun } from "../../src/sim/report/types.js";

const signal = new AbortController().signal;

describe("obol compare", () => {
  it("runs free and channels on one workload and writes a valid, chain-consistent report with charts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-compare-test-"));
    const out = mkdtempSync(join(tmpdir(), "obol-compare-out-"));
    try {
      const report = await runComparison({
        schemes: ["free", "channels"],
        gateways: 1,
        mixesPerLayer: 1,
        clients: 2,
        durationS: 3,
        seed: "7",
        seeds: 2,
        scaleRelays: [2, 4],
        dataDir,
        log: silentLogger(),
        signal,
      });
      const dir = await writeReport(report, { out });
      const json = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as CompareReport;
      expect(validateReport(json)).toEqual([]);

      const [free, channels] = json.schemes as SchemeRun[];
      expect(free!.status).toBe("ok");
      expect(channels!.status).toBe("ok");
      expect(free!.gas.scheme).toBe(0);
      expect(free!.payouts.total).toBe("0");
      expect(free!.hops).toBeGreaterThan(0);
      // Channels: contract deployed and channels opened (receipts); what relays were paid is the same in the event query and the receipts, and claims never report more.
      expect(channels!.gas.operations.map((o) => `${o.contract}.${o.op}`)).toEqual(
        expect.arrayContaining(["PaymentChannels.deploy", "PaymentChannels.openChannel"]),
      );
      expect(BigInt(channels!.payouts.total)).toBeGreaterThan(0n);
      expect(channels!.payouts.consistent).toBe(true);
      for (const r of channels!.relays) {
        expect(r.paid).toBe(r.paidInReceipts);
        expect(BigInt(r.claimReported)).toBeLessThanOrEqual(BigInt(r.paid));
      }
      expect(channels!.gas.per1000Hops).toBeCloseTo((channels!.gas.scheme / channels!.hops) * 1000, 6);
      // Setup apart: the deployment is setup; the relays' redemptions and claims come after the workload began.
      const steady = channels!.gas.steady!;
      expect(channels!.gas.setup + steady.gas).toBe(channels!.gas.scheme);
      expect(steady.operations.map((o) => o.op)).not.toContain("deploy");
      expect(steady.hops).toBeGreaterThanOrEqual(channels!.hops);
      expect(steady.epochs).toBeGreaterThanOrEqual(1);
      expect(channels!.bytes.perPacket).toBeGreaterThan(0);
      expect(channels!.dropper.injectedDrops).toBeGreaterThan(0);
      // Every adversary ran on both schemes' real transcripts, for both seeds (the second a further workload on the same network), paired with free.
      expect(json.seeds).toEqual(["7", "7.2"]);
      expect(channels!.linking.map((l) => l.adversary)).toEqual([
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
      expect(channels!.linking.every((l) => l.perSeed.map((r) => r.seed).join() === "7,7.2")).toBe(true);
      // The global observer scores every packet leaving the network, so it has targets in both seeds, hence a verdict.
      const e4 = channels!.linking.find((l) => l.adversary === "E4")!;
      for (const r of e4.perSeed) expect(r.targets).toBeGreaterThan(0);
      expect(e4.free!.n).toBe(2);
      // Each seed's workload carried traffic under channels comparable to free's on the same seed (no gap).
      expect(channels!.workloads.map((w) => w.seed)).toEqual(["7", "7.2"]);
      for (const w of [...free!.workloads, ...channels!.workloads]) {
        expect(w.hops).toBeGreaterThan(0);
        expect(w.carried).toBe(true);
      }
      expect(channels!.workloads.map((w) => w.freeHops)).toEqual(free!.workloads.map((w) => w.hops));
      expect(typeof e4.leaks).toBe("boolean");
      // The scale model is built from the probe (free has none): measured at the probed N, extrapolated beyond,
      // the per-hop redemption's count from the run's redemptions per hop.
      expect(json.scale.rows.map((r) => [r.scheme, r.relays, r.extrapolated])).toEqual([
        ["channels", 2, false],
        ["channels", 4, false],
        ["channels", 1_000, true],
        ["channels", 100_000, true],
        ["channels", 1_000_000, true],
      ]);
      const redeem = json.scale.rows[1]!.operations.find((o) => o.op === "PaymentChannels.redeemTickets")!;
      expect(redeem.countFrom).toBe("hop");
      expect(redeem.gasPerCall).toBeGreaterThan(0);
      expect(json.conclusions.some((c) => c.startsWith("Gas: channels"))).toBe(true);
      // The attacks channels declares ran on their own chain: failed on the scheme, succeeded on the leaky control.
      expect(json.attacks.map((a) => [a.scheme, a.name, a.succeeded, a.control?.succeeded])).toEqual([
        ["channels", "channels.grinding_source", false, true],
      ]);
      expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("## Attack scenarios");

      for (const c of json.charts) {
        const svg = readFileSync(join(dir, c.file), "utf8");
        expect(svg.startsWith("<svg")).toBe(true);
        expect(readFileSync(join(dir, "report.md"), "utf8")).toContain(`](${c.file})`);
      }
      expect(json.charts.map((c) => c.file)).toEqual(
        expect.arrayContaining([
          "gas-per-1000-hops.svg",
          "payment-bytes.svg",
          "relay-cpu.svg",
          "latency.svg",
          "payout-vs-forwarded.svg",
          "scale.svg",
        ]),
      );

      // The validator is not a rubber stamp: tampered copies are refused, naming the problem.
      const tampered = structuredClone(json);
      const ch = tampered.schemes[1] as SchemeRun;
      ch.relays[0]!.paid = (BigInt(ch.relays[0]!.paid) + 1n).toString();
      expect(validateReport(tampered).join("\n")).toMatch(
        /relay gateway-0 received .* in Transfer events but .* in the run's receipts/,
      );
      const overclaimed = structuredClone(json);
      const oc = (overclaimed.schemes[1] as SchemeRun).relays[1]!;
      oc.claimReported = (BigInt(oc.paid) + 1n).toString();
      expect(validateReport(overclaimed).join("\n")).toMatch(/claims report .* more than/);
      const noGas = structuredClone(json);
      (noGas.schemes[1] as SchemeRun).gas.per1000Hops = 1;
      expect(validateReport(noGas).join("\n")).toMatch(/per1000Hops/);
      const badShape = structuredClone(json) as unknown as { schemes: { hops: number }[] };
      badShape.schemes[0]!.hops = -1;
      expect(validateReport(badShape)[0]).toMatch(/^schema: \/schemes\/0/);
      const extra = { ...structuredClone(json), surprise: true };
      expect(validateReport(extra).join("\n")).toMatch(/additional properties/);
      // A leak verdict must rest on the paired interval, and setup + steady gas must add up.
      const falseLeak = structuredClone(json);
      const fl = (falseLeak.schemes[1] as SchemeRun).linking[0]!;
      fl.leaks = true;
      fl.diffVsFree = { mean: 0, low: -0.1, high: 0.1, n: 2 };
      expect(validateReport(falseLeak).join("\n")).toMatch(/marked leaking/);
      // A seed marked carried with under a quarter of free's packet-hops is refused.
      const hiddenGap = structuredClone(json);
      const hg = (hiddenGap.schemes[1] as SchemeRun).workloads[1]!;
      hg.hops = Math.floor((hg.freeHops ?? 0) / 10);
      expect(validateReport(hiddenGap).join("\n")).toMatch(/carried contradicts/);
      const badSplit = structuredClone(json);
      (badSplit.schemes[1] as SchemeRun).gas.setup += 1;
      expect(validateReport(badSplit).join("\n")).toMatch(/setup .* steady .* scheme gas/);
      const freePaid = structuredClone(json);
      (freePaid.schemes[0] as SchemeRun).gas.scheme = 5;
      expect(validateReport(freePaid).length).toBeGreaterThan(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  }, 420_000);

  it("writes nothing but the invalid copy when the report breaks a rule", async () => {
    const out = mkdtempSync(join(tmpdir(), "obol-compare-out-"));
    try {
      const broken = {
        version: 1,
        createdAt: new Date().toISOString(),
        seed: "1",
        durationS: 1,
        topology: { gateways: 1, mixesPerLayer: 1, clients: 1 },
        chain: { rpcUrl: null, epochSeconds: 3600 },
        workload: {
          messagesPerS: 0.5,
          payloadPerS: 2,
          loopPerS: 0.5,
          dropPerS: 0.5,
          meanDelayMs: 200,
          relayLoopPerS: 0.2,
        },
        schemes: [],
        scale: {
          parameters: {
            relayCounts: [1000],
            clientsPerRelay: 1,
            packetsPerClientPerS: 1,
            hopsPerPacket: 1,
            epochSeconds: 1,
            hopsPerRelayPerEpoch: 1,
            blockGasLimit: 1,
            blockSeconds: 1,
          },
          rows: [],
          measured: { relayCounts: [], schemes: [] },
        },
        conclusions: ["x"],
        charts: [],
      } as unknown as CompareReport;
      const error = await writeReport(broken, { out }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReportInvalidError);
      expect((error as ReportInvalidError).problems.join()).toMatch(/schemes/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.each([
    [{ schemes: [] }, "schemes"],
    [{ schemes: ["free", "free"] }, "schemes"],
    [{ schemes: ["free"], gateways: 0 }, "gateways"],
    [{ schemes: ["free"], mixesPerLayer: 1.5 }, "mixesPerLayer"],
    [{ schemes: ["free"], clients: 0 }, "clients"],
    [{ schemes: ["free"], gateways: 4, mixesPerLayer: 5 }, "relays/clients"],
    [{ schemes: ["free"], durationS: 0 }, "durationS"],
    [{ schemes: ["free"], dropFraction: 1 }, "dropFraction"],
  ] as const)("refuses %j naming %s before starting anything", async (options, field) => {
    const error = await runComparison({
      ...(options as object),
      dataDir: tmpdir(),
      log: silentLogger(),
      signal,
    } as Parameters<typeof runComparison>[0]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompareInputError);
    expect((error as CompareInputError).field).toBe(field);
  });
});

describe("report validator", () => {
  it("finds the schema file next to the validator", () => {
    expect(existsSync(new URL("../../src/sim/report/report.schema.json", import.meta.url))).toBe(true);
  });
});
