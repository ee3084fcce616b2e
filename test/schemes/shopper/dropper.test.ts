/**
 * Issue 11, finding 1: a strategic dropper. A mix forwards only the packets it
 * takes for audit loops — those arriving in the first sixth of the epoch
 * (10 s of a 60 s epoch) — and drops every other packet after storing its tag.
 * Loops come from the real Auditor (on a virtual clock), user packets from the
 * real client code; the audit runs on the real contracts. The dropper must
 * be recorded at fault, and it must have dropped most user traffic (else it is
 * not the attack).
 */
import { describe, expect, it } from "vitest";
import { createWorld, EPOCH } from "./fixture.js";
import { auditorSends, carryTimed, revealAndProve, seededRandom, userSends, type Observation } from "./traffic.js";

describe("finding 1: a mix that drops what does not look like an audit", () => {
  it("is recorded at fault while it drops most user packets", async () => {
    const w = await createWorld({ gateways: 2, mixesPerLayer: 2, jMax: 8, pool: 10n ** 24n });
    for (const r of w.relays) await w.registry.write.addStake([800n * 10n ** 18n], { account: r.wallet.account });
    const E = 1n;
    await w.gotoEpoch(E);
    const dropper = w.relays[2]!; // a layer-1 mix
    const { sent: loops, auditors } = await auditorSends(w, E);
    const users = await userSends(w, E, { random: seededRandom(11) });
    const seen: Observation[] = [];
    const window = (EPOCH * 1000) / 6;
    const forward = (o: Observation) => o.relay !== dropper.address || o.arrivalMs < window;
    for (const s of [...loops, ...users].sort((a, b) => a.at - b.at)) carryTimed(w, E, s, forward, seen);

    const atDropper = seen.filter((o) => o.relay === dropper.address);
    const userAt = atDropper.filter((o) => !o.audit);
    const userDropped = userAt.filter((o) => o.arrivalMs >= window).length / userAt.length;
    expect(userAt.length).toBeGreaterThan(20);
    expect(atDropper.some((o) => o.audit)).toBe(true);
    expect(userDropped).toBeGreaterThan(0.6);

    await w.gotoEpoch(E + 1n);
    await w.commitAll(E);
    await w.gotoEpoch(E + 2n);
    await w.fixBeacon(E);
    const ids = await revealAndProve(w, E, auditors);
    expect(ids.length).toBeGreaterThan(0);
    await w.gotoEpoch(E + 4n);
    for (const id of ids) await w.shopper.write.finalize([id]);
    expect(await w.registry.read.faults([dropper.address])).toBeGreaterThan(0n);
  }, 600_000);
});
