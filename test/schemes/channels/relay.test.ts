/**
 * Client → entry → mix → exit payment flow of scheme A with real parts: the
 * PaymentChannels contract on Hardhat's in-process chain, node:sqlite stores,
 * real secp256k1 signatures and proof-of-relay keys from real shared secrets.
 * Every attack of the issue is one test; token conservation is checked.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import type { Libp2p } from "@libp2p/interface";
import { connect, chainsFor, leave, MAX_WIN, OBOL, hardhatKey } from "./helpers.js";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import type { ChainClients } from "../../../src/chain/types.js";
import type { IncomingPacket, RouteHop } from "../../../src/schemes/scheme.js";
import { ChannelsClient } from "../../../src/schemes/channels/client.js";
import { ChannelsRelay } from "../../../src/schemes/channels/relay.js";
import { ChannelsSettle } from "../../../src/schemes/channels/settle.js";
import { ChannelsStore } from "../../../src/schemes/channels/store.js";
import { openChannel, readChannel } from "../../../src/schemes/channels/chain.js";
import {
  decodeAttachment,
  encodeAttachment,
  privateKeySigner,
  signTicket,
  domainSeparator,
  type TicketSigner,
} from "../../../src/schemes/channels/ticket.js";
import { decodeSlot, encodeSlot } from "../../../src/schemes/channels/slot.js";
import { hintOf, ownKey, pointAddress } from "../../../src/schemes/channels/por.js";
import { encodeReceipt } from "../../../src/schemes/channels/slot.js";
import { RELAY_DEFAULTS, type ChannelsParams } from "../../../src/schemes/channels/constants.js";
import { seededRandom } from "../../../bench/channels-mutants.js";

const UNIT = 10n ** 15n;
const params: ChannelsParams = { unitAmount: UNIT, winProb: MAX_WIN };
const env = await connect();
const noLibp2p = null as unknown as Libp2p; // the channels scheme uses no libp2p protocol of its own

async function world() {
  const f = await env.deploy();
  const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
  const chain = await chainsFor(env, contracts, [0, 1, 2, 3, 4, 5, 6]);
  const [, clientChain, aChain, bChain, cChain, malloryChain, dChain] = chain;
  await openChannel(clientChain, aChain.account, 10n * OBOL);
  await openChannel(aChain, bChain.account, 10n * OBOL);
  await openChannel(bChain, cChain.account, 10n * OBOL);
  const deps = (c: ChainClients, db = openDatabase(":memory:")) => ({
    chain: c,
    db,
    log: silentLogger(),
    libp2p: noLibp2p,
  });
  const relay = (c: ChainClients, db?: ReturnType<typeof openDatabase>) =>
    new ChannelsRelay({ ...deps(c, db), relay: c.account }, { params, topUpBelowUnits: 0n, redeemThreshold: 1_000 });
  const [A, B, C] = [relay(aChain), relay(bChain), relay(cChain)];
  await Promise.all([A.start(), B.start(), C.start()]);
  const client = new ChannelsClient(deps(clientChain), { params });
  const hop = (c: ChainClients, layer: number): RouteHop => ({ relay: c.account, mixKey: new Uint8Array(32), layer });
  const route = [hop(aChain, 0), hop(bChain, 1), hop(cChain, 4)];
  const domain = domainSeparator(await clientChain.publicClient.getChainId(), f.channels.address);
  return {
    f,
    chain,
    clientChain,
    aChain,
    bChain,
    cChain,
    malloryChain,
    dChain,
    A,
    B,
    C,
    client,
    route,
    domain,
    deps,
    relay,
  };
}
type World = Awaited<ReturnType<typeof world>>;

const packet = (slot: Uint8Array, attachment: Uint8Array, ss: Uint8Array, nextHop: Address | null): IncomingPacket => ({
  slot,
  attachment,
  ss,
  nextHop,
  replayTag: randomBytes(32),
  packetRef: randomBytes(32),
  fromPeer: "peer",
  epoch: 1n,
});

/** Sends one packet along A → B → C; `dropAt` makes that hop swallow it after accepting. */
async function send(w: World, options: { dropAt?: "B" } = {}) {
  const secrets = w.route.map(() => new Uint8Array(randomBytes(32)));
  const pay = await w.client.pay({ route: w.route, secrets, epoch: 1n, kind: "payload" });
  const va = await w.A.onPacket(packet(pay.slots[0]!, pay.attachment, secrets[0]!, w.bChain.account));
  if (!va.accept) throw new Error(`A refused: ${va.reason}`);
  const vb = await w.B.onPacket(packet(pay.slots[1]!, await leave(va), secrets[1]!, w.cChain.account));
  if (!vb.accept) throw new Error(`B refused: ${vb.reason}`);
  // B received it: its receipt goes back to A whatever B does next.
  await w.A.onReceipt({
    packetRef: randomBytes(32),
    receipt: w.B.receipt({ ss: secrets[1]!, packetRef: new Uint8Array(32) }),
    fromPeer: "B",
  });
  if (options.dropAt === "B") return { pay, secrets };
  const vc = await w.C.onPacket(packet(pay.slots[2]!, await leave(vb), secrets[2]!, null));
  if (!vc.accept) throw new Error(`C refused: ${vc.reason}`);
  expect(vc.attachment.length).toBe(0);
  await w.B.onReceipt({
    packetRef: randomBytes(32),
    receipt: w.C.receipt({ ss: secrets[2]!, packetRef: new Uint8Array(32) }),
    fromPeer: "C",
  });
  return { pay, secrets };
}

