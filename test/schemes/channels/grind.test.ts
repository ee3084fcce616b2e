/**
 * Issue 9, finding 2: the channel source must not be able to sign only
 * losing tickets. The attacker is the source (a client, or a relay paying
 * onward): it knows every Sphinx secret of its packet, hence the response
 * that will open each ticket, and it may skip any index it likes before it
 * signs. It predicts each ticket's luck with everything it knows when
 * signing (the ticket digest and the response) and sends only tickets it
 * predicts to lose. The relay's real win decisions must still come out at
 * the network's win probability p.
 */
import { describe, it, expect } from "vitest";
import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import type { Libp2p } from "@libp2p/interface";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { connect, chainsFor, OBOL } from "./helpers.js";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import type { ChainClients } from "../../../src/chain/types.js";
import type { IncomingPacket, RouteHop } from "../../../src/schemes/scheme.js";
import { ChannelsClient } from "../../../src/schemes/channels/client.js";
import { ChannelsRelay } from "../../../src/schemes/channels/relay.js";
import { openChannel } from "../../../src/schemes/channels/chain.js";
import { ackKey, ownKey, response as respond } from "../../../src/schemes/channels/por.js";
import { decodeAttachment, domainSeparator, ticketDigest } from "../../../src/schemes/channels/ticket.js";
import type { ChannelsParams } from "../../../src/schemes/channels/constants.js";

const UNIT = 10n ** 15n;
const HALF: ChannelsParams = { unitAmount: UNIT, winProb: (1n << 55n) - 1n }; // p = 1/2
const env = await connect();
const noLibp2p = null as unknown as Libp2p;

/** The source's best prediction: the luck rule evaluated on what it knows when signing. */
function predictedWin(digest: Uint8Array, response: bigint, winProb: bigint): boolean {
  const m = new Uint8Array(64);
  m.set(digest, 0);
  m.set(Buffer.from(response.toString(16).padStart(64, "0"), "hex"), 32);
  const h = keccak_256(m);
  let luck = 0n;
  for (let i = 0; i < 7; i++) luck = (luck << 8n) | BigInt(h[i]!);
  return luck <= winProb;
}

describe("channels: a grinding source cannot make its tickets lose (issue 9, finding 2)", () => {
  it("the relay's winner share stays at p when the source sends only tickets it predicts to lose", async () => {
    const f = await env.deploy();
    const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
    const [clientChain, aChain, bChain] = await chainsFor(env, contracts, [1, 2, 3]);
    await openChannel(clientChain, aChain.account, 100n * OBOL);
    await openChannel(aChain, bChain.account, 100n * OBOL);
    const deps = (c: ChainClients) => ({
      chain: c,
      db: openDatabase(":memory:"),
      log: silentLogger(),
      libp2p: noLibp2p,
    });
    const A = new ChannelsRelay(
      { ...deps(aChain), relay: aChain.account },
      { params: HALF, topUpBelowUnits: 0n, redeemThreshold: 100_000 },
    );
    const B = new ChannelsRelay({ ...deps(bChain), relay: bChain.account }, { params: HALF, topUpBelowUnits: 0n });
    await A.start();
    await B.start();
    const source = new ChannelsClient(deps(clientChain), { params: HALF });
    const domain = domainSeparator(await clientChain.publicClient.getChainId(), f.channels.address);
    const hop = (account: Address, layer: number): RouteHop => ({ relay: account, mixKey: new Uint8Array(32), layer });
    const route = [hop(aChain.account, 0), hop(bChain.account, 1), hop(clientChain.account, 4)];
    const packet = (slot: Uint8Array, attachment: Uint8Array, ss: Uint8Array): IncomingPacket => ({
      slot,
      attachment,
      ss,
      nextHop: bChain.account,
      replayTag: randomBytes(32),
      packetRef: randomBytes(32),
      fromPeer: "source",
      epoch: 1n,
    });

    const SENT = 120;
    let skipped = 0;
    for (let sent = 0; sent < SENT; ) {
      const secrets = route.map(() => new Uint8Array(randomBytes(32)));
      const pay = await source.pay({ route, secrets, epoch: 1n, kind: "payload" });
      const ticket = decodeAttachment(pay.attachment);
      const r = respond(ownKey(secrets[0]!), ackKey(secrets[1]!));
      if (predictedWin(ticketDigest(ticket, domain), r, ticket.winProb)) {
        skipped++; // burn the index: never sent
        continue;
      }
      const v = await A.onPacket(packet(pay.slots[0]!, pay.attachment, secrets[0]!));
      expect(v.accept).toBe(true);
      await A.onReceipt({
        packetRef: randomBytes(32),
        receipt: B.receipt({ ss: secrets[1]!, packetRef: new Uint8Array(32) }),
        fromPeer: "B",
      });
      sent++;
    }
    expect(skipped).toBeGreaterThan(0); // the source did grind
    expect(A.stats.wins + A.stats.losses).toBe(SENT);
    // Binomial(SENT, 1/2): mean 60, σ ≈ 5.5; 4σ keeps a false alarm below 1e-4.
    const sigma = Math.sqrt(SENT * 0.25);
    expect(Math.abs(A.stats.wins - SENT / 2)).toBeLessThanOrEqual(4 * sigma);
  });
});
