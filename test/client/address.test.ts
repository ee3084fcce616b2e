import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHash, randomBytes } from "node:crypto";
import { base32nopad } from "@scure/base";
import { getAddress, bytesToHex } from "viem";
import { ADDRESS_PREFIX, formatAddress, parseAddress } from "../../src/client/address.js";
import { InvalidAddressError } from "../../src/client/errors.js";

const sample = () => ({
  gateway: getAddress(bytesToHex(randomBytes(20))),
  mailbox: new Uint8Array(randomBytes(32)),
  publicKey: new Uint8Array(randomBytes(32)),
});

describe("Obol address", () => {
  it("round-trips any gateway, mailbox and key", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (g, mailbox, publicKey) => {
          const address = { gateway: getAddress(bytesToHex(g)), mailbox, publicKey };
          const text = formatAddress(address);
          expect(text.startsWith(ADDRESS_PREFIX)).toBe(true);
          expect(text).toMatch(/^obol1[a-z2-7]+$/);
          expect(parseAddress(text)).toEqual(address);
          expect(parseAddress(`  ${text.toUpperCase()}\n`)).toEqual(address);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects a wrong prefix, foreign characters, truncation and extension", () => {
    const text = formatAddress(sample());
    expect(() => parseAddress(text.replace("obol1", "obo11"))).toThrow(/must start with "obol1"/);
    expect(() => parseAddress(`${text.slice(0, 20)}0${text.slice(21)}`)).toThrow(/not base32/);
    expect(() => parseAddress(text.slice(0, -8))).toThrow(InvalidAddressError);
    expect(() => parseAddress(`${text}aaaaaaaa`)).toThrow(/expected 89/);
    expect(() => parseAddress("")).toThrow(InvalidAddressError);
  });

  it("detects every single-character typo through the checksum", () => {
    const text = formatAddress(sample());
    const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    let rejected = 0;
    for (let i = ADDRESS_PREFIX.length; i < text.length - 1; i += 7) {
      const c = text[i]!;
      const other = alphabet[(alphabet.indexOf(c) + 1) % 32]!;
      expect(() => parseAddress(text.slice(0, i) + other + text.slice(i + 1))).toThrow(InvalidAddressError);
      rejected++;
    }
    expect(rejected).toBeGreaterThan(15);
  });

  it("follows the documented layout and names an unknown version", () => {
    // Independent encoder from docs/client.md: base32(version ‖ gateway ‖ mailbox ‖ key ‖ sha256("obol-address" ‖ …)[0..4]).
    const a = sample();
    const encode = (version: number) => {
      const body = Buffer.concat([
        Buffer.from([version]),
        Buffer.from(a.gateway.slice(2), "hex"),
        a.mailbox,
        a.publicKey,
      ]);
      const check = createHash("sha256").update("obol-address").update(body).digest().subarray(0, 4);
      return ADDRESS_PREFIX + base32nopad.encode(Buffer.concat([body, check])).toLowerCase();
    };
    expect(encode(1)).toBe(formatAddress(a));
    expect(() => parseAddress(encode(2))).toThrow(/unknown version 2/);
  });

  it("refuses to format malformed parts", () => {
    const ok = sample();
    expect(() => formatAddress({ ...ok, mailbox: new Uint8Array(31) })).toThrow(/mailbox must be 32 bytes/);
    expect(() => formatAddress({ ...ok, publicKey: new Uint8Array(33) })).toThrow(/publicKey must be 32 bytes/);
    expect(() => formatAddress({ ...ok, gateway: "0x1234" as `0x${string}` })).toThrow(/gateway/);
  });
});
