/**
 * The seeded mutant fuzz of `bench/channels-mutants.ts` against a real relay (PaymentChannels on
 * Hardhat's in-process chain, node:sqlite, real signatures): every mutant is refused, each for
 * the reason its mutation implies. Issue 9 left 1 of 20k refused "for the wrong reason"; the
 * first test pins that mutant down.
 */
import { describe, it, expect } from "vitest";
import { randomBytes } from "node:crypto";
import type { Libp2p } from "@libp2p/interface";
import { connect, chainClientsFor, OBOL } from "./helpers.js";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import type { ChainClients } from "../../../src/chain/types.js";
import type { RouteHop } from "../../../src/schemes/scheme.js";
import { ChannelsClient } from "../../../src/schemes/channels/client.js";
import { ChannelsRelay } from "../../../src/schemes/channels/relay.js";
import { openChannel } from "../../../src/schemes/channels/chain.js";
import { DEFAULT_PARAMS } from "../../../src/schemes/channels/constants.js";
import { mutate, seededRandom } from "../../../bench/channels-mutants.js";

const env = await connect();

async function world() {
  const f = await env.deploy();
  const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
  const [clientChain, aChain, bChain, cChain] = (await Promise.all(
    [1, 2, 3, 4].map((i) => chainClientsFor(env, i, contracts)),
  )) as [ChainClients, ChainClients, ChainClients, ChainClients];
  await openChannel(clientChain, aChain.account, 10n * OBOL);
  await openChannel(aChain, bChain.account, 10n * OBOL);
  const deps = (c: ChainClients) => ({
    chain: c,
    db: openDatabase(":memory:"),
    log: silentLogger(),
    libp2p: null as unknown as Libp2p,
  });
  const params = DEFAULT_PARAMS;
  const B = new ChannelsRelay({ ...deps(bChain), relay: bChain.account }, { params, topUpBelowUnits: 0n });
  const A = new ChannelsRelay({ ...deps(aChain), relay: aChain.account }, { params, topUpBelowUnits: 0n });
  await B.start();
  await A.start();
  const client = new ChannelsClient(deps(clientChain), { params });
  const route: RouteHop[] = [aChain, bChain, cChain].map((c, layer) => ({
    relay: c.account,
    mixKey: new Uint8Array(32),
    layer,
  }));
  const pay = async () => {
    const secrets = route.map(() => new Uint8Array(randomBytes(32)));
    return { secrets, pay: await client.pay({ route, secrets, epoch: 1n, kind: "payload" }) };
  };
  // Valid tickets come from the source's peer; mutants from another one ("mutant"): a third party
  // that tampers can inject only as itself (authenticated links). The source cheating on its own
  // trusted link is relay.test.ts's "cheating partner" case.
  const onPacket = (slot: Uint8Array, attachment: Uint8Array, ss: Uint8Array, fromPeer = "fuzz") =>
    A.onPacket({
      slot,
      attachment,
      ss,
      replayTag: randomBytes(32),
      packetRef: randomBytes(32),
      fromPeer,
      nextHop: bChain.account,
      epoch: 1n,
    });
  return { A, pay, onPacket };
}

/** A PRNG that returns `values` in order (to build one chosen mutant). */
const scripted = (values: number[]) => () => values.shift() ?? 0;

describe("channels mutant fuzz: each mutant refused for the reason its mutation implies", () => {
  it("an index raised onto a ticket already accepted is a reused index, refused before the signature check", async () => {
    const w = await world();
    const base = await w.pay();
    const accepted = await w.pay(); // the next index of the same channel, accepted below
    const ok = await w.onPacket(accepted.pay.slots[0]!, accepted.pay.attachment, accepted.secrets[0]!);
    expect(ok.accept).toBe(true);
    // Mutation 3 ("index + 1 + k") with k = 0: the base's index + 1, the accepted ticket's index.
    const m = mutate(base.pay.slots[0]!, base.pay.attachment, scripted([3.5 / 12, 0]), accepted.pay);
    const v = await w.onPacket(m.slot, m.attachment, base.secrets[0]!, "mutant");
    expect(v.accept).toBe(false);
    if (!v.accept) expect(v.reason.split(":")[0]).toBe(m.expect);
    expect(m.expect).toBe("reused-index");
  });

  it("300 seeded mutants: none accepted, none refused for another reason", async () => {
    const w = await world();
    const rand = seededRandom(0x0b01);
    const replayed = await w.pay();
    const base = await w.pay();
    expect((await w.onPacket(replayed.pay.slots[0]!, replayed.pay.attachment, replayed.secrets[0]!)).accept).toBe(true);
    const refused: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const m = mutate(base.pay.slots[0]!, base.pay.attachment, rand, replayed.pay);
      const v = await w.onPacket(m.slot, m.attachment, m.replay ? replayed.secrets[0]! : base.secrets[0]!, "mutant");
      expect(v.accept, `mutant ${i} (${m.expect}) accepted`).toBe(false);
      if (!v.accept) expect(v.reason.split(":")[0], `mutant ${i}`).toBe(m.expect);
      refused[m.expect] = (refused[m.expect] ?? 0) + 1;
    }
    // The counters show every kind of mutation ran.
    for (const reason of [
      "wrong-channel",
      "underpaid",
      "forged-signature",
      "stale-round",
      "stale-epoch",
      "unanswerable-challenge",
      "malformed",
      "reused-index",
    ])
      expect(refused[reason], reason).toBeGreaterThan(0);
  });
});
