/**
 * Issue 9, finding 1: a reply block (SURB + the scheme's attachment) must not
 * name its builder. The attacker is anyone who holds the block (the recipient,
 * the recipient's gateway, anyone the recipient forwards it to): with public
 * data only (the contract's EIP-712 domain, ecrecover, channel ids) they try
 * to recover the builder's account from the attachment.
 *
 * The replier pays for its reply: the block carries a blank ticket template
 * (amount, winProb, challenge), and the replier signs it on its own channel to
 * its own gateway, the reply's first hop (docs/channels.md §Replies).
 */
import { describe, it, expect } from "vitest";
import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import type { Libp2p } from "@libp2p/interface";
import { connect, chainsFor, leave, MAX_WIN, OBOL } from "./helpers.js";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import type { ChainClients } from "../../../src/chain/types.js";
import type { IncomingPacket, RouteHop } from "../../../src/schemes/scheme.js";
import { ChannelsClient } from "../../../src/schemes/channels/client.js";
import { ChannelsRelay } from "../../../src/schemes/channels/relay.js";
import { openChannel } from "../../../src/schemes/channels/chain.js";
import { scheme as channelsScheme } from "../../../src/schemes/channels/scheme.js";
import {
  decodeAttachment,
  domainSeparator,
  recoverSigner,
  ticketDigest,
} from "../../../src/schemes/channels/ticket.js";
import { ChannelsInputError } from "../../../src/schemes/channels/errors.js";
import { buildReplyBlock, hopDelays, obolNetwork, replyPacket } from "../../../src/client/packet.js";
import { x25519Group } from "../../../src/crypto/sphinx/group.js";
import type { ChannelsParams } from "../../../src/schemes/channels/constants.js";

const UNIT = 10n ** 15n;
const params: ChannelsParams = { unitAmount: UNIT, winProb: MAX_WIN };
const env = await connect();
const noLibp2p = null as unknown as Libp2p;

async function world() {
  const f = await env.deploy();
  const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
  const [, builderChain, aChain, bChain, cChain, , replierChain] = await chainsFor(
    env,
    contracts,
    [0, 1, 2, 3, 4, 5, 6],
  );
  // The builder uses gateway C, the replier gateway A; the reply runs A → B → C.
  await openChannel(builderChain, cChain.account, 10n * OBOL);
  await openChannel(builderChain, aChain.account, 10n * OBOL);
  await openChannel(replierChain, aChain.account, 10n * OBOL);
  await openChannel(aChain, bChain.account, 10n * OBOL);
  await openChannel(bChain, cChain.account, 10n * OBOL);
  const deps = (c: ChainClients) => ({ chain: c, db: openDatabase(":memory:"), log: silentLogger(), libp2p: noLibp2p });
  const relay = (c: ChainClients) =>
    new ChannelsRelay({ ...deps(c), relay: c.account }, { params, topUpBelowUnits: 0n, redeemThreshold: 1_000 });
  const [A, B, C] = [relay(aChain), relay(bChain), relay(cChain)];
  await Promise.all([A.start(), B.start(), C.start()]);
  const builder = new ChannelsClient(deps(builderChain), { params });
  const replier = new ChannelsClient(deps(replierChain), { params });
  const hop = (c: ChainClients, layer: number): RouteHop => ({
    relay: c.account,
    mixKey: x25519Group.publicKey(x25519Group.randomSecretKey()),
    layer,
  });
  const back = [hop(aChain, 0), hop(bChain, 1), hop(cChain, 4)];
  const domain = domainSeparator(await builderChain.publicClient.getChainId(), f.channels.address);
  return { f, builderChain, replierChain, aChain, bChain, cChain, A, B, C, builder, replier, back, domain };
}

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

