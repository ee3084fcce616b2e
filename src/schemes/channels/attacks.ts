/**
 * Economic attacks on channels (docs/compare.md §Attack scenarios), run by
 * `obol compare` and by `test/schemes/channels/grind.test.ts` against the
 * real PaymentChannels contract and `ChannelsRelay`.
 *
 * Grinding source (issue 9, finding 2): the source (a client, or a relay
 * paying onward) knows every Sphinx secret of its packet, hence the response
 * that opens each ticket, and it may skip any index before it signs. It
 * predicts each ticket's luck with everything it knows and sends only tickets
 * it predicts to lose. The relay's round secret keeps that prediction blind;
 * the leaky control hands the source the secret (a relay that leaks it, as the
 * rule without a round secret did), where the grinding must succeed.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Address } from "viem";
import type { Libp2p } from "@libp2p/interface";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { ChainClients } from "../../chain/types.js";
import { openDatabase } from "../../store/db.js";
import { forComponent, type Logger } from "../../log.js";
import type { AttackScenario } from "../devnet.js";
import type { IncomingPacket, RouteHop } from "../scheme.js";
import { openChannel } from "./chain.js";
import { ChannelsClient } from "./client.js";
import type { ChannelsParams } from "./constants.js";
import { ackKey, ownKey, response as respond } from "./por.js";
import { ChannelsRelay } from "./relay.js";
import { ChannelsStore } from "./store.js";
import { decodeAttachment, domainSeparator, roundOf, ticketDigest, ticketLuck } from "./ticket.js";

/** What a grinding run did: tickets the relay saw, indexes the source burnt, winners the relay found. */
export type GrindResult = { sent: number; skipped: number; wins: number; losses: number };

/**
 * The source's best guess of a ticket's luck without the round secret: the
 * win rule evaluated on what it knows when signing (the digest and the response).
 */
export function blindPrediction(digest: Uint8Array, response: bigint, winProb: bigint): boolean {
  const m = new Uint8Array(64);
  m.set(digest, 0);
  m.set(Buffer.from(response.toString(16).padStart(64, "0"), "hex"), 32);
  const h = keccak_256(m);
  let luck = 0n;
  for (let i = 0; i < 7; i++) luck = (luck << 8n) | BigInt(h[i]!);
  return luck <= winProb;
}

/**
 * Plays the grinding source against relay A (first hop, the redeemer) with B
 * as next hop: `sent` tickets reach A, every one predicted to lose.
 *
 * @param leak returns the round secret the source learns for a round (the leaky control), or null (real relay).
 * @returns what A saw and decided.
 * @example
 * const r = await grind({ source, a, b, aChain, bChain, sent: 120, leak: () => null });
 */
export async function grind({
  source,
  a,
  b,
  aAddress,
  bAddress,
  sourceAddress,
  domain,
  sent: target,
  leak,
}: {
  source: ChannelsClient;
  a: ChannelsRelay;
  b: ChannelsRelay;
  aAddress: Address;
  bAddress: Address;
  sourceAddress: Address;
  domain: Uint8Array;
  sent: number;
  leak: (round: bigint) => Uint8Array | null;
}): Promise<GrindResult> {
  const hop = (account: Address, layer: number): RouteHop => ({ relay: account, mixKey: new Uint8Array(32), layer });
  const route = [hop(aAddress, 0), hop(bAddress, 1), hop(sourceAddress, 4)];
  const winsBefore = a.stats.wins;
  const lossesBefore = a.stats.losses;
  let skipped = 0;
  for (let sent = 0; sent < target; ) {
    const secrets = route.map(() => new Uint8Array(randomBytes(32)));
    const pay = await source.pay({ route, secrets, epoch: 1n, kind: "payload" });
    const ticket = decodeAttachment(pay.attachment);
    const r = respond(ownKey(secrets[0]!), ackKey(secrets[1]!));
    const digest = ticketDigest(ticket, domain);
    const secret = leak(roundOf(ticket.index));
    const predictedWin =
      secret === null ? blindPrediction(digest, r, ticket.winProb) : ticketLuck(digest, r, secret) <= ticket.winProb;
    if (predictedWin) {
      skipped++; // burn the index: never sent
      continue;
    }
    const packet: IncomingPacket = {
      slot: pay.slots[0]!,
      attachment: pay.attachment,
      ss: secrets[0]!,
      nextHop: bAddress,
      replayTag: randomBytes(32),
      packetRef: randomBytes(32),
      fromPeer: "source",
      epoch: 1n,
    };
    const verdict = await a.onPacket(packet);
    if (!verdict.accept) throw new Error(`the relay refused a grinding ticket: ${verdict.reason}`);
    await a.onReceipt({
      packetRef: randomBytes(32),
      receipt: b.receipt({ ss: secrets[1]!, packetRef: new Uint8Array(32) }),
      fromPeer: "B",
    });
    sent++;
  }
  return { sent: target, skipped, wins: a.stats.wins - winsBefore, losses: a.stats.losses - lossesBefore };
}

