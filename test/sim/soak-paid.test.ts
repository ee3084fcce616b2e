/**
 * The soak under a paid scheme, short enough for `npm test` (issue 14): the
 * process devnet under `channels` (2 gateways, 3 mixes, 3 clients) with a
 * relay SIGKILLed every 25 s of a 2-minute run (mid-epoch: epochs last an
 * hour) and restarted on the same data dir, plus the gateway restart, RPC
 * outage and link cut of the long soak. Then every relay claims twice, and
 * the chain's redemption events are read back. It fails if credit was lost
 * (earned went backwards across a restart, or is neither claimed nor
 * pending), a ticket was paid twice, or the chain paid a relay anything other
 * than what its database says it claimed; and it checks the figures are not
 * 0 by construction: credit was earned, relays were killed, the chain paid.
 * Crashes are not asserted: a relay restarted during the RPC outage exits 1
 * and is retried, as a service manager would (the long soak reports them).
 * The long one is `npm run soak -- --scheme channels`.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../src/log.js";
import { runSoak, type SoakReport } from "../../src/sim/processes/soak.js";

const figure = (report: SoakReport, metric: string) => {
  const f = report.figures.find((x) => x.metric === metric);
  if (!f) throw new Error(`no figure ${metric}`);
  return f.value;
};

describe("soak under channels", () => {
  it("kills and restarts relays mid-epoch without losing or double-claiming credit, and the chain agrees", {
    timeout: 1_800_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-soak-paid-"));
    const events: string[] = [];
    try {
      const report = await runSoak({
        minutes: 2,
        seed: "paid-1",
        scheme: "channels",
        dataDir,
        clients: 3,
        gateways: 2,
        mixesPerLayer: 1,
        killEveryS: 25,
        messagesPerS: 0.5,
        log: silentLogger(),
        signal: AbortSignal.timeout(1_700_000),
        onEvent: (t) => events.push(t),
      });
      const context = `${report.figures.map((f) => `${f.metric}=${f.value} (${f.note ?? ""})`).join("\n")}\n${events.join("\n")}`;
      // A restart blocks the schedule (≈ 80 s at load 40), so two kills is what a loaded machine fits in 2 minutes.
      expect(report.kills.length, context).toBeGreaterThanOrEqual(2);
      expect(figure(report, "soak.credit_earned"), context).toBeGreaterThan(0);
      expect(figure(report, "soak.credit_claimed_on_chain"), context).toBeGreaterThan(0);
      expect(figure(report, "soak.credit_lost"), context).toBe(0);
      expect(figure(report, "soak.double_claims"), context).toBe(0);
      expect(figure(report, "soak.chain_claim_mismatch"), context).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
