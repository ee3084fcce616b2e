/**
 * Issue 9, finding 4: payment fields must not tell packet kinds apart (HOPR
 * issue #3765 class). The attacker is one corrupt mix or gateway: it knows
 * its own layer, reads `remaining` in its slot and the amount of the ticket
 * paying it, and drops whatever does not look like a client packet at its
 * layer (client routes are gateway → mix 1 → mix 2 → mix 3 → gateway, so a
 * hop of layer L sees remaining = 4 − L, a gateway 4 or 0). Relay loops must
 * give it nothing to go on: every hop of every kind sees the fields a client
 * packet would show it there.
 */
import { describe, it, expect } from "vitest";
import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import type { Libp2p } from "@libp2p/interface";
import { connect, chainsFor, MAX_WIN, OBOL } from "./helpers.js";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import type { ChainClients, DirectoryEntry, DirectorySnapshot } from "../../../src/chain/types.js";
import type { PacketKind, RouteHop } from "../../../src/schemes/scheme.js";
import { ChannelsClient } from "../../../src/schemes/channels/client.js";
import { ChannelsRelay } from "../../../src/schemes/channels/relay.js";
import { openChannel } from "../../../src/schemes/channels/chain.js";
import { decodeSlot } from "../../../src/schemes/channels/slot.js";
import { decodeAttachment } from "../../../src/schemes/channels/ticket.js";
import { loopRoute } from "../../../src/relay/cover.js";
import { selectRoute } from "../../../src/client/route.js";

const UNIT = 10n ** 15n;
const params = { unitAmount: UNIT, winProb: MAX_WIN };
const env = await connect();
const noLibp2p = null as unknown as Libp2p;

/** What a corrupt hop sees of one packet: its own place in the topology and the payment fields. */
type View = { role: "gateway" | "mix"; layer: number; remaining: number; amount: bigint | null };

/** The corrupt hop's test: does this look like a client packet here? */
function looksLikeClient(v: View): boolean {
  const expected = v.role === "gateway" ? [0, 4] : [4 - v.layer];
  if (!expected.includes(v.remaining)) return false;
  return v.amount === null || v.amount === UNIT * BigInt(v.remaining + 1);
}

describe("channels: payment fields do not tell relay loops from client packets (issue 9, finding 4)", () => {
  it("no hop of a relay loop sees fields a client packet could not show it", async () => {
    const f = await env.deploy();
    const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
    const [sender, gwA, gwB, m1, m2, m3] = await chainsFor(env, contracts, [1, 2, 3, 4, 5, 6]);
    // The sender (a relay sending its own loops, or a client) has a channel to every relay it may enter through.
    for (const to of [gwA, gwB, m1, m2, m3]) await openChannel(sender, to.account, 10n * OBOL);
    for (const r of [gwA, gwB, m1, m2, m3])
      await new ChannelsRelay(
        { chain: r, db: openDatabase(":memory:"), log: silentLogger(), libp2p: noLibp2p, relay: r.account },
        { params, topUpBelowUnits: 0n },
      ).start();
    const payer = new ChannelsClient(
      { chain: sender, db: openDatabase(":memory:"), log: silentLogger(), libp2p: noLibp2p },
      { params },
    );
    const entry = (c: ChainClients, role: "gateway" | "mix", layer: number): DirectoryEntry => ({
      relay: c.account,
      role,
      layer,
      mixKey: new Uint8Array(32),
      blsKey: new Uint8Array(0),
      multiaddr: "/ip4/127.0.0.1/tcp/1",
      stake: 1n,
    });
    const snapshot: DirectorySnapshot = {
      epoch: 1n,
      entries: [
        entry(gwA, "gateway", 0),
        entry(gwB, "gateway", 0),
        entry(m1, "mix", 1),
        entry(m2, "mix", 2),
        entry(m3, "mix", 3),
      ],
    };
    const roleOf = new Map(snapshot.entries.map((e) => [e.relay.toLowerCase(), e]));

    /** Every hop's view of one packet along `route`, through the real client payment. */
    async function views(
      route: readonly { relay: Address; mixKey: Uint8Array; layer: number }[],
      kind: PacketKind,
    ): Promise<View[]> {
      const hops: RouteHop[] = route.map((h) => ({ relay: h.relay, mixKey: h.mixKey, layer: h.layer }));
      const pay = await payer.pay({
        route: hops,
        secrets: hops.map(() => new Uint8Array(randomBytes(32))),
        epoch: 1n,
        kind,
      });
      return hops.map((h, i) => {
        const e = roleOf.get(h.relay.toLowerCase())!;
        const slot = decodeSlot(pay.slots[i]!);
        return {
          role: e.role,
          layer: e.layer,
          remaining: slot.remaining,
          amount: i === 0 ? decodeAttachment(pay.attachment).amount : null,
        };
      });
    }

    // Sanity: the test recognises client packets.
    for (let i = 0; i < 5; i++)
      expect((await views(selectRoute({ directory: snapshot }), "payload")).every(looksLikeClient)).toBe(true);

    let loopHops = 0;
    let flagged = 0;
    for (const self of snapshot.entries) {
      for (let i = 0; i < 4; i++) {
        const route = loopRoute(snapshot, self.relay);
        expect(route).not.toBeNull();
        expect(route!.length).toBe(5);
        for (const v of await views(route!, "loop")) {
          loopHops++;
          if (!looksLikeClient(v)) flagged++;
        }
      }
    }
    expect(loopHops).toBe(5 * 4 * 5);
    expect(flagged).toBe(0);
  });
});