/**
 * True when the relay's winners fall below p beyond chance: more than 4σ
 * under the binomial mean (a false alarm below 1e-4).
 */
export function grindSucceeded(r: GrindResult, p: number): boolean {
  const mean = r.sent * p;
  const sigma = Math.sqrt(r.sent * p * (1 - p));
  return r.wins < mean - 4 * sigma;
}

/** Win probability 1/2 and a small unit: the attack's signal is strongest where a loss is as likely as a win. */
const UNIT = 10n ** 15n;
const HALF: ChannelsParams = { unitAmount: UNIT, winProb: (1n << 55n) - 1n };
const FUNDING = 100n * 10n ** 18n;
const SENT = 120;

/** Sets up a source, a redeeming relay A and its next hop B on a fresh chain, channels source→A→B funded. */
export async function grindWorld(
  chains: [ChainClients, ChainClients, ChainClients],
  dataDir: string | null,
  log: Logger,
) {
  const [sourceChain, aChain, bChain] = chains;
  await openChannel(sourceChain, aChain.account, FUNDING);
  await openChannel(aChain, bChain.account, FUNDING);
  const noLibp2p = null as unknown as Libp2p;
  const db = (name: string) => openDatabase(dataDir === null ? ":memory:" : join(dataDir, `${name}.sqlite`));
  const aDb = db("a");
  const deps = (c: ChainClients, d = db(c.account)) => ({ chain: c, db: d, log, libp2p: noLibp2p });
  const a = new ChannelsRelay(
    { ...deps(aChain, aDb), relay: aChain.account },
    { params: HALF, topUpBelowUnits: 0n, redeemThreshold: 100_000 },
  );
  const b = new ChannelsRelay({ ...deps(bChain), relay: bChain.account }, { params: HALF, topUpBelowUnits: 0n });
  await a.start();
  await b.start();
  const source = new ChannelsClient(deps(sourceChain), { params: HALF });
  const domain = domainSeparator(
    await sourceChain.publicClient.getChainId(),
    sourceChain.deployment.contracts.PaymentChannels!,
  );
  const aStore = new ChannelsStore(aDb);
  const leakOfA = (round: bigint) => aStore.rounds().find((r) => r.round === round)?.secret ?? null;
  const stop = async () => {
    await a.stop();
    await b.stop();
  };
  return { source, a, b, domain, leakOfA, stop, params: HALF };
}

export const grindingSource: AttackScenario = {
  name: "channels.grinding_source",
  attacker: "a source that predicts each ticket's luck and sends only tickets it predicts to lose",
  control: "a relay that leaks its round secret to sources (the win rule without a secret)",
  async run(context, { control }) {
    const log = forComponent(context.log, "obol:attack:grind");
    const [sourceChain, aChain, bChain] = (await context.accounts(3)) as [ChainClients, ChainClients, ChainClients];
    const w = await grindWorld([sourceChain, aChain, bChain], context.dataDir, log);
    try {
      const r = await grind({
        source: w.source,
        a: w.a,
        b: w.b,
        aAddress: aChain.account,
        bAddress: bChain.account,
        sourceAddress: sourceChain.account,
        domain: w.domain,
        sent: SENT,
        leak: control ? w.leakOfA : () => null,
      });
      const p = 0.5;
      const withheld = BigInt(Math.max(0, Math.round(r.sent * p) - r.wins)) * UNIT;
      return {
        succeeded: grindSucceeded(r, p),
        valueMoved: withheld,
        honest: [aChain.account, bChain.account],
        detail: `${r.wins} winners of ${r.sent} tickets sent at p = 1/2 (expected ${r.sent * p} ± ${(4 * Math.sqrt(r.sent * p * (1 - p))).toFixed(1)} at 4σ); ${r.skipped} indexes burnt`,
      };
    } finally {
      await w.stop();
    }
  },
};
