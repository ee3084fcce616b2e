import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { bytesToHex, getAddress, type Address } from "viem";
import { x25519Group } from "../../src/crypto/sphinx/group.js";
import { peelPacket } from "../../src/crypto/sphinx/packet.js";
import { scheme as free } from "../../src/schemes/free/scheme.js";
import type { RouteHop } from "../../src/schemes/scheme.js";
import {
  buildPacket,
  buildReplyBlock,
  checkContentSize,
  decodeSurbSecret,
  encodeSurbSecret,
  hopDelays,
  maxContentSize,
  obolNetwork,
  replyPacket,
  type Network,
} from "../../src/client/packet.js";
import { encodeEnvelope } from "../../src/client/envelope.js";
import { generateSealKeyPair, seal } from "../../src/client/seal.js";
import { decodeDelivered } from "../../src/client/receive.js";
import { MessageTooLargeError, ReplyError } from "../../src/client/errors.js";

type Relay = RouteHop & { secretKey: Uint8Array };
const relay = (layer: number): Relay => {
  const secretKey = x25519Group.randomSecretKey();
  return {
    relay: getAddress(bytesToHex(randomBytes(20))) as Address,
    mixKey: x25519Group.publicKey(secretKey),
    layer,
    secretKey,
  };
};

/** Runs a packet through every relay of the route with the real Sphinx peel; returns the last hop's result. */
function travel(network: Network, route: Relay[], packet: Uint8Array) {
  let current = packet;
  for (let i = 0; i < route.length; i++) {
    const peeled = peelPacket({
      group: network.group,
      params: network.params,
      secretKey: route[i]!.secretKey,
      packet: current,
    });
    if (i < route.length - 1) {
      expect(peeled.hop.action).toBe("forward");
      if (peeled.hop.action === "forward") expect(peeled.hop.next).toBe(route[i + 1]!.relay);
      current = peeled.next!;
    } else return peeled;
  }
  throw new Error("unreachable");
}

describe("client packets through five real Sphinx hops", async () => {
  const network = obolNetwork(free);
  const payer = network.scheme.client({} as never); // the free scheme's client side uses no deps
  const alice = generateSealKeyPair();
  const bob = generateSealKeyPair();
  const aliceMailbox = new Uint8Array(randomBytes(32));
  const bobMailbox = new Uint8Array(randomBytes(32));
  const [gA, gB] = [relay(0), relay(4)];
  const mixes = [relay(1), relay(2), relay(3)];

  it("delivers a sealed message whose SURB carries Bob's reply back to Alice", async () => {
    const forward = [gA, ...mixes, gB];
    const back = [{ ...gB, layer: 0 }, ...mixes, { ...gA, layer: 4 }];
    const delays = hopDelays(forward, 100);
    expect(delays[0]).toBe(0);
    expect(delays[4]).toBe(0);
    const { block, secret } = await buildReplyBlock({
      network,
      payer,
      route: back,
      epoch: 1n,
      kind: "reply",
      delays: hopDelays(back, 100),
      mailbox: aliceMailbox,
    });
    const id = new Uint8Array(randomBytes(16));
    const content = new TextEncoder().encode("hello bob");
    const sealed = seal({
      message: encodeEnvelope({ type: "message", id, surb: block, content }),
      recipientPublicKey: bob.publicKey,
    });
    const { packet, attachment } = await buildPacket({
      network,
      payer,
      route: forward,
      epoch: 1n,
      kind: "payload",
      delays,
      final: { action: "deliver", mailbox: bobMailbox },
      message: sealed,
    });
    expect(packet.length).toBe(network.layout.packetSize);
    expect(attachment.length).toBe(0);

    const atBob = travel(network, forward, packet);
    expect(atBob.hop.action).toBe("deliver");
    if (atBob.hop.action === "deliver") expect(atBob.hop.mailbox).toEqual(bobMailbox);
    const got = decodeDelivered({ network, body: atBob.body, secretKey: bob.secretKey, surbs: [] });
    expect(got.kind).toBe("message");
    if (got.kind !== "message") return;
    expect(got.envelope.content).toEqual(content);
    expect(got.envelope.id).toEqual(id);

    // Bob answers through the SURB without learning anything about Alice.
    const reply = replyPacket({
      network,
      block: got.envelope.surb!,
      message: encodeEnvelope({ type: "reply", id, content: new TextEncoder().encode("hi alice") }),
    });
    expect(reply.firstHop).toBe(gB.relay);
    const atAlice = travel(network, back, reply.packet);
    if (atAlice.hop.action === "deliver") expect(atAlice.hop.mailbox).toEqual(aliceMailbox);
    const stored = decodeSurbSecret(encodeSurbSecret(secret));
    const other = (
      await buildReplyBlock({
        network,
        payer,
        route: back,
        epoch: 1n,
        kind: "reply",
        delays: [0, 0, 0, 0, 0],
        mailbox: aliceMailbox,
      })
    ).secret;
    const opened = decodeDelivered({
      network,
      body: atAlice.body,
      secretKey: alice.secretKey,
      surbs: [
        { id: new Uint8Array(16), secret: other },
        { id, secret: stored },
      ],
    });
    expect(opened.kind).toBe("reply");
    if (opened.kind === "reply") {
      expect(new TextDecoder().decode(opened.envelope.content)).toBe("hi alice");
      expect(opened.surbId).toEqual(id);
    }
    // Without the SURB secret the reply is unreadable; Bob's key does not open it either.
    expect(decodeDelivered({ network, body: atAlice.body, secretKey: alice.secretKey, surbs: [] }).kind).toBe(
      "unreadable",
    );
  });

  it("marks a message sealed to someone else, or tampered, as unreadable", async () => {
    const route = [gA, ...mixes, gB];
    const sealed = seal({
      message: encodeEnvelope({ type: "message", id: new Uint8Array(16), surb: null, content: new Uint8Array([1]) }),
      recipientPublicKey: bob.publicKey,
    });
    const { packet } = await buildPacket({
      network,
      payer,
      route,
      epoch: 1n,
      kind: "payload",
      delays: [0, 0, 0, 0, 0],
      final: { action: "deliver", mailbox: bobMailbox },
      message: sealed,
    });
    const { body } = travel(network, route, packet);
    expect(decodeDelivered({ network, body, secretKey: alice.secretKey, surbs: [] })).toMatchObject({
      kind: "unreadable",
      reason: expect.stringMatching(/authentication failed/),
    });
    const tampered = body.slice();
    tampered[100]! ^= 1;
    expect(decodeDelivered({ network, body: tampered, secretKey: bob.secretKey, surbs: [] }).kind).toBe("unreadable");
  });

  it("refuses content that does not fit and malformed reply blocks", () => {
    const max = maxContentSize(network, { withReply: true });
    expect(max).toBeGreaterThan(1000);
    expect(() => checkContentSize(network, new Uint8Array(max), true)).not.toThrow();
    expect(() => checkContentSize(network, new Uint8Array(max + 1), true)).toThrow(MessageTooLargeError);
    expect(() => replyPacket({ network, block: new Uint8Array(10), message: new Uint8Array(1) })).toThrow(ReplyError);
  });
});
