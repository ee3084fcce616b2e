/**
 * Single-use reply blocks: a reply travels the creator's route, every hop
 * peels it like any packet (and is paid through its slot), and only the
 * creator can read it; tampering or a foreign SURB secret is refused.
 */
import { describe, expect, it } from "vitest";
import {
  SphinxBodyCorruptedError,
  SphinxInputError,
  SphinxSizeError,
  SphinxVersionError,
} from "../../src/crypto/sphinx/errors.js";
import { secp256k1Group, x25519Group } from "../../src/crypto/sphinx/group.js";
import { deriveHopSecrets } from "../../src/crypto/sphinx/header.js";
import { peelPacket } from "../../src/crypto/sphinx/packet.js";
import { maxMessageSize, obolParams, packetSize } from "../../src/crypto/sphinx/params.js";
import {
  createSurb,
  decodeSurb,
  encodeSurb,
  openReply,
  packetFromSurb,
  surbSize,
} from "../../src/crypto/sphinx/surb.js";
import { SphinxMessageTooLargeError } from "../../src/crypto/sphinx/errors.js";
import { makeRelays, routeHops, slotFor, utf8 } from "./sphinx-helpers.js";

const params = obolParams({ slotSize: 8 });

function makeSurb(group = x25519Group, n = 3) {
  const relays = makeRelays(group, n);
  const keys = deriveHopSecrets({
    group,
    sessionKey: group.randomSecretKey(),
    publicKeys: relays.map((r) => r.publicKey),
  });
  const hops = routeHops(relays, params, "deliver");
  return { relays, ...createSurb({ group, params, ...keys, hops, firstHop: relays[0]!.address }) };
}

/** Carries a packet along the relays; returns the final hop's peel. */
function travel(group: typeof x25519Group, relays: ReturnType<typeof makeRelays>, packet: Uint8Array) {
  let current = packet;
  for (let i = 0; ; i++) {
    const peeled = peelPacket({ group, params, secretKey: relays[i]!.secretKey, packet: current });
    expect(peeled.hop.slot).toEqual(slotFor(params, i)); // the creator paid every hop
    if (!peeled.next) return peeled;
    current = peeled.next;
  }
}

describe.each([
  ["x25519", x25519Group],
  ["secp256k1", secp256k1Group],
] as const)("SURB round trip (%s)", (_, group) => {
  it("the creator reads the reply; the final hop sees only an opaque body", () => {
    const { relays, surb, secret } = makeSurb(group);
    const decoded = decodeSurb({ group, params, bytes: encodeSurb(surb) });
    expect(decoded).toEqual(surb);
    const reply = utf8("the answer is 42");
    const packet = packetFromSurb({ params, surb: decoded, message: reply });
    expect(packet.length).toBe(packetSize(group, params));
    const final = travel(group, relays, packet);
    expect(final.hop.action).toBe("deliver");
    expect(final.message).toBeNull();
    expect(final.mac).toEqual(secret.replyRef);
    expect(openReply({ params, secret, body: final.body })).toEqual(reply);
  });
});

describe("SURB rejection", () => {
  it("refuses a reply whose body was tampered with anywhere", () => {
    const { relays, surb, secret } = makeSurb();
    for (const at of [0, 100, params.bodySize - 1]) {
      const packet = packetFromSurb({ params, surb, message: utf8("tamper me") });
      packet[packet.length - params.bodySize + at]! ^= 0x80;
      const final = travel(x25519Group, relays, packet);
      expect(() => openReply({ params, secret, body: final.body })).toThrow(SphinxBodyCorruptedError);
    }
  });

  it("refuses to open a reply with another SURB's secret", () => {
    const a = makeSurb();
    const b = makeSurb();
    const final = travel(x25519Group, a.relays, packetFromSurb({ params, surb: a.surb, message: utf8("for a") }));
    expect(() => openReply({ params, secret: b.secret, body: final.body })).toThrow(SphinxBodyCorruptedError);
  });

  it("validates SURB creation, encoding and reply size", () => {
    const group = x25519Group;
    const relays = makeRelays(group, 2);
    const keys = deriveHopSecrets({
      group,
      sessionKey: group.randomSecretKey(),
      publicKeys: relays.map((r) => r.publicKey),
    });
    const base = { group, params, ...keys, firstHop: relays[0]!.address };
    expect(() => createSurb({ ...base, hops: routeHops(relays, params, "drop") })).toThrow(SphinxInputError);
    expect(() => createSurb({ ...base, hops: routeHops(relays, params), firstHop: "0x12" })).toThrow(SphinxInputError);
    const { surb } = createSurb({ ...base, hops: routeHops(relays, params) });
    const bytes = encodeSurb(surb);
    expect(bytes.length).toBe(surbSize(group, params));
    expect(() => decodeSurb({ group, params, bytes: bytes.subarray(1) })).toThrow(SphinxSizeError);
    const badVersion = bytes.slice();
    badVersion[52] = 1;
    expect(() => decodeSurb({ group, params, bytes: badVersion })).toThrow(SphinxVersionError);
    expect(() => packetFromSurb({ params, surb, message: new Uint8Array(maxMessageSize(params) + 1) })).toThrow(
      SphinxMessageTooLargeError,
    );
    expect(() => packetFromSurb({ params: obolParams({ slotSize: 9 }), surb, message: utf8("x") })).toThrow(
      SphinxInputError,
    );
  });
});
