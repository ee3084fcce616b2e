/**
 * One epoch of mixed traffic in a shopper world, timed as a relay sees it
 * (issue 11, finding 1): the real `Auditor` sends its loops on a virtual
 * clock, clients' packets are built by the real client code (`buildPacket`,
 * `hopDelays`, Poisson send times), and every packet is carried hop by hop
 * with the real Sphinx peel. Each hop records what it observes: arrival time
 * within the epoch, previous peer, the delay it was asked to hold, the final
 * action. A dropper decides per packet from that observation alone.
 * Used by the strategic-dropper scenario (./attacks-audit.ts), test/schemes/shopper/dropper.test.ts
 * and bench/shopper-classifier.bench.ts.
 */
import { bytesToHex, type Address, type Hex } from "viem";
import { x25519Group } from "../../crypto/sphinx/group.js";
import { peelPacket } from "../../crypto/sphinx/packet.js";
import { headerSize } from "../../crypto/sphinx/params.js";
import { openDatabase } from "../../store/db.js";
import { silentLogger } from "../../log.js";
import { buildPacket, hopDelays, obolNetwork } from "../../client/packet.js";
import { DEFAULT_RATES, sampleExponential, type RandomFloat } from "../../client/loopix.js";
import { Auditor } from "./auditor.js";
import { ShopperClient } from "./client.js";
import { scheme as shopperScheme } from "./scheme.js";
import { headerHashOf, leafValue } from "./loop.js";
import { mailboxId } from "../../net/inbox.js";
import type { ChainClients } from "../../chain/types.js";
import type { RouteHop } from "../../schemes/scheme.js";
import { WORLD_PARAMS as PARAMS, type ShopperWorld as World, type WorldRelay as Relay } from "./world.js";

/** What one hop sees of one packet. */
export type Observation = {
  relay: Address;
  /** Hop index on the route (0 entry gateway … 4 exit gateway). */
  hop: number;
  /** ms since the epoch started when the packet arrived. */
  arrivalMs: number;
  /** The peer it came from: a relay address, or `link:<id>` for a client-side link into a gateway. */
  from: string;
  /** Delay the header asks this hop to hold, ms. */
  delayMs: number;
  action: string;
  audit: boolean;
};

/** The ChainClients an auditor of relay `r` uses on the world's chain. */
export function chainOf(w: World, r: Relay): ChainClients {
  return {
    publicClient: w.publicClient as never,
    walletClient: r.wallet as never,
    account: r.address,
    deployment: {
      chainId: w.chainId,
      rpcUrl: "",
      startBlock: 0n,
      contracts: { ObolToken: w.token.address, RelayRegistry: w.registry.address, ShopperAudit: w.shopper.address },
    },
  };
}

/**
 * The auditor's pull port on the world: empties the mailbox of `pullKey` at
 * `gateway` (what `/obol/inbox/1` serves from the gateway's InboxStore).
 */
export function pullFrom(w: World) {
  return async (gateway: Address, pullKey: Uint8Array): Promise<Uint8Array[]> => {
    const inbox = w.relayOf(gateway).inbox;
    const id = bytesToHex(mailboxId(pullKey));
    const bodies = inbox.get(id) ?? [];
    inbox.delete(id);
    return bodies;
  };
}

/** A clock whose sleeps pass instantly, reading `startMs` at first: the auditor's schedule, without waiting an epoch. */
export function virtualClock(startMs = 0) {
  let t = startMs;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += Math.max(0, ms);
    },
  };
}

export type Sent = { at: number; packet: Uint8Array; first: Address; audit: boolean; sender: string };

/**
 * Runs every relay's real Auditor for epoch `e` on virtual clocks and returns
 * what they handed to their send path, with the send time in ms since the
 * epoch began: each clock starts at the chain's time into the epoch, as the
 * Auditor reads it (a clock starting at 0 put every loop that much earlier
 * than the user packets it is compared with).
 */
export async function auditorSends(
  w: World,
  e: bigint,
  {
    loops,
    meanDelayMs = DEFAULT_RATES.meanDelayMs,
    spreadMs,
  }: {
    loops?: number;
    meanDelayMs?: number /** Sends within this many ms of the epoch's start (default: the epoch). */;
    spreadMs?: number;
  } = {},
) {
  const sent: Sent[] = [];
  const auditors: Auditor[] = [];
  const now = (await w.publicClient.getBlock({ blockTag: "latest" })).timestamp;
  const begun = BigInt(await w.registry.read.genesis()) + e * w.epochSeconds;
  const intoEpochMs = spreadMs === undefined ? Math.max(0, Number(now - begun) * 1000) : 0;
  await Promise.all(
    w.relays.map(async (r) => {
      const clock = virtualClock(intoEpochMs);
      const auditor = new Auditor({
        chain: chainOf(w, r),
        db: openDatabase(":memory:"),
        log: silentLogger(),
        vrfSecretKey: r.vrf.secretKey,
        params: PARAMS,
        meanDelayMs,
        clock,
        ...(spreadMs === undefined ? {} : { spreadMs }),
        pull: pullFrom(w),
        send: async (packet: Uint8Array, first: RouteHop) =>
          void sent.push({ at: clock.now(), packet, first: first.relay, audit: true, sender: r.address }),
      } as ConstructorParameters<typeof Auditor>[0]);
      auditors.push(auditor);
      await auditor.sendLoops(e, loops);
    }),
  );
  return { sent, auditors };
}