async function balances(w: World) {
  const t = (a: Address) => w.f.token.read.balanceOf([a]);
  return {
    A: await t(w.aChain.account),
    B: await t(w.bChain.account),
    C: await t(w.cChain.account),
    contract: await t(w.f.channels.address),
  };
}

describe("channels scheme: honest flow and redemption", () => {
  it("pays every hop one unit per packet, redeemed in batches, with no token created or lost", async () => {
    const w = await world();
    const before = await balances(w);
    for (let i = 0; i < 4; i++) await send(w);
    const claims = [];
    for (const r of [w.A, w.B, w.C]) claims.push(await r.settle.claim());
    expect(claims.map((c) => c.paid)).toEqual([4n * 3n * UNIT, 4n * 2n * UNIT, 4n * UNIT]);
    expect(claims.every((c) => c.transactions.length === 1 && c.gasUsed > 0n)).toBe(true);
    const after = await balances(w);
    expect(after.A - before.A).toBe(12n * UNIT); // A's net earning is 4 units once B redeems A's tickets (below)
    expect(after.contract).toBe(before.contract - 24n * UNIT);
    const chA = await readChannel(w.aChain, w.aChain.account, w.bChain.account);
    expect(chA.balance).toBe(10n * OBOL - 8n * UNIT); // what A paid B
    // A second claim finds nothing: winners pay once.
    expect((await w.A.settle.claim()).paid).toBe(0n);
  });

  it("a relay that drops packets earns nothing for them; the hop before it still does", async () => {
    const w = await world();
    await send(w, { dropAt: "B" });
    await send(w);
    const [a, b, c] = [await w.A.settle.claim(), await w.B.settle.claim(), await w.C.settle.claim()];
    expect(a.paid).toBe(2n * 3n * UNIT);
    expect(b.paid).toBe(2n * UNIT); // only the forwarded packet
    expect(c.paid).toBe(UNIT);
  });
});

