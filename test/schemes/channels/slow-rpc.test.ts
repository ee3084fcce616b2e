/**
 * Issue 9: a packet on a channel the relay does not know yet (opened since its last refresh)
 * makes it re-read its channels from the chain. That read must not happen inside the packet's
 * group commit, or one slow RPC stalls every other packet's commit behind it. The RPC here is
 * held by a gate the test opens; the assertions are about order, not time.
 */
import { describe, it, expect } from "vitest";
import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import type { Libp2p } from "@libp2p/interface";
import { connect, chainClientsFor, OBOL } from "./helpers.js";
import { openDatabase } from "../../../src/store/db.js";
import { GroupCommitter } from "../../../src/store/commit.js";
import { silentLogger } from "../../../src/log.js";
import type { ChainClients } from "../../../src/chain/types.js";
import type { IncomingPacket, RelayScheme, RouteHop } from "../../../src/schemes/scheme.js";
import { ChannelsClient } from "../../../src/schemes/channels/client.js";
import { incomingPacket } from "../../../src/schemes/incoming.js";
import { ChannelsRelay } from "../../../src/schemes/channels/relay.js";
import { openChannel, readRound } from "../../../src/schemes/channels/chain.js";
import { decodeAttachment, roundOf } from "../../../src/schemes/channels/ticket.js";
import { DEFAULT_PARAMS } from "../../../src/schemes/channels/constants.js";

const env = await connect();

/**
 * A chain whose `getContractEvents` (how a relay lists its channels) waits while the gate is shut;
 * with `reads: "rounds"`, its `readContract` of `currentRound` (a next hop's lottery round) instead.
 */
