/**
 * Obol Sphinx v1 packets: round trips over 1–5 hops on every group, agreement
 * of the libsodium and noble X25519 groups, and rejection of tampered, mis-keyed
 * and malformed packets with the exact typed error.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  SphinxBodyCorruptedError,
  SphinxHopPayloadError,
  SphinxInputError,
  SphinxMacError,
  SphinxMessageTooLargeError,
  SphinxPointError,
  SphinxSizeError,
  SphinxVersionError,
} from "../../src/crypto/sphinx/errors.js";
import { secp256k1Group, x25519Group, x25519NobleGroup, type SphinxGroup } from "../../src/crypto/sphinx/group.js";
import { createHeader, deriveHopSecrets, sharedSecret } from "../../src/crypto/sphinx/header.js";
import { encodeHop } from "../../src/crypto/sphinx/hop.js";
import { deriveHopKey } from "../../src/crypto/sphinx/keys.js";
import { createPacket, peelPacket, replayTag } from "../../src/crypto/sphinx/packet.js";
import { maxMessageSize, obolParams, packetSize, type SphinxParams } from "../../src/crypto/sphinx/params.js";
import { OBOL_ASSOCIATED_DATA } from "../../src/crypto/sphinx/constants.js";
import { makeRelays, routeHops, slotFor, toHex, utf8, type Relay } from "./sphinx-helpers.js";

const params = obolParams({ slotSize: 16 });

function build(
  group: SphinxGroup,
  relays: Relay[],
  p: SphinxParams,
  message: Uint8Array,
  last: "deliver" | "drop" | "loop" = "deliver",
) {
  const keys = deriveHopSecrets({
    group,
    sessionKey: group.randomSecretKey(),
    publicKeys: relays.map((r) => r.publicKey),
  });
  return { keys, packet: createPacket({ group, params: p, ...keys, hops: routeHops(relays, p, last), message }) };
}

describe.each([
  ["x25519 (libsodium)", x25519Group],
  ["x25519 (noble)", x25519NobleGroup],
  ["secp256k1", secp256k1Group],
] as const)("round trip over %s", (_, group) => {
  it.each([1, 2, 3, 4, 5])("%i hop(s): each hop sees its instruction, the last gets the message", (n) => {
    const relays = makeRelays(group, n);
    const message = utf8(`message over ${n} hops`);
    const { keys, packet } = build(group, relays, params, message);
    expect(packet.length).toBe(packetSize(group, params));
    let current: Uint8Array | null = packet;
    const tags = new Set<string>();
    relays.forEach((relay, i) => {
      const peeled = peelPacket({ group, params, secretKey: relay.secretKey, packet: current! });
      expect(toHex(peeled.ss)).toBe(toHex(keys.secrets[i]!));
      expect(peeled.hop.slot).toEqual(slotFor(params, i));
      expect(peeled.hop.delayMs).toBe(100 * (i + 1));
      tags.add(toHex(peeled.replayTag));
      if (i < n - 1) {
        expect(peeled.hop).toMatchObject({ action: "forward", next: relays[i + 1]!.address });
        expect(peeled.message).toBeNull();
        expect(peeled.next!.length).toBe(packet.length);
      } else {
        expect(peeled.hop).toMatchObject({ action: "deliver", mailbox: new Uint8Array(32).fill(0x5a) });
        expect(peeled.next).toBeNull();
        expect(peeled.message).toEqual(message);
      }
      current = peeled.next;
    });
    expect(tags.size).toBe(n); // replay tags differ across hops
  });
});

describe("x25519 backends", () => {
  it("libsodium and noble produce byte-identical secrets and packets for the same session key", () => {
    const relays = makeRelays(x25519Group, 5);
    const sessionKey = x25519Group.randomSecretKey();
    const publicKeys = relays.map((r) => r.publicKey);
    const a = deriveHopSecrets({ group: x25519Group, sessionKey, publicKeys });
    const b = deriveHopSecrets({ group: x25519NobleGroup, sessionKey, publicKeys });
    expect(a.ephemeralKey).toEqual(b.ephemeralKey);
    expect(a.secrets.map(toHex)).toEqual(b.secrets.map(toHex));
    const hops = routeHops(relays, params);
    const message = utf8("same bytes");
    const pa = createPacket({ group: x25519Group, params, ...a, hops, message });
    const pb = createPacket({ group: x25519NobleGroup, params, ...b, hops, message });
    expect(toHex(pa)).toBe(toHex(pb));
    const sa = peelPacket({ group: x25519Group, params, secretKey: relays[0]!.secretKey, packet: pa });
    const sb = peelPacket({ group: x25519NobleGroup, params, secretKey: relays[0]!.secretKey, packet: pb });
    expect(toHex(sa.next!)).toBe(toHex(sb.next!));
  });

  it("without a pad key two packets of the same route differ only where padding shows", () => {
    const relays = makeRelays(x25519Group, 2);
    const { keys } = build(x25519Group, relays, params, utf8("x"));
    const hops = routeHops(relays, params);
    const p1 = createPacket({
      group: x25519Group,
      params,
      ephemeralKey: keys.ephemeralKey,
      secrets: keys.secrets,
      hops,
      message: utf8("x"),
    });
    const p2 = createPacket({
      group: x25519Group,
      params,
      ephemeralKey: keys.ephemeralKey,
      secrets: keys.secrets,
      hops,
      message: utf8("x"),
    });
    expect(toHex(p1)).not.toBe(toHex(p2)); // random initial routing info
    expect(peelPacket({ group: x25519Group, params, secretKey: relays[0]!.secretKey, packet: p2 }).hop.action).toBe(
      "forward",
    );
  });
});

describe("replay tags and shared secrets", () => {
  const group = x25519Group;
  const relays = makeRelays(group, 3);
  const { keys, packet } = build(group, relays, params, utf8("tag me"));

  it("is stable for a packet: sharedSecret + replayTag before the peel equal the peel's values", () => {
    const ss = sharedSecret({ group, secretKey: relays[0]!.secretKey, packet });
    const peeled = peelPacket({ group, params, secretKey: relays[0]!.secretKey, packet, ss });
    expect(ss).toEqual(keys.secrets[0]);
    expect(replayTag(ss)).toEqual(peeled.replayTag);
    expect(peelPacket({ group, params, secretKey: relays[0]!.secretKey, packet }).replayTag).toEqual(peeled.replayTag);
    expect(replayTag(ss)).toEqual(deriveHopKey("obol-replay", ss));
  });

  it("deriveHopKey separates labels and validates its inputs", () => {
    const ss = keys.secrets[0]!;
    expect(toHex(deriveHopKey("obol-por-a", ss))).not.toBe(toHex(deriveHopKey("obol-por-b", ss)));
    expect(() => deriveHopKey("", ss)).toThrow(SphinxInputError);
    expect(() => deriveHopKey("obol por", ss)).toThrow(SphinxInputError);
    expect(() => deriveHopKey("obol-x", ss.subarray(1))).toThrow(SphinxInputError);
  });
});

describe("rejection", () => {
  const group = x25519Group;
  const relays = makeRelays(group, 3);
  const message = utf8("do not touch");
  const { keys, packet } = build(group, relays, params, message);
  const eSize = group.elementSize;
  const hSize = 1 + eSize + params.routingInfoSize + 32;
  const peel0 = (p: Uint8Array, secretKey = relays[0]!.secretKey) =>
    peelPacket({ group, params, secretKey, packet: p });
  const flip = (at: number, bit = 0) => {
    const copy = packet.slice();
    copy[at]! ^= 1 << bit;
    return copy;
  };

  it("rejects any flipped bit in the routing info or MAC with SphinxMacError", () => {
    for (let at = 1 + eSize; at < hSize; at += 7) expect(() => peel0(flip(at, at % 8))).toThrow(SphinxMacError);
  });

  it("rejects a flipped ephemeral-key bit (MAC or point error, never accepted)", () => {
    for (let at = 1; at < 1 + eSize; at++)
      for (const bit of [0, 7]) {
        let error: unknown;
        try {
          peel0(flip(at, bit));
        } catch (e) {
          error = e;
        }
        expect(error instanceof SphinxMacError || error instanceof SphinxPointError).toBe(true);
      }
  });

  it("rejects a non-canonical or low-order ephemeral key with SphinxPointError", () => {
    const topBit = flip(1 + eSize - 1, 7); // same X25519 output, different bytes
    expect(() => peel0(topBit)).toThrow(SphinxPointError);
    for (const u of [new Uint8Array(32), Uint8Array.from([1, ...new Array(31).fill(0)])]) {
      const bad = packet.slice();
      bad.set(u, 1);
      expect(() => peel0(bad)).toThrow(SphinxPointError);
      expect(() => sharedSecret({ group, secretKey: relays[0]!.secretKey, packet: bad })).toThrow(SphinxPointError);
    }
    const p = new Uint8Array(32).fill(0xff);
    p[0] = 0xed;
    p[31] = 0x7f; // = 2^255 - 19: not reduced
    const bad = packet.slice();
    bad.set(p, 1);
    expect(() => peel0(bad)).toThrow(SphinxPointError);
  });

  it("rejects a wrong key, a wrong size and an unknown version", () => {
    expect(() => peel0(packet, relays[1]!.secretKey)).toThrow(SphinxMacError);
    expect(() => peel0(packet.subarray(0, packet.length - 1))).toThrow(SphinxSizeError);
    expect(() => peel0(new Uint8Array(packet.length + 1))).toThrow(SphinxSizeError);
    expect(() => peel0(flip(0))).toThrow(SphinxVersionError);
    expect(() =>
      peelPacket({ group, params: obolParams({ slotSize: 17 }), secretKey: relays[0]!.secretKey, packet }),
    ).toThrow(SphinxSizeError);
  });

  it("a tampered body is forwarded but destroyed: the final hop refuses it", () => {
    for (const last of ["deliver", "drop", "loop"] as const) {
      const built = build(group, relays, params, message, last);
      for (const at of [hSize, hSize + 31, hSize + 32, built.packet.length - 1]) {
        let current: Uint8Array = built.packet.slice();
        current[at]! ^= 0x01;
        for (let i = 0; i < relays.length - 1; i++)
          current = peelPacket({ group, params, secretKey: relays[i]!.secretKey, packet: current }).next!;
        const final = () => peelPacket({ group, params, secretKey: relays[2]!.secretKey, packet: current });
        if (last === "deliver") {
          const peeled = final();
          expect(peeled.message).toBeNull(); // could only be a SURB reply; openReply will refuse it
          // the whole body is noise, not just the flipped bit: the zero prefix is gone
          expect(peeled.body.slice(0, 16).some((b) => b !== 0)).toBe(true);
        } else expect(final).toThrow(SphinxBodyCorruptedError);
      }
    }
  });

  it("rejects hop payloads that are malformed or inconsistent with the route", () => {
    const n = 2;
    const route = relays.slice(0, n);
    const { secrets, ephemeralKey } = deriveHopSecrets({
      group,
      sessionKey: group.randomSecretKey(),
      publicKeys: route.map((r) => r.publicKey),
    });
    const body = new Uint8Array(params.bodySize);
    const make = (hopPayloads: Uint8Array[]) => {
      const { header } = createHeader({
        group,
        routingInfoSize: params.routingInfoSize,
        ephemeralKey,
        secrets,
        hopPayloads,
        associatedData: OBOL_ASSOCIATED_DATA,
      });
      const p = new Uint8Array(packetSize(group, params));
      p.set(header);
      p.set(body, header.length);
      return p;
    };
    const hops = routeHops(route, params);
    const good = hops.map((h) => encodeHop(h, params));
    const unknownFlags = good[0]!.slice();
    unknownFlags[1] = 0x07;
    expect(() => peel0(make([unknownFlags, good[1]!]))).toThrow(SphinxHopPayloadError);
    const shortPayload = Uint8Array.from([4, 0, 0, 0, 0]);
    expect(() => peel0(make([shortPayload, good[1]!]))).toThrow(SphinxHopPayloadError);
    // deliver before the final hop; forward at the final hop
    expect(() => peel0(make([good[1]!, good[1]!]))).toThrow(SphinxHopPayloadError);
    const single = deriveHopSecrets({ group, sessionKey: group.randomSecretKey(), publicKeys: [route[0]!.publicKey] });
    const { header } = createHeader({
      group,
      routingInfoSize: params.routingInfoSize,
      ...single,
      hopPayloads: [good[0]!],
      associatedData: OBOL_ASSOCIATED_DATA,
    });
    const p = new Uint8Array(packetSize(group, params));
    p.set(header);
    expect(() => peel0(p)).toThrow(SphinxHopPayloadError);
  });

  it("validates inputs when building", () => {
    const hops = routeHops(relays, params);
    const base = { group, params, ...keys, hops, message };
    const max = maxMessageSize(params);
    expect(createPacket({ ...base, message: new Uint8Array(max) }).length).toBe(packet.length);
    expect(() => createPacket({ ...base, message: new Uint8Array(max + 1) })).toThrow(SphinxMessageTooLargeError);
    expect(() => createPacket({ ...base, message: new Uint8Array(max + 1) })).toThrow(String(max));
    expect(() => createPacket({ ...base, hops: hops.slice(0, 2) })).toThrow(SphinxInputError); // last hop forwards
    expect(() => createPacket({ ...base, hops: [...hops.slice(0, 2), ...hops] })).toThrow(SphinxInputError); // > maxHops
    expect(() => createPacket({ ...base, secrets: keys.secrets.slice(1) })).toThrow(SphinxInputError);
    expect(() =>
      createPacket({ ...base, hops: hops.map((h, i) => (i === 0 ? { ...h, slot: new Uint8Array(3) } : h)) }),
    ).toThrow(/hops\[0\]\.slot/);
    expect(() => createPacket({ ...base, hops: hops.map((h, i) => (i === 0 ? { ...h, delayMs: -1 } : h)) })).toThrow(
      /delayMs/,
    );
    expect(() =>
      deriveHopSecrets({ group, sessionKey: group.randomSecretKey(), publicKeys: [new Uint8Array(32)] }),
    ).toThrow(SphinxInputError);
    expect(() =>
      deriveHopSecrets({
        group: secp256k1Group,
        sessionKey: new Uint8Array(32),
        publicKeys: [secp256k1Group.publicKey(secp256k1Group.randomSecretKey())],
      }),
    ).toThrow(SphinxPointError);
    expect(() => obolParams({ slotSize: -1 })).toThrow(SphinxInputError);
    expect(() => obolParams({ slotSize: 0, maxHops: 0 })).toThrow(SphinxInputError);
    expect(() => obolParams({ slotSize: 0, bodySize: 10 })).toThrow(SphinxInputError);
  });
});

describe("relay key validation", () => {
  it("names the secretKey field when the relay key is malformed", () => {
    const relays = makeRelays(x25519Group, 1);
    const { packet } = build(x25519Group, relays, params, utf8("k"));
    const call = () => peelPacket({ group: x25519Group, params, secretKey: new Uint8Array(31), packet });
    expect(call).toThrow(SphinxInputError);
    expect(call).toThrow(/secretKey/);
    expect(() => sharedSecret({ group: x25519Group, secretKey: new Uint8Array(33), packet })).toThrow(/secretKey/);
  });
});

describe("group element validation", () => {
  const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
  const lowOrder = [
    new Uint8Array(32),
    hex("01".padEnd(64, "0")),
    hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
    hex(`ec${"ff".repeat(30)}7f`),
  ];
  const nonCanonical = [hex(`ed${"ff".repeat(30)}7f`), hex(`${"09".padEnd(62, "0")}80`)];

  it.each([
    ["libsodium", x25519Group],
    ["noble", x25519NobleGroup],
  ] as const)("X25519 (%s) refuses low-order and non-canonical u-coordinates", (_, group) => {
    const sk = group.randomSecretKey();
    for (const u of [...lowOrder, ...nonCanonical]) expect(() => group.multiply(sk, u)).toThrow(SphinxPointError);
    for (const u of nonCanonical) expect(() => group.checkElement(u)).toThrow(SphinxPointError);
    expect(() => group.multiply(sk, new Uint8Array(31))).toThrow(SphinxInputError);
  });

  it("secp256k1 refuses points off the curve, bad prefixes and out-of-range scalars", () => {
    const g = secp256k1Group;
    const pk = g.publicKey(g.randomSecretKey());
    const badPrefix = pk.slice();
    badPrefix[0] = 0x04;
    expect(() => g.multiply(g.randomSecretKey(), badPrefix)).toThrow(SphinxPointError);
    expect(() => g.checkElement(hex(`02${"ff".repeat(32)}`))).toThrow(SphinxPointError);
    expect(() => g.multiply(hex("ff".repeat(32)), pk)).toThrow(SphinxPointError); // scalar >= n
    expect(() => g.multiply(new Uint8Array(32), pk)).toThrow(SphinxPointError);
  });
});

describe("round trip property", () => {
  it("holds for any parameters, route length and message length", () => {
    const group = x25519Group;
    const pool = makeRelays(group, 8);
    fc.assert(
      fc.property(
        fc.record({
          slotSize: fc.nat({ max: 300 }),
          maxHops: fc.integer({ min: 1, max: 8 }),
          bodySize: fc.integer({ min: 64, max: 4096 }),
          hops: fc.integer({ min: 1, max: 8 }),
          last: fc.constantFrom("deliver" as const, "drop" as const, "loop" as const),
          fill: fc.nat({ max: 255 }),
          length: fc.nat(),
        }),
        ({ slotSize, maxHops, bodySize, hops, last, fill, length }) => {
          const p = obolParams({ slotSize, maxHops, bodySize });
          const route = pool.slice(0, Math.min(hops, maxHops));
          const message = new Uint8Array(length % (maxMessageSize(p) + 1)).fill(fill);
          const { packet } = build(group, route, p, message, last);
          expect(packet.length).toBe(packetSize(group, p));
          let current: Uint8Array | null = packet;
          let peeled;
          for (const relay of route) {
            peeled = peelPacket({ group, params: p, secretKey: relay.secretKey, packet: current! });
            current = peeled.next;
          }
          expect(current).toBeNull();
          expect(peeled!.hop.action).toBe(last);
          expect(peeled!.message).toEqual(message);
        },
      ),
      { numRuns: 60 },
    );
  });
});