describe("channels scheme: every bad ticket is refused off chain with its reason", () => {
  async function firstHop(w: World, slot: Uint8Array, attachment: Uint8Array, ss: Uint8Array) {
    return w.A.onPacket(packet(slot, attachment, ss, w.bChain.account));
  }
  async function paid(w: World) {
    const secrets = w.route.map(() => new Uint8Array(randomBytes(32)));
    const pay = await w.client.pay({ route: w.route, secrets, epoch: 1n, kind: "payload" });
    return { secrets, pay, ticket: decodeAttachment(pay.attachment) };
  }
  const reason = (v: { accept: boolean; reason?: string }) => (v.accept ? "accepted" : v.reason!.split(":")[0]);

  it("forged signature, wrong channel, stale epoch, reused index, underpaid, above balance, unanswerable challenge, malformed", async () => {
    const w = await world();
    const mallory = privateKeySigner(hardhatKey(5));
    const client = privateKeySigner(hardhatKey(1));

    let p = await paid(w);
    const forged = await signTicket(p.ticket, w.domain, mallory);
    expect(reason(await firstHop(w, p.pay.slots[0]!, encodeAttachment(forged), p.secrets[0]!))).toBe(
      "forged-signature",
    );

    p = await paid(w);
    const otherChannel = await w.f.channels.read.channelId([w.clientChain.account, w.cChain.account]);
    const wrong = await signTicket({ ...p.ticket, channel: otherChannel }, w.domain, client);
    expect(reason(await firstHop(w, p.pay.slots[0]!, encodeAttachment(wrong), p.secrets[0]!))).toBe("wrong-channel");

    p = await paid(w);
    const stale = await signTicket({ ...p.ticket, epoch: 7n }, w.domain, client);
    expect(reason(await firstHop(w, p.pay.slots[0]!, encodeAttachment(stale), p.secrets[0]!))).toBe("stale-epoch");

    p = await paid(w);
    expect(reason(await firstHop(w, p.pay.slots[0]!, p.pay.attachment, p.secrets[0]!))).toBe("accepted");
    expect(reason(await firstHop(w, p.pay.slots[0]!, p.pay.attachment, p.secrets[0]!))).toBe("reused-index");

    p = await paid(w);
    const cheap = await signTicket({ ...p.ticket, index: p.ticket.index + 10n, amount: 2n * UNIT }, w.domain, client);
    expect(reason(await firstHop(w, p.pay.slots[0]!, encodeAttachment(cheap), p.secrets[0]!))).toBe("underpaid");
    const unlikely = await signTicket(
      { ...p.ticket, index: p.ticket.index + 11n, winProb: MAX_WIN >> 1n },
      w.domain,
      client,
    );
    expect(reason(await firstHop(w, p.pay.slots[0]!, encodeAttachment(unlikely), p.secrets[0]!))).toBe("underpaid");

    const slotMore = decodeSlot(p.pay.slots[0]!);
    expect(
      reason(
        await firstHop(
          w,
          encodeSlot({ ...slotMore, remaining: slotMore.remaining + 1 }),
          p.pay.attachment,
          p.secrets[0]!,
        ),
      ),
    ).toBe("underpaid");

    const rich = await signTicket({ ...p.ticket, index: p.ticket.index + 12n, amount: 11n * OBOL }, w.domain, client);
    expect(reason(await firstHop(w, p.pay.slots[0]!, encodeAttachment(rich), p.secrets[0]!))).toBe("above-balance");

    p = await paid(w);
    const slot = decodeSlot(p.pay.slots[0]!);
    const otherHint = decodeSlot((await paid(w)).pay.slots[0]!).hint;
    expect(reason(await firstHop(w, encodeSlot({ ...slot, hint: otherHint }), p.pay.attachment, p.secrets[0]!))).toBe(
      "unanswerable-challenge",
    );
    // The same ticket presented by a hop holding another shared secret cannot answer it either.
    expect(reason(await firstHop(w, p.pay.slots[0]!, p.pay.attachment, new Uint8Array(randomBytes(32))))).toBe(
      "unanswerable-challenge",
    );

    expect(reason(await firstHop(w, p.pay.slots[0]!, p.pay.attachment.subarray(1), p.secrets[0]!))).toBe("malformed");
    expect(reason(await firstHop(w, new Uint8Array(54), p.pay.attachment, p.secrets[0]!))).toBe("malformed");

    expect(w.A.stats.accepted).toBe(1);
    // Nothing refused left a trace that could later be redeemed.
    expect((await w.A.settle.claim()).paid).toBe(0n);
  });

  it("accepts tickets overtaking each other in the mixing delays, but each index only once", async () => {
    const w = await world();
    const [p1, p2] = [await paid(w), await paid(w)];
    expect(p2.ticket.index).toBe(p1.ticket.index + 1n);
    expect(reason(await firstHop(w, p2.pay.slots[0]!, p2.pay.attachment, p2.secrets[0]!))).toBe("accepted");
    expect(reason(await firstHop(w, p1.pay.slots[0]!, p1.pay.attachment, p1.secrets[0]!))).toBe("accepted");
    expect(reason(await firstHop(w, p1.pay.slots[0]!, p1.pay.attachment, p1.secrets[0]!))).toBe("reused-index");
  });

  it("never accepts a mutated ticket or slot (property: random byte changes, 0 accepted, 0 crashes)", async () => {
    const w = await world();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        async (inSlot, flips) => {
          const p = await paid(w);
          const slot = p.pay.slots[0]!.slice();
          const attachment = p.pay.attachment.slice();
          // In the slot: the flags byte and the hint, what the hop checks its own pay with. (The
          // onward challenge and `remaining` only shape the ticket it issues; Sphinx's header MAC
          // is what protects those.) Flips may cancel out, so compare with the original bytes.
          if (inSlot) for (const [pos, x] of flips) slot[pos % 34 === 1 ? 0 : pos % 34]! ^= x;
          else for (const [pos, x] of flips) attachment[pos % attachment.length]! ^= x;
          const unchanged =
            Buffer.compare(Buffer.from(slot), Buffer.from(p.pay.slots[0]!)) === 0 &&
            Buffer.compare(Buffer.from(attachment), Buffer.from(p.pay.attachment)) === 0;
          // A peer of its own per run: a tamperer injects as itself (authenticated links), and
          // a link that delivered a good ticket is only spot-checked (docs/channels.md §5d, tested below).
          const v = await w.A.onPacket({
            ...packet(slot, attachment, p.secrets[0]!, w.bChain.account),
            fromPeer: `tamperer-${run++}`,
          });
          expect(v.accept).toBe(unchanged);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("refuses to forward without an open onward channel, and ignores receipts that open nothing", async () => {
    const w = await world();
    const secrets = w.route.map(() => new Uint8Array(randomBytes(32)));
    const pay = await w.client.pay({ route: w.route, secrets, epoch: 1n, kind: "payload" });
    const v = await w.A.onPacket(packet(pay.slots[0]!, pay.attachment, secrets[0]!, w.dChain.account));
    expect(v.accept ? "accepted" : v.reason.split(":")[0]).toBe("no-onward-channel");
    await w.A.onReceipt({ packetRef: randomBytes(32), receipt: encodeReceipt(12345n), fromPeer: "x" });
    await w.A.onReceipt({ packetRef: randomBytes(32), receipt: new Uint8Array(31), fromPeer: "x" });
    expect(w.A.stats.badReceipts).toBe(2);
    expect(w.A.stats.wins).toBe(0);
  });

  it("the client refuses to pay without an open channel to the entry gateway", async () => {
    const w = await world();
    const route = [{ ...w.route[0]!, relay: w.dChain.account }, ...w.route.slice(1)];
    await expect(
      w.client.pay({ route, secrets: route.map(() => new Uint8Array(32).fill(1)), epoch: 1n, kind: "loop" }),
    ).rejects.toThrow(/No open channel/);
  });
});

describe("channels scheme: liquidity", () => {
  it("tops up an outgoing channel that fell below its floor at the next epoch, and no other", async () => {
    const w = await world();
    const A = new ChannelsRelay(
      { ...w.deps(w.aChain), relay: w.aChain.account },
      { params, topUpBelowUnits: 20_000n, topUpToUnits: 30_000n },
    );
    await A.start();
    await A.onEpoch(2n);
    expect((await readChannel(w.aChain, w.aChain.account, w.bChain.account)).balance).toBe(30_000n * UNIT);
    await A.onEpoch(3n); // above the floor now: nothing sent
    expect((await readChannel(w.aChain, w.aChain.account, w.bChain.account)).balance).toBe(30_000n * UNIT);
    // A's incoming channel (client → A) is not A's to fund.
    expect((await readChannel(w.aChain, w.clientChain.account, w.aChain.account)).balance).toBe(10n * OBOL);
  });

  it("retires cleanly: redeems winners, closes incoming channels, starts closure of outgoing ones", async () => {
    const w = await world();
    await send(w);
    const before = await balances(w);
    const r = await w.B.retire();
    expect(r).toEqual({ claimed: 2n * UNIT, closed: 1, closing: 1 });
    expect((await balances(w)).B - before.B).toBe(2n * UNIT);
    expect((await readChannel(w.bChain, w.aChain.account, w.bChain.account)).status).toBe("closed");
    expect((await readChannel(w.bChain, w.bChain.account, w.cChain.account)).status).toBe("pending-to-close");
    // C can still redeem what B owes it during the notice period.
    expect((await w.C.settle.claim()).paid).toBe(UNIT);
  });

  it("redeems waiting winners at the epoch timer once their lottery round is two behind", async () => {
    const w = await world();
    await send(w);
    const before = (await balances(w)).A;
    await w.A.onEpoch(2n); // round 2 starts; round 1 is still accepted, so its secret stays private
    expect((await balances(w)).A - before).toBe(0n);
    await w.A.onEpoch(3n); // round 3: round 1 closed, revealed and redeemed
    expect((await balances(w)).A - before).toBe(3n * UNIT);
  });
});

describe("channels scheme: a trusted link's signatures verified on a sample (docs/channels.md §5d)", () => {
  /** A fresh ticket of the client's channel (fresh index, answerable challenge), signed by `signer`. */
  async function ticketSignedBy(w: World, signer: TicketSigner) {
    const secrets = w.route.map(() => new Uint8Array(randomBytes(32)));
    const pay = await w.client.pay({ route: w.route, secrets, epoch: 1n, kind: "payload" });
    const attachment = encodeAttachment(await signTicket(decodeAttachment(pay.attachment), w.domain, signer));
    return { secrets, slot: pay.slots[0]!, attachment };
  }
  const from = (t: Awaited<ReturnType<typeof ticketSignedBy>>, peer: string, w: World): IncomingPacket => ({
    ...packet(t.slot, t.attachment, t.secrets[0]!, w.bChain.account),
    fromPeer: peer,
  });
  const reason = (v: { accept: boolean; reason?: string }) => (v.accept ? "accepted" : v.reason!.split(":")[0]);
  const mallory = privateKeySigner(hardhatKey(5));
  const source = privateKeySigner(hardhatKey(1));

  it("a peer that is not the channel's source never gets a forged ticket past the check, and cannot hurt the source", async () => {
    const w = await world();
    expect(reason(await w.A.onPacket(from(await ticketSignedBy(w, source), "client", w)))).toBe("accepted");
    // Mallory names the client's (trusted) channel from its own peer: every ticket is verified.
    for (let i = 0; i < 20; i++)
      expect(reason(await w.A.onPacket(from(await ticketSignedBy(w, mallory), "mallory", w)))).toBe("forged-signature");
    expect(reason(await w.A.onPacket(from(await ticketSignedBy(w, source), "client", w)))).toBe("accepted");
    expect(w.A.stats.rejected["banned-channel"]).toBeUndefined();
  });

  it("a source forging tickets on its own trusted link is cut off after (1 − q)/q of them on average (seeded spot checks)", async () => {
    const w = await world();
    const q = RELAY_DEFAULTS.spotCheckRate;
    const random = seededRandom(0x5107);
    const db = openDatabase(":memory:"); // one store (A's lottery round), a fresh relay object per trial
    const trials = 30;
    const relayed: number[] = [];
    for (let t = 0; t < trials; t++) {
      const A = new ChannelsRelay({ ...w.deps(w.aChain, db), relay: w.aChain.account }, { params, random });
      await A.start();
      expect(reason(await A.onPacket(from(await ticketSignedBy(w, source), "client", w)))).toBe("accepted");
      let forged = 0;
      for (;;) {
        const v = await A.onPacket(from(await ticketSignedBy(w, mallory), "client", w));
        if (!v.accept) {
          expect(reason(v)).toBe("forged-signature"); // caught by a spot check
          break;
        }
        await leave(v); // relayed, and the onward ticket paid, for a ticket worth nothing
        forged++;
      }
      relayed.push(forged);
      // Cut off: the channel's tickets are refused from any peer, genuine ones too; so is the peer.
      expect(reason(await A.onPacket(from(await ticketSignedBy(w, source), "client", w)))).toBe("banned-channel");
      expect(reason(await A.onPacket(from(await ticketSignedBy(w, source), "client-2", w)))).toBe("banned-channel");
      expect((await A.settle.claim()).paid).toBe(0n);
    }
    // Forged tickets relayed before the cut-off are geometric: mean (1 − q)/q = 7, sd √(1 − q)/q.
    const mean = relayed.reduce((a, b) => a + b, 0) / trials;
    const band = (3 * Math.sqrt(1 - q)) / q / Math.sqrt(trials);
    expect(mean).toBeGreaterThan((1 - q) / q - band);
    expect(mean).toBeLessThan((1 - q) / q + band);
    // P(more than ln(10⁻⁶)/ln(1 − q) ≈ 103) = 10⁻⁶ per cheater.
    expect(Math.max(...relayed)).toBeLessThan(Math.log(1e-6) / Math.log(1 - q));
  });

  it("a forged ticket that escaped the spot checks is caught when it wins: channel and peer cut off", async () => {
    const w = await world(); // p = 1 here: every ticket wins
    const A = new ChannelsRelay(
      { ...w.deps(w.aChain), relay: w.aChain.account },
      { params, random: () => 0.999 }, // never a spot check
    );
    await A.start();
    expect(reason(await A.onPacket(from(await ticketSignedBy(w, source), "client", w)))).toBe("accepted");
    const forged = await ticketSignedBy(w, mallory);
    const v = await A.onPacket(from(forged, "client", w));
    expect(reason(v)).toBe("accepted"); // the price of sampling
    await leave(v);
    await A.onReceipt({
      packetRef: randomBytes(32),
      receipt: w.B.receipt({ ss: forged.secrets[1]!, packetRef: new Uint8Array(32) }),
      fromPeer: "B",
    });
    expect(A.stats.wins).toBe(0); // never kept as a winner
    expect(reason(await A.onPacket(from(await ticketSignedBy(w, source), "client", w)))).toBe("banned-channel");
    expect(reason(await A.onPacket(from(await ticketSignedBy(w, source), "client-2", w)))).toBe("banned-channel");
    expect((await A.settle.claim()).paid).toBe(0n);
  });
});

describe("channels scheme: crash safety of redemption", () => {
  it("a relay killed after broadcasting restarts without losing or double-redeeming a ticket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "obol-channels-"));
    const w = await world();
    const dbPath = join(dir, "a.sqlite");
    const A = w.relay(w.aChain, openDatabase(dbPath));
    await A.start();
    w.A = A;
    for (let i = 0; i < 3; i++) await send(w);
    const before = (await balances(w)).A;

    const crashing = new ChannelsSettle(
      { ...w.deps(w.aChain, openDatabase(dbPath)), relay: w.aChain.account },
      {
        afterBroadcast: () => {
          throw new Error("killed");
        },
      },
    );
    await expect(crashing.claim()).rejects.toThrow("killed");
    // The transaction landed, but the crashed process never recorded it.
    expect((await balances(w)).A - before).toBe(9n * UNIT);

    const restarted = new ChannelsSettle({ ...w.deps(w.aChain, openDatabase(dbPath)), relay: w.aChain.account });
    const r = await restarted.claim();
    expect(r.details.recovered).toBe(3);
    expect(r.paid).toBe(9n * UNIT); // reported once, now
    expect((await balances(w)).A - before).toBe(9n * UNIT); // and paid once
    expect((await restarted.claim()).paid).toBe(0n);
  });

  it("a relay killed after recording intent but before sending redeems on restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "obol-channels-"));
    const w = await world();
    const dbPath = join(dir, "a.sqlite");
    const A = w.relay(w.aChain, openDatabase(dbPath));
    await A.start();
    w.A = A;
    await send(w);
    const store = new ChannelsStore(openDatabase(dbPath));
    store.setState(store.won("won"), "submitted"); // intent recorded, then SIGKILL
    const before = (await balances(w)).A;
    const r = await new ChannelsSettle({ ...w.deps(w.aChain, openDatabase(dbPath)), relay: w.aChain.account }).claim();
    expect(r.paid).toBe(3n * UNIT);
    expect((await balances(w)).A - before).toBe(3n * UNIT);
  });
});

describe("channels scheme: unverifiable hints (issue 9, finding 5)", () => {
  it("a junk hint costs the relay one unpaid hop per packet, and the loss is attributed to the incoming channel", async () => {
    const w = await world();
    const client = privateKeySigner(hardhatKey(1));
    const secrets = w.route.map(() => new Uint8Array(randomBytes(32)));
    const pay = await w.client.pay({ route: w.route, secrets, epoch: 1n, kind: "payload" });
    // The client writes a hint that is not ack_B·G and signs a challenge that fits it, so A's check passes.
    const junkHint = hintOf(123456789n);
    const slot = encodeSlot({ ...decodeSlot(pay.slots[0]!), hint: junkHint });
    const challenge = pointAddress(ownKey(secrets[0]!) + 123456789n);
    const ticket = await signTicket({ ...decodeAttachment(pay.attachment), challenge }, w.domain, client);
    const ref = new Uint8Array(randomBytes(32));
    const va = await w.A.onPacket({
      ...packet(slot, encodeAttachment(ticket), secrets[0]!, w.bChain.account),
      packetRef: ref,
    });
    expect(va.accept).toBe(true); // A cannot tell: this is the loss being bounded
    const vb = await w.B.onPacket(packet(pay.slots[1]!, await leave(va), secrets[1]!, w.cChain.account));
    expect(vb.accept).toBe(true); // B is paid normally by A's onward ticket
    await w.A.onReceipt({
      packetRef: ref,
      receipt: w.B.receipt({ ss: secrets[1]!, packetRef: new Uint8Array(32) }),
      fromPeer: "B",
    });
    expect(w.A.stats.badReceipts).toBe(1);
    expect(w.A.stats.junkHints).toEqual({ [decodeAttachment(pay.attachment).channel]: 1 });
    expect(w.A.stats.wins).toBe(0);
    expect((await w.A.settle.claim()).paid).toBe(0n); // A's own pay for this packet is lost: one hop, once
  });
});

describe("channels scheme: a channel that keeps sending junk hints is banned (issue 9, finding 5)", () => {
  it("junk confirmed by two next hops bans the incoming channel; one next hop alone cannot get it banned", async () => {
    const w = await world();
    const client = privateKeySigner(hardhatKey(1));
    /** A packet from the client whose hint is junk, accepted by A, and the receipt of `peer` for it. */
    const junk = async (peer: string) => {
      const secrets = w.route.map(() => new Uint8Array(randomBytes(32)));
      const pay = await w.client.pay({ route: w.route, secrets, epoch: 1n, kind: "payload" });
      const k = 1000n + BigInt(randomBytes(4).readUInt32BE());
      const slot = encodeSlot({ ...decodeSlot(pay.slots[0]!), hint: hintOf(k) });
      const ticket = await signTicket(
        { ...decodeAttachment(pay.attachment), challenge: pointAddress(ownKey(secrets[0]!) + k) },
        w.domain,
        client,
      );
      const ref = new Uint8Array(randomBytes(32));
      const v = await w.A.onPacket({
        ...packet(slot, encodeAttachment(ticket), secrets[0]!, w.bChain.account),
        packetRef: ref,
      });
      if (v.accept) {
        await leave(v);
        await w.A.onReceipt({
          packetRef: ref,
          receipt: w.B.receipt({ ss: secrets[1]!, packetRef: new Uint8Array(32) }),
          fromPeer: peer,
        });
      }
      return v;
    };
    const channel = decodeAttachment(
      (await w.client.pay({ route: w.route, secrets: w.route.map(() => randomBytes(32)), epoch: 1n, kind: "payload" }))
        .attachment,
    ).channel;
    // One next hop reporting junk many times (it may be the liar): no ban.
    for (let i = 0; i < 5; i++) expect((await junk("B")).accept).toBe(true);
    expect(w.A.stats.junkHints[channel]).toBe(5);
    // A second next hop confirms it: the channel is banned, and its next packet is refused by name.
    expect((await junk("D")).accept).toBe(true);
    const v = await junk("B");
    expect(v.accept).toBe(false);
    if (!v.accept) expect(v.reason).toMatch(/^banned-channel: /);
    expect(w.A.stats.rejected["banned-channel"]).toBe(1);
  });
});

describe("channels scheme: probabilistic tickets", () => {
  type World = Awaited<ReturnType<typeof world>>;

  /** Relay A (claims only when asked) and relay B on `w` under `params`, both started. */
  async function lotteryRelays(w: World, params: ChannelsParams): Promise<{ A: ChannelsRelay; B: ChannelsRelay }> {
    const A = new ChannelsRelay(
      { ...w.deps(w.aChain), relay: w.aChain.account },
      { params, topUpBelowUnits: 0n, redeemThreshold: 1_000 },
    );
    const B = new ChannelsRelay({ ...w.deps(w.bChain), relay: w.bChain.account }, { params, topUpBelowUnits: 0n });
    await A.start();
    await B.start();
    return { A, B };
  }

  /** `n` packets paid by `client`, each accepted by A and its onward ticket receipted by B. */
  async function payThroughA(w: World, client: ChannelsClient, A: ChannelsRelay, B: ChannelsRelay, n: number) {
    for (let i = 0; i < n; i++) {
      const secrets = w.route.map(() => new Uint8Array(randomBytes(32)));
      const pay = await client.pay({ route: w.route, secrets, epoch: 1n, kind: "payload" });
      const v = await A.onPacket(packet(pay.slots[0]!, pay.attachment, secrets[0]!, w.bChain.account));
      expect(v.accept, v.accept ? "" : v.reason).toBe(true);
      await A.onReceipt({
        packetRef: randomBytes(32),
        receipt: B.receipt({ ss: secrets[1]!, packetRef: new Uint8Array(32) }),
        fromPeer: "B",
      });
    }
  }
  it("off-chain win decisions agree with the contract: every stored winner redeems, losers never go on chain", async () => {
    const w = await world();
    const half: ChannelsParams = { unitAmount: UNIT, winProb: (1n << 55n) - 1n };
    const client = new ChannelsClient(w.deps(w.clientChain), { params: half });
    const { A, B } = await lotteryRelays(w, half);
    await payThroughA(w, client, A, B, 16);
    expect(A.stats.wins + A.stats.losses).toBe(16);
    expect(A.stats.wins).toBeGreaterThan(0);
    expect(A.stats.losses).toBeGreaterThan(0);
    const claim = await A.settle.claim();
    expect(claim.details.redeemed).toBe(A.stats.wins);
    expect(claim.paid).toBe(BigInt(A.stats.wins) * 3n * UNIT);
  });

  it("a source that flips its signatures' yParity bit still pays: winners are kept with the bit ecrecover needs", async () => {
    // The relay checks (r, s) against the source's kept key and ignores the bit (the cheaper
    // check, docs/channels.md §8 relay CPU); the contract's ecrecover does not, so the relay
    // sets it right for every winner. Every stored winner must redeem on chain.
    const w = await world();
    const half: ChannelsParams = { unitAmount: UNIT, winProb: (1n << 55n) - 1n };
    const honest = privateKeySigner(hardhatKey(1));
    expect(honest.address.toLowerCase()).toBe(w.clientChain.account.toLowerCase());
    let signed = 0;
    const flipping = {
      address: honest.address,
      signDigest(digest: Uint8Array) {
        const sig = Uint8Array.from(honest.signDigest(digest, null as never) as Uint8Array);
        if (signed++ > 0) sig[32]! ^= 0x80; // the first ticket is right: the relay learns the key from it
        return sig;
      },
    };
    const client = new ChannelsClient(w.deps(w.clientChain), { params: half, signer: flipping });
    const { A, B } = await lotteryRelays(w, half);
    await payThroughA(w, client, A, B, 24);
    expect(signed).toBe(24);
    expect(A.stats.wins).toBeGreaterThan(1); // at least one winner signed with the wrong bit
    const claim = await A.settle.claim();
    expect(claim.details.redeemed).toBe(A.stats.wins);
    expect(claim.paid).toBe(BigInt(A.stats.wins) * 3n * UNIT);
  });
});
