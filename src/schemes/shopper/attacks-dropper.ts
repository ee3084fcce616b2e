/**
 * The strategic dropper (issue 11, finding 1; docs/compare.md §Attack
 * scenarios), run by `obol compare` on the deployed ShopperAudit +
 * RelayRegistry: a layer-1 mix forwards only the packets it takes for audit
 * loops (those arriving in the first sixth of the epoch) and drops every
 * other packet after storing its tag, so it keeps its commitment honest-looking
 * while saving the work of forwarding user traffic. Loops come from the real
 * `Auditor` (on a virtual clock), user packets from the real client code; the
 * audit runs on the real contracts. It succeeds iff it drops most user
 * packets and no fault is recorded against it.
 *
 * Leaky control: auditors that send all their loops within the first sixth of
 * the epoch (the real `Auditor` with `spreadMs` = epoch / 6), so arrival time
 * tells loops from user packets.
 */
import type { AttackOutcome, AttackScenario } from "../devnet.js";
import { seededRandom } from "../../sim/random.js";
import { withAttackWorld } from "./attacks-audit.js";
import { OBOL } from "./world.js";
import { auditorSends, carryTimed, revealAndProve, userSends, type Observation } from "./world-traffic.js";

/** Loops each relay's auditor sends per epoch (≤ jMax): about 1 in 8 wins, so ≈ 20 winners among 10 relays. */
const LOOPS_PER_RELAY = 16;

export const strategicDropper: AttackScenario = {
  name: "shopper.strategic_dropper",
  attacker:
    "a layer-1 mix that forwards only packets arriving in the first sixth of the epoch (where it expects audit loops) and drops the rest after storing their tags",
  control: "auditors that send every loop within the first sixth of the epoch",
  async run(context, { control }): Promise<AttackOutcome> {
    return withAttackWorld(context, { gateways: 2, mixesPerLayer: 2, stake: 900n * OBOL }, async (w) => {
      const E = (await w.epoch()) + 1n;
      await w.gotoEpoch(E);
      const dropper = w.relays[2]!; // the first layer-1 mix
      const window = (Number(w.epochSeconds) * 1000) / 6;
      const { sent: loops, auditors } = await auditorSends(w, E, {
        loops: LOOPS_PER_RELAY,
        ...(control ? { spreadMs: window } : {}),
      });
      const users = await userSends(w, E, { clients: 3, random: seededRandom("shopper.strategic_dropper") });
      const seen: Observation[] = [];
      const forward = (o: Observation) => o.relay !== dropper.address || o.arrivalMs < window;
      for (const s of [...loops, ...users].sort((a, b) => a.at - b.at)) carryTimed(w, E, s, forward, seen);
      const atDropper = seen.filter((o) => o.relay === dropper.address);
      const userAt = atDropper.filter((o) => !o.audit);
      const userDropped = userAt.filter((o) => o.arrivalMs >= window).length;
      const auditAt = atDropper.filter((o) => o.audit);
      const auditDropped = auditAt.filter((o) => o.arrivalMs >= window).length;

      await w.gotoEpoch(E + 1n);
      await w.commitAll(E);
      await w.gotoEpoch(E + 2n);
      await w.fixBeacon(E);
      const ids = await revealAndProve(w, E, auditors);
      await w.gotoEpoch(E + 4n);
      for (const id of ids) await w.shopper.write.finalize([id]);
      const faults = await w.registry.read.faults([dropper.address]);
      const honest = w.relays.filter((r) => r !== dropper).map((r) => r.address);
      // Both ends of a broken link are recorded (docs/shopper.md §5): honest neighbours share some faults,
      // identification is by count, so the detail gives the most any honest relay got.
      let honestMost = 0n;
      for (const a of honest) {
        const f = await w.registry.read.faults([a]);
        if (f > honestMost) honestMost = f;
      }
      const mostDropped = userAt.length > 0 && userDropped / userAt.length > 0.6;
      return {
        succeeded: mostDropped && faults === 0n,
        // Its gain is the forwarding it skipped, not tokens: nothing moves to it on chain.
        valueMoved: 0n,
        honest,
        detail: `dropped ${userDropped} of ${userAt.length} user packets and ${auditDropped} of ${auditAt.length} loops at the dropper; ${ids.length} winning loops revealed; faults on the dropper ${faults}, at most ${honestMost} on any honest relay (both ends of a broken link are recorded)`,
      };
    });
  },
};
