/**
 * BOLT #4 conformance: the variable-length onion test vector of Lightning
 * (`bolt04/onion-test.json`, copied to test/fixtures). Build the onion from
 * `generate` and compare byte for byte, then peel every hop with the `decode`
 * keys. Keep this test forever: it pins the header construction.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { secp256k1Group } from "../../src/crypto/sphinx/group.js";
import { createHeader, deriveHopSecrets, peelHeader, sharedSecret } from "../../src/crypto/sphinx/header.js";
import { SphinxInputError, SphinxMacError, SphinxSizeError } from "../../src/crypto/sphinx/errors.js";

type Vector = {
  generate: { session_key: string; associated_data: string; hops: { pubkey: string; payload: string }[] };
  onion: string;
  decode: string[];
};
const vector = JSON.parse(
  readFileSync(new URL("../fixtures/bolt04-onion-test.json", import.meta.url), "utf8"),
) as Vector;
const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ROUTING_INFO_SIZE = 1300;
const group = secp256k1Group;
const associatedData = hex(vector.generate.associated_data);
const payloads = vector.generate.hops.map((h) => hex(h.payload));

describe("BOLT #4 onion test vector (secp256k1, 1300-byte routing info)", () => {
  it("builds the onion byte for byte", () => {
    const derived = deriveHopSecrets({
      group,
      sessionKey: hex(vector.generate.session_key),
      publicKeys: vector.generate.hops.map((h) => hex(h.pubkey)),
    });
    const { header: onion } = createHeader({
      group,
      routingInfoSize: ROUTING_INFO_SIZE,
      ...derived,
      hopPayloads: payloads,
      associatedData,
    });
    expect(onion.length).toBe(1366);
    expect(toHex(onion)).toBe(vector.onion);
  });

  it("peels every hop with the decode keys, detecting the final hop", () => {
    let header: Uint8Array | null = hex(vector.onion);
    vector.decode.forEach((sk, i) => {
      expect(header).not.toBeNull();
      const peeled = peelHeader({
        group,
        routingInfoSize: ROUTING_INFO_SIZE,
        secretKey: hex(sk),
        header: header!,
        associatedData,
      });
      expect(toHex(peeled.hopPayload)).toBe(vector.generate.hops[i]!.payload);
      expect(peeled.nextHeader === null).toBe(i === vector.decode.length - 1);
      header = peeled.nextHeader;
    });
    expect(header).toBeNull();
  });

  it("rejects the onion under a wrong key or different associated data", () => {
    const onion = hex(vector.onion);
    const args = { group, routingInfoSize: ROUTING_INFO_SIZE, header: onion };
    expect(() => peelHeader({ ...args, secretKey: hex(vector.decode[1]!), associatedData })).toThrow(SphinxMacError);
    expect(() =>
      peelHeader({ ...args, secretKey: hex(vector.decode[0]!), associatedData: new Uint8Array(32) }),
    ).toThrow(SphinxMacError);
  });

  it("peels with a precomputed ss exactly as with the secret key, and validates its inputs", () => {
    const onion = hex(vector.onion);
    const secretKey = hex(vector.decode[0]!);
    const ss = sharedSecret({ group, secretKey, packet: onion });
    const args = { group, routingInfoSize: ROUTING_INFO_SIZE, header: onion, associatedData };
    expect(peelHeader({ ...args, ss })).toEqual(peelHeader({ ...args, secretKey }));
    expect(() => peelHeader(args)).toThrow(SphinxInputError);
    expect(() => peelHeader({ ...args, ss: ss.subarray(1) })).toThrow(SphinxInputError);
    expect(() => peelHeader({ ...args, secretKey, header: onion.subarray(1) })).toThrow(SphinxSizeError);
  });
});
