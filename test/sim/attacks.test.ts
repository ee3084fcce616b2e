/**
 * The attack harness on known inputs (docs/compare.md §Attack scenarios):
 * - a scenario that throws is reported as not run, with its reason, never as failed or succeeded;
 * - the channels grinding source, on a fresh chain with the real contract and relay code, must
 *   succeed against its deliberately leaky control (a relay leaking its round secret) and fail on
 *   the real scheme, with no fault recorded against the honest relays.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../src/log.js";
import { runAttacks, runScenario } from "../../src/sim/compare/attacks.js";
import { loadSchemeDevnet, type AttackContext } from "../../src/schemes/devnet.js";
import type { ChainClients } from "../../src/chain/types.js";

const signal = new AbortController().signal;

describe("attack scenarios", () => {
  it("a scenario that cannot run is reported with its reason, not as an outcome", async () => {
    const row = await runScenario(
      "control",
      {
        name: "broken",
        attacker: "nobody",
        control: "a leaky variant",
        run: async (_context, { control }) => {
          if (!control) throw new Error("no chain here");
          return { succeeded: true, valueMoved: 5n, honest: [], detail: "leaked" };
        },
      },
      null as unknown as ChainClients,
      () => ({}) as AttackContext,
      signal,
    );
    expect(row.succeeded).toBeNull();
    expect(row.error).toBe("no chain here");
    expect(row.valueMoved).toBe("0");
    expect(row.control).toEqual({ variant: "a leaky variant", succeeded: true, detail: "leaked" });
  });

  it("the grinding source succeeds on the leaky control and fails on channels", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-attacks-test-"));
    try {
      const devnet = await loadSchemeDevnet("channels");
      const rows = await runAttacks("channels", devnet, { dataDir, log: silentLogger(), signal });
      const grind = rows.find((r) => r.name === "channels.grinding_source");
      expect(grind, JSON.stringify(rows)).toBeDefined();
      expect(grind!.error).toBeUndefined();
      expect(grind!.succeeded).toBe(false);
      expect(grind!.honestFaults).toBe(0);
      expect(grind!.control?.succeeded, grind!.control?.detail).toBe(true);
      expect(grind!.detail).toMatch(/winners of 120 tickets/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);

  it("the cross-epoch buyer moves nothing on tickets: its take-back is refused and the honest relay is paid", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-attacks-test-"));
    try {
      const rows = await runAttacks("tickets", await loadSchemeDevnet("tickets"), {
        dataDir,
        log: silentLogger(),
        signal,
      });
      const buyer = rows.find((r) => r.name === "tickets.cross_epoch_buyer");
      expect(buyer?.error, JSON.stringify(rows)).toBeUndefined();
      expect(buyer!.succeeded).toBe(false);
      expect(buyer!.valueMoved).toBe("0");
      expect(buyer!.honestFaults).toBe(0);
      expect(buyer!.detail).toMatch(
        /take-back refused: TicketBankTokenSpent\); honest relay paid 0.02 of 0.02 OBOL owed/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);

  it("the shopper's attacks fail on the real contracts; the framing lands on its leaky control", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "obol-attacks-test-"));
    try {
      const rows = await runAttacks("shopper", await loadSchemeDevnet("shopper"), {
        dataDir,
        log: silentLogger(),
        signal,
      });
      const copy = rows.find((r) => r.name === "shopper.copied_vrf_key");
      expect(copy?.error, JSON.stringify(rows)).toBeUndefined();
      expect(copy!.succeeded).toBe(false);
      expect(copy!.honestFaults).toBe(0);
      expect(copy!.detail).toMatch(/refused the copied key \(RelayRegistryDuplicateBlsKey\); .*owner on chain/);
      const front = rows.find((r) => r.name === "shopper.front_running_auditor");
      expect(front?.error, JSON.stringify(rows)).toBeUndefined();
      expect(front!.succeeded).toBe(false);
      expect(front!.valueMoved).toBe("0");
      expect(front!.honestFaults).toBe(0);
      expect(front!.detail).toMatch(/refused \(ShopperAuditNotSender\).*status 2 /);
      const framing = rows.find((r) => r.name === "shopper.framing_auditor");
      expect(framing?.error, JSON.stringify(rows)).toBeUndefined();
      expect(framing!.succeeded, framing!.detail).toBe(false);
      expect(framing!.honestFaults).toBe(0);
      expect(framing!.detail).toMatch(/victim hop 2: dispute upheld/);
      // Without the refused header the victim cannot answer, and the same contract records it at fault.
      expect(framing!.control?.succeeded, framing!.control?.detail).toBe(true);
      const dropper = rows.find((r) => r.name === "shopper.strategic_dropper");
      expect(dropper?.error, JSON.stringify(rows)).toBeUndefined();
      expect(dropper!.succeeded, dropper!.detail).toBe(false);
      // It did drop most user packets (else it is not the attack); it is on every link it broke, so no
      // honest neighbour (which shares only the links of its own routes) holds more faults.
      const [, droppedUser, atUser] = dropper!.detail.match(/dropped (\d+) of (\d+) user packets/)!.map(Number);
      expect(droppedUser! / atUser!).toBeGreaterThan(0.6);
      const [, onDropper, honestMost] = dropper!.detail
        .match(/faults on the dropper (\d+), at most (\d+)/)!
        .map(Number);
      expect(onDropper).toBeGreaterThan(0);
      expect(onDropper).toBeGreaterThanOrEqual(honestMost!);
      // When loops all go out in the first sixth, the same dropper forwards them all and is never faulted.
      expect(dropper!.control?.succeeded, dropper!.control?.detail).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 900_000);
});
