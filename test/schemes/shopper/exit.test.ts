/**
 * Issue 11, finding 1 (exit delivery): an exit gateway that stores every
 * packet's tag but never puts a `deliver` packet into its mailbox (and
 * forwards everything else) drops all user messages at the last hop. Loops
 * must end in a mailbox the auditor pulls, so such an exit is recorded at
 * fault; an honest exit must not be, even when the auditor pulls late.
 * Loops come from the real Auditor (virtual clock), user packets from the real
 * client code, every hop is a real Sphinx peel; the audit runs on the real contracts.
 */
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { createWorld } from "./fixture.js";
import { auditorSends, carryTimed, revealAndProve, seededRandom, userSends, type Observation } from "./traffic.js";

const STAKE = 800n * 10n ** 18n;

async function world() {
  const w = await createWorld({ gateways: 2, mixesPerLayer: 2, jMax: 8, pool: 10n ** 24n });
  for (const r of w.relays) await w.registry.write.addStake([STAKE], { account: r.wallet.account });
  return w;
}

type W = Awaited<ReturnType<typeof world>>;
type Auditors = Awaited<ReturnType<typeof auditorSends>>["auditors"];

/** Runs epoch `e` with `forward` deciding at every hop, then the audit up to finalize; the exit hops seen. */
async function auditedEpoch(
  w: W,
  e: bigint,
  forward: (o: Observation) => boolean,
  pullInEpoch: boolean,
  inProofWindow: (ids: Hex[], auditors: Auditors) => Promise<void> = async () => {},
) {
  await w.gotoEpoch(e);
  const { sent: loops, auditors } = await auditorSends(w, e);
  const users = await userSends(w, e, { random: seededRandom(7) });
  const seen: Observation[] = [];
  for (const s of [...loops, ...users].sort((a, b) => a.at - b.at)) carryTimed(w, e, s, forward, seen);
  if (pullInEpoch) for (const a of auditors) await a.pullDeliveries(e);
  await w.gotoEpoch(e + 1n);
  await w.commitAll(e);
  await w.gotoEpoch(e + 2n);
  await w.fixBeacon(e);
  const ids = await revealAndProve(w, e, auditors);
  await w.gotoEpoch(e + 3n);
  await inProofWindow(ids, auditors);
  // The auditor pulls once more (a late pull when it did not pull in e) and reports what never arrived.
  const reported = (await Promise.all(auditors.map((a) => a.reportUndelivered(e)))).flat();
  await w.gotoEpoch(e + 4n);
  for (const id of ids) await w.shopper.write.finalize([id]);
  return { seen, ids, reported, auditors };
}

/** The stored loop of audit ids[0] and its sender (auditors are in relay order). */
function firstAudit(w: W, e: bigint, ids: Hex[], auditors: Auditors) {
  const k = auditors.findIndex((a) => a.store.loopsOf(e).some((l) => l.auditId === ids[0]));
  const loop = auditors[k]!.store.loopsOf(e).find((l) => l.auditId === ids[0])!;
  return { loop, sender: w.relays[k]! };
}

describe("finding 1: exit delivery is audited", () => {
  it("an exit that drops every delivery is recorded at fault", async () => {
    const w = await world();
    const exit = w.relays[0]!; // a gateway: it serves layers 0 and 4
    // The tag is stored before `forward` is asked (carryTimed), as a rational dropper does; it forwards
    // everything else, and as an entry gateway it carries loops and user packets alike.
    const forward = (o: Observation) => !(o.relay === exit.address && o.action === "deliver");
    const { seen, ids, reported } = await auditedEpoch(w, 1n, forward, true);
    expect(seen.filter((o) => o.relay === exit.address && o.hop === 4 && !o.audit).length).toBeGreaterThan(5);
    expect(seen.some((o) => o.relay === exit.address && o.hop === 4 && o.audit)).toBe(true);
    expect(ids.length).toBeGreaterThan(0);
    expect(reported.length).toBeGreaterThan(0);
    expect(await w.registry.read.faults([exit.address])).toBeGreaterThan(0n);
    // Every other fault is the recipient end of a broken exit link: a sender that reported its loop missing.
    const reporters = new Set<string>();
    for (const id of reported) reporters.add((await w.shopper.read.audit([id])).sender);
    for (const r of w.relays.slice(1))
      if (!reporters.has(r.address)) expect(await w.registry.read.faults([r.address])).toBe(0n);
  }, 900_000);

  it("an honest exit is not faulted when the auditor pulls only late (in e + 3)", async () => {
    const w = await world();
    const E = 1n;
    // Only the sender may report: nobody else can accuse an exit in its name.
    const othersCannotReport = async (ids: Hex[], auditors: Auditors) => {
      const { loop, sender } = firstAudit(w, E, ids, auditors);
      const stranger = w.relays.find((r) => r.address !== sender.address)!;
      await w.viem.assertions.revertWithCustomError(
        w.shopper.write.reportUndelivered([ids[0]!, w.claim(loop)], { account: stranger.wallet.account }),
        w.shopper,
        "ShopperAuditNotSender",
      );
    };
    const { ids, reported, auditors } = await auditedEpoch(w, E, () => true, false, othersCannotReport);
    expect(ids.length).toBeGreaterThan(0);
    expect(reported).toEqual([]);
    for (const r of w.relays) expect(await w.registry.read.faults([r.address])).toBe(0n);
    for (const id of ids) expect((await w.shopper.read.audit([id])).status).toBe(2); // paid
    // Once the audit closed, not even its sender can report.
    const { loop, sender } = firstAudit(w, E, ids, auditors);
    await w.viem.assertions.revertWithCustomError(
      w.shopper.write.reportUndelivered([ids[0]!, w.claim(loop)], { account: sender.wallet.account }),
      w.shopper,
      "ShopperAuditNotOpen",
    );
  }, 900_000);
});