describe("channels: a reply block does not name its builder (issue 9, finding 1)", () => {
  it("nobody holding reply blocks recovers the builder's account from them (0 of 20)", async () => {
    const w = await world();
    const network = obolNetwork(channelsScheme);
    const builderChannels = [
      await w.f.channels.read.channelId([w.builderChain.account, w.aChain.account]),
      await w.f.channels.read.channelId([w.builderChain.account, w.cChain.account]),
    ];
    let recovered = 0;
    for (let i = 0; i < 20; i++) {
      const { block } = await buildReplyBlock({
        network,
        payer: w.builder,
        route: w.back,
        epoch: 1n,
        kind: "reply",
        delays: hopDelays(w.back, 10),
        mailbox: new Uint8Array(randomBytes(32)),
      });
      // The attack: decode the attachment as a ticket and ecrecover it with the public domain.
      const { attachment } = replyPacket({ network, block, message: new Uint8Array(8) });
      const ticket = decodeAttachment(attachment);
      const signer = recoverSigner(ticketDigest(ticket, w.domain), ticket.signature);
      if (signer?.toLowerCase() === w.builderChain.account.toLowerCase()) recovered++;
      else if (builderChannels.includes(ticket.channel)) recovered++;
    }
    expect(recovered).toBe(0);
  });

  it("the replier pays its reply on its own channel; every hop accepts and is paid", async () => {
    const w = await world();
    const secrets = w.back.map(() => new Uint8Array(randomBytes(32)));
    const built = await w.builder.pay({ route: w.back, secrets, epoch: 1n, kind: "reply" });
    const attachment = await w.replier.payReply({
      firstHop: w.aChain.account,
      attachment: built.attachment,
      epoch: 1n,
    });
    const ticket = decodeAttachment(attachment);
    expect(recoverSigner(ticketDigest(ticket, w.domain), ticket.signature)?.toLowerCase()).toBe(
      w.replierChain.account.toLowerCase(),
    );
    const va = await w.A.onPacket(packet(built.slots[0]!, attachment, secrets[0]!, w.bChain.account));
    expect(va).toMatchObject({ accept: true });
    const vb = await w.B.onPacket(packet(built.slots[1]!, await leave(va), secrets[1]!, w.cChain.account));
    expect(vb).toMatchObject({ accept: true });
    await w.A.onReceipt({
      packetRef: randomBytes(32),
      receipt: w.B.receipt({ ss: secrets[1]!, packetRef: new Uint8Array(32) }),
      fromPeer: "B",
    });
    const vc = await w.C.onPacket(packet(built.slots[2]!, await leave(vb), secrets[2]!, null));
    expect(vc).toMatchObject({ accept: true });
    await w.B.onReceipt({
      packetRef: randomBytes(32),
      receipt: w.C.receipt({ ss: secrets[2]!, packetRef: new Uint8Array(32) }),
      fromPeer: "C",
    });
    // winProb is 1 here: A's redemption is paid from the replier's channel, not the builder's.
    const paid = await w.A.settle.claim();
    expect(paid.paid).toBe(3n * UNIT);
    const fromReplier = await w.f.channels.read.channel([w.replierChain.account, w.aChain.account]);
    expect(fromReplier.balance).toBe(10n * OBOL - 3n * UNIT);
    const fromBuilder = await w.f.channels.read.channel([w.builderChain.account, w.aChain.account]);
    expect(fromBuilder.balance).toBe(10n * OBOL);
  });

  it("a replier refuses a template that would make it overpay or that carries anything but blanks", async () => {
    const w = await world();
    const secrets = w.back.map(() => new Uint8Array(randomBytes(32)));
    const built = await w.builder.pay({ route: w.back, secrets, epoch: 1n, kind: "reply" });
    const pricey = built.attachment.slice();
    pricey[32] = 0xff; // amount's top byte
    await expect(
      w.replier.payReply({ firstHop: w.aChain.account, attachment: pricey, epoch: 1n }),
    ).rejects.toBeInstanceOf(ChannelsInputError);
    const marked = built.attachment.slice();
    marked[0] = 1; // a channel id where the template must be blank
    await expect(
      w.replier.payReply({ firstHop: w.aChain.account, attachment: marked, epoch: 1n }),
    ).rejects.toBeInstanceOf(ChannelsInputError);
  });
});