function gated(chain: ChainClients, what: "channels" | "rounds" = "channels") {
  let shut = false;
  let open: () => void = () => {};
  let waiting: Promise<void> = Promise.resolve();
  const reads: string[] = [];
  let entered: (() => void) | null = null;
  const publicClient = new Proxy(chain.publicClient, {
    get(target, prop, receiver) {
      const method = what === "channels" ? "getContractEvents" : "readContract";
      if (prop !== method) return Reflect.get(target, prop, receiver);
      return async (...args: unknown[]) => {
        const gatedCall =
          what === "channels" || (args[0] as { functionName?: string } | undefined)?.functionName === "currentRound";
        if (shut && gatedCall) {
          reads.push("held");
          entered?.();
          await waiting;
        }
        return (target[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      };
    },
  });
  return {
    chain: { ...chain, publicClient } as ChainClients,
    reads,
    shut(): Promise<void> {
      shut = true;
      waiting = new Promise((r) => (open = r));
      return new Promise((r) => (entered = r)); // resolves when a read is held
    },
    open(): void {
      shut = false;
      open();
    },
  };
}

/** A relay's or payer's parts on `c`: its own in-memory database, no libp2p (the tests call `onPacket` directly). */
function deps(c: ChainClients) {
  return { chain: c, db: openDatabase(":memory:"), log: silentLogger(), libp2p: null as unknown as Libp2p };
}

/** A route through the given relays, layer by layer. */
function routeThrough(chains: ChainClients[]): RouteHop[] {
  return chains.map((c, layer) => ({ relay: c.account, mixKey: new Uint8Array(32), layer }));
}

/** The packet the route's first relay receives: the first slot of a fresh payment, fresh tags, bound for `nextHop`. */
async function paidPacket(payer: ChannelsClient, route: RouteHop[], nextHop: Address): Promise<IncomingPacket> {
  const secrets = route.map(() => new Uint8Array(randomBytes(32)));
  const pay = await payer.pay({ route, secrets, epoch: 1n, kind: "payload" });
  return incomingPacket(pay.slots[0]!, 1n, {
    attachment: pay.attachment,
    ss: secrets[0]!,
    replayTag: randomBytes(32),
    packetRef: randomBytes(32),
    nextHop,
  });
}

describe("channels relay: re-reading channels never stalls other packets' commits", () => {
  it("a packet on a just-opened channel waits for the slow read outside the commit; others commit meanwhile", {
    timeout: 120_000,
  }, async () => {
    const f = await env.deploy();
    const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
    const [alice, late, aChain, bChain, cChain] = (await Promise.all(
      [1, 5, 2, 3, 4].map((i) => chainClientsFor(env, i, contracts)),
    )) as ChainClients[];
    await openChannel(alice!, aChain!.account, 10n * OBOL);
    await openChannel(aChain!, bChain!.account, 10n * OBOL);
    const params = DEFAULT_PARAMS;
    const B = new ChannelsRelay({ ...deps(bChain!), relay: bChain!.account }, { params, topUpBelowUnits: 0n });
    await B.start();
    const slow = gated(aChain!);
    let now = 0; // the relay re-reads at most once a second: the test moves its clock, no sleeping
    const aDeps = deps(slow.chain);
    const A = new ChannelsRelay({ ...aDeps, relay: aChain!.account }, { params, topUpBelowUnits: 0n, now: () => now });
    await A.start();
    const committer = new GroupCommitter({ db: aDeps.db });
    const route = routeThrough([aChain!, bChain!, cChain!]);
    const payFrom = (c: ChainClients) => new ChannelsClient(deps(c), { params });
    const packet = (payer: ChannelsClient) => paidPacket(payer, route, bChain!.account);
    // As the relay pipeline runs a packet: prepare outside the commit, then the checks inside it.
    const process = async (p: IncomingPacket) => {
      await (A as RelayScheme).prepare?.(p);
      return committer.run(() => A.onPacket(p));
    };

    await openChannel(late!, aChain!.account, 10n * OBOL); // after A's last refresh
    const fromLate = await packet(payFrom(late!));
    const fromAlice = await packet(payFrom(alice!));
    now += 2_000;
    const order: string[] = [];
    const held = slow.shut();
    const lateVerdict = process(fromLate).then((v) => {
      order.push("late");
      return v;
    });
    await held; // the read for the unknown channel is in flight and held
    const aliceVerdict = await process(fromAlice);
    order.push("alice");
    expect(aliceVerdict.accept).toBe(true);
    slow.open();
    const v = await lateVerdict;
    expect(order).toEqual(["alice", "late"]);
    expect(v.accept, v.accept ? "" : v.reason).toBe(true); // the channel was found by the read, outside the commit
    expect(slow.reads.length).toBeGreaterThan(0);
  });

  it("inside a commit, an unknown channel is refused at once with a named reason and read in the background", {
    timeout: 120_000,
  }, async () => {
    const f = await env.deploy();
    const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
    const [late, aChain, bChain, cChain] = (await Promise.all(
      [5, 2, 3, 4].map((i) => chainClientsFor(env, i, contracts)),
    )) as ChainClients[];
    await openChannel(aChain!, bChain!.account, 10n * OBOL);
    const B = new ChannelsRelay({ ...deps(bChain!), relay: bChain!.account }, { topUpBelowUnits: 0n });
    await B.start();
    const slow = gated(aChain!);
    let now = 0;
    const aDeps = deps(slow.chain);
    const A = new ChannelsRelay({ ...aDeps, relay: aChain!.account }, { topUpBelowUnits: 0n, now: () => now });
    await A.start();
    await openChannel(late!, aChain!.account, 10n * OBOL);
    const route = routeThrough([aChain!, bChain!, cChain!]);
    const p = await paidPacket(new ChannelsClient(deps(late!)), route, bChain!.account);
    now += 2_000;
    const held = slow.shut();
    const v = await new GroupCommitter({ db: aDeps.db }).run(() => A.onPacket(p)); // resolves with the read still held
    expect(v.accept).toBe(false);
    if (!v.accept) expect(v.reason).toMatch(/^wrong-channel: .*re-reading/);
    await held; // the background read started
    slow.open();
    await (A as RelayScheme).prepare?.(p); // waits for that read; then the channel is known
    const again = await A.onPacket({ ...p, replayTag: randomBytes(32) });
    expect(again.accept, again.accept ? "" : again.reason).toBe(true);
  });

  /**
   * The onward ticket is made inside the group commit when the packet leaves the delay queue
   * (src/relay/relay.ts `#forward`). It names the next hop's lottery round, which the relay must
   * read from the chain when it has none yet (a next hop that started after it) or when its view
   * is stale: that read must not happen inside the commit either.
   */
  async function twoRelays(options: { bStartsLate: boolean }) {
    const f = await env.deploy();
    const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
    const [alice, aChain, bChain, cChain] = (await Promise.all(
      [1, 2, 3, 4].map((i) => chainClientsFor(env, i, contracts)),
    )) as ChainClients[];
    await openChannel(alice!, aChain!.account, 10n * OBOL);
    await openChannel(aChain!, bChain!.account, 10n * OBOL);
    const B = new ChannelsRelay({ ...deps(bChain!), relay: bChain!.account }, { topUpBelowUnits: 0n });
    if (!options.bStartsLate) await B.start();
    const slow = gated(aChain!, "rounds");
    const clock = { now: 0 };
    const aDeps = deps(slow.chain);
    const A = new ChannelsRelay({ ...aDeps, relay: aChain!.account }, { topUpBelowUnits: 0n, now: () => clock.now });
    await A.start(); // reads B's round: none yet when B starts late
    if (options.bStartsLate) await B.start(); // B commits its first round after A's read
    const route = routeThrough([aChain!, bChain!, cChain!]);
    const payer = new ChannelsClient(deps(alice!));
    const packet = () => paidPacket(payer, route, bChain!.account);
    const committer = new GroupCommitter({ db: aDeps.db });
    /** As the relay runs a forwarded packet: prepare, the checks in a commit, then (dequeued) the onward ticket in a commit. */
    const forward = async (p: IncomingPacket): Promise<Uint8Array> => {
      await (A as RelayScheme).prepare?.(p);
      const v = await committer.run(() => A.onPacket(p));
      if (!v.accept) throw new Error(`refused: ${v.reason}`);
      return committer.run(() => v.onward!());
    };
    return { A, B, aChain: aChain!, bChain: bChain!, slow, clock, packet, committer, forward };
  }

  it("the first packet to a next hop whose round the relay has not seen reads it outside the commit", {
    timeout: 120_000,
  }, async () => {
    const { A, bChain, slow, packet, committer, forward } = await twoRelays({ bStartsLate: true });
    const [first, other] = [await packet(), await packet()];
    const order: string[] = [];
    const held = slow.shut();
    const onward = forward(first).then((att) => {
      order.push("first");
      return att;
    });
    await held; // the read of B's round is in flight and held
    // Another packet's commit goes through meanwhile (on the old code it queued behind the held read).
    const v = await committer.run(() => A.onPacket(other));
    order.push("other");
    expect(v.accept, v.accept ? "" : v.reason).toBe(true);
    slow.open();
    const attachment = await onward;
    expect(order).toEqual(["other", "first"]);
    // The onward ticket names B's first round, which the read found.
    const t = decodeAttachment(attachment);
    expect(roundOf(t.index)).toBe(await readRound(bChain, bChain.account));
    expect(roundOf(t.index)).toBeGreaterThan(0n);
  });

  it("a stale view of the next hop's round is refreshed in the background; the onward ticket does not wait for it", {
    timeout: 120_000,
  }, async () => {
    const { A, slow, clock, packet, committer } = await twoRelays({ bStartsLate: false });
    const p = await packet();
    clock.now += 60_000; // A's view of B's round is now older than it trusts
    const held = slow.shut();
    await (A as RelayScheme).prepare?.(p); // the round is known (stale): nothing to wait for here
    const v = await committer.run(() => A.onPacket(p)); // starts the background re-read
    if (!v.accept) throw new Error(v.reason);
    await held; // that re-read is in flight and held
    const attachment = await committer.run(() => v.onward!()); // on the old code this waited for the held read
    expect(roundOf(decodeAttachment(attachment).index)).toBe(1n); // the round it knew
    slow.open();
  });
});