/**
 * Clients' packets over one epoch: each client sends Poisson payloads at
 * `ratePerS` through its own gateway to a random recipient's gateway, built by
 * the real client code with Loopix delays.
 */
export async function userSends(
  w: World,
  e: bigint,
  { clients = 6, ratePerS = 0.1, random }: { clients?: number; ratePerS?: number; random: RandomFloat },
) {
  const layers = await w.layers(e);
  const network = obolNetwork(shopperScheme);
  const payer = new ShopperClient();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const sent: Sent[] = [];
  for (let c = 0; c < clients; c++) {
    const gateway = pick(layers[0]!);
    for (
      let at = sampleExponential(1000 / ratePerS, random);
      at < Number(w.epochSeconds) * 1000;
      at += sampleExponential(1000 / ratePerS, random)
    ) {
      const route = [gateway, pick(layers[1]!), pick(layers[2]!), pick(layers[3]!), { ...pick(layers[4]!), layer: 4 }];
      const mailbox = new Uint8Array(32).map(() => Math.floor(random() * 256));
      const { packet } = await buildPacket({
        network,
        payer,
        route,
        epoch: e,
        kind: "payload",
        delays: hopDelays(route, DEFAULT_RATES.meanDelayMs, random),
        final: { action: "deliver", mailbox },
        message: new Uint8Array(16),
      });
      sent.push({ at, packet, first: gateway.relay, audit: false, sender: `link:client${c}` });
    }
  }
  return sent;
}

/**
 * Carries a packet from its send time through the relays (real peel; each
 * relay records the leaf its store would hold). `forward(obs)` is asked at
 * every hop after the tag is recorded (a dropper's rational order); false
 * stops the packet there. At a `deliver` hop, true puts the body into the
 * exit gateway's mailbox (as the pipeline's inbox row).
 */
export function carryTimed(
  w: World,
  e: bigint,
  s: Sent,
  forward: (o: Observation) => boolean,
  seen: Observation[],
): void {
  let current: Address | null = s.first;
  let p: Uint8Array | null = s.packet;
  let at = s.at;
  let from = s.sender.startsWith("link:") ? s.sender : `link:${s.sender}`;
  for (let hop = 0; current && p; hop++) {
    const r = w.relayOf(current);
    const peeled = peelPacket({ group: x25519Group, params: PARAMS, secretKey: r.mixSecret, packet: p });
    const header = p.slice(0, headerSize(x25519Group, PARAMS.routingInfoSize));
    const value = leafValue(peeled.replayTag, headerHashOf(header));
    const list = r.tags.get(e) ?? [];
    list.push(value);
    r.tags.set(e, list);
    r.leafOf.set(`${e}:${bytesToHex(peeled.replayTag)}`, value);
    const o: Observation = {
      relay: r.address,
      hop,
      arrivalMs: at,
      from,
      delayMs: peeled.hop.delayMs,
      action: peeled.hop.action,
      audit: s.audit,
    };
    seen.push(o);
    if (!forward(o)) return;
    if (peeled.hop.action === "deliver") {
      const id = bytesToHex(peeled.hop.mailbox);
      r.inbox.set(id, [...(r.inbox.get(id) ?? []), peeled.body]);
    }
    at += peeled.hop.delayMs;
    from = r.address;
    p = peeled.next;
    current = peeled.hop.action === "forward" ? peeled.hop.next : null;
  }
}

/** Reveals and proves every sent loop of `e` (current epoch e + 2), as the auditors and relays do; audit ids. */
export async function revealAndProve(w: World, e: bigint, auditors: Auditor[]): Promise<Hex[]> {
  const ids: Hex[] = [];
  for (const [i, auditor] of auditors.entries()) {
    const sender = w.relays[i]!; // auditors are in relay order
    for (const l of auditor.store.loopsOf(e)) {
      if (l.state !== "sent") continue;
      // As the auditor does: only a winning loop is revealed (every loop wins at the tests' threshold).
      if (!(await w.shopper.read.isWinner([e, bytesToHex(l.beta)]))) continue;
      const claim = w.claim(l);
      await w.shopper.write.reveal([sender.address, e, l.index, bytesToHex(l.proof), claim], {
        account: sender.wallet.account,
      });
      const id = w.auditIdOf(sender.address, e, l.index);
      auditor.store.setLoopState(e, l.index, "revealed", id);
      const hops = [0, 1, 2, 3, 4].filter((h) => w.proofFor(e, l.route[h]!, l.tags[h]!) !== null);
      if (hops.length)
        await w.shopper.write.proveHops([id, claim, hops, hops.map((h) => w.proofFor(e, l.route[h]!, l.tags[h]!)!)]);
      ids.push(id);
    }
  }
  return ids;
}
