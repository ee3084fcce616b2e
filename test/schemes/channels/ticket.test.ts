/**
 * Ticket, proof-of-relay and slot codecs: EIP-712 digests against viem's
 * reference `hashTypedData`, round trips and tampering (fast-check).
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { bytesToHex, hashTypedData, type Address, type Hex } from "viem";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  compactFromRsv,
  decodeAttachment,
  domainSeparator,
  encodeAttachment,
  isWinning,
  privateKeySigner,
  recoverSigner,
  signTicket,
  ticketDigest,
  ticketLuck,
  type Ticket,
} from "../../../src/schemes/channels/ticket.js";
import {
  ackKey,
  ackMatchesHint,
  challengeAnswerable,
  exitAckKey,
  hintOf,
  ownKey,
  pointAddress,
  response,
  routeChallenges,
} from "../../../src/schemes/channels/por.js";
import { decodeReceipt, decodeSlot, encodeReceipt, encodeSlot } from "../../../src/schemes/channels/slot.js";
import { MAX, SLOT_SIZE } from "../../../src/schemes/channels/constants.js";
import { TicketRejectedError } from "../../../src/schemes/channels/errors.js";

const CONTRACT: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => bytesToHex(b));
const ticketArb = fc.record({
  channel: hex(32) as fc.Arbitrary<Hex>,
  amount: fc.bigInt({ min: 0n, max: MAX.amount }),
  index: fc.bigInt({ min: 0n, max: MAX.index }),
  epoch: fc.bigInt({ min: 0n, max: MAX.epoch }),
  winProb: fc.bigInt({ min: 0n, max: MAX.winProb }),
  challenge: hex(20) as fc.Arbitrary<Address>,
});
const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp256k1.utils.isValidSecretKey(k));

describe("EIP-712 ticket digest", () => {
  it("equals viem's hashTypedData for any ticket and chain", () => {
    fc.assert(
      fc.property(ticketArb, fc.integer({ min: 1, max: 2 ** 31 }), (t: Ticket, chainId) => {
        const reference = hashTypedData({
          domain: { name: "Obol PaymentChannels", version: "1", chainId, verifyingContract: CONTRACT },
          primaryType: "Ticket",
          types: {
            Ticket: [
              { name: "channel", type: "bytes32" },
              { name: "amount", type: "uint96" },
              { name: "index", type: "uint48" },
              { name: "epoch", type: "uint24" },
              { name: "winProb", type: "uint56" },
              { name: "challenge", type: "address" },
            ],
          },
          message: { ...t, index: Number(t.index), epoch: Number(t.epoch) },
        });
        expect(bytesToHex(ticketDigest(t, domainSeparator(chainId, CONTRACT)))).toBe(reference);
      }),
      { numRuns: 200 },
    );
  });

  it("changes with the chain id, so a ticket signed on one chain is void on another", () => {
    expect(bytesToHex(domainSeparator(1, CONTRACT))).not.toBe(bytesToHex(domainSeparator(31337, CONTRACT)));
  });
});

describe("attachment codec and signatures", () => {
  it("round-trips and recovers the signer; any single-byte change breaks the signature or the fields", async () => {
    await fc.assert(
      fc.asyncProperty(ticketArb, key, fc.nat(143), fc.integer({ min: 1, max: 255 }), async (t, k, pos, flip) => {
        const signer = privateKeySigner(k);
        const domain = domainSeparator(31337, CONTRACT);
        const signed = await signTicket(t, domain, signer);
        const bytes = encodeAttachment(signed);
        expect(bytes.length).toBe(144);
        const back = decodeAttachment(bytes);
        expect(back).toEqual({
          ...signed,
          channel: signed.channel.toLowerCase(),
          challenge: signed.challenge.toLowerCase(),
        });
        expect(recoverSigner(ticketDigest(back, domain), back.signature)).toBe(signer.address.toLowerCase());
        const tampered = bytes.slice();
        tampered[pos]! ^= flip;
        const t2 = decodeAttachment(tampered);
        expect(recoverSigner(ticketDigest(t2, domain), t2.signature)).not.toBe(signer.address.toLowerCase());
      }),
      { numRuns: 100 },
    );
  });

  it("cannot be malleated to high s (EIP-2098 has no room for it), and rejects wrong lengths", async () => {
    const signer = privateKeySigner(new Uint8Array(32).fill(7));
    const t: Ticket = {
      channel: `0x${"11".repeat(32)}`,
      amount: 1n,
      index: 1n,
      epoch: 1n,
      winProb: 0n,
      challenge: `0x${"22".repeat(20)}`,
    };
    const domain = domainSeparator(1, CONTRACT);
    const sig = (await signTicket(t, domain, signer)).signature;
    const n = secp256k1.Point.CURVE().n;
    const s = BigInt(bytesToHex(sig.subarray(32))) & ((1n << 255n) - 1n);
    const high = sig.slice();
    high.set(Buffer.from((n - s).toString(16).padStart(64, "0"), "hex"), 32);
    // n − s sets the top bit, which compact form reads as yParity: another signer, never the same one.
    expect(recoverSigner(ticketDigest(t, domain), high)).not.toBe(signer.address.toLowerCase());
    expect(recoverSigner(ticketDigest(t, domain), sig.subarray(1))).toBeNull();
    expect(() => decodeAttachment(new Uint8Array(143))).toThrow(TicketRejectedError);
    expect(() => compactFromRsv(new Uint8Array(64))).toThrow(/65 bytes/);
  });

  it("win rule: luck is 56 bits and winProb = max always wins", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 1n, max: 2n ** 255n }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (d, r, secret) => {
          const luck = ticketLuck(d, r, secret);
          expect(luck >= 0n && luck <= MAX.winProb).toBe(true);
          expect(isWinning(d, r, secret, MAX.winProb)).toBe(true);
          expect(isWinning(d, r, secret, luck)).toBe(true);
          if (luck > 0n) expect(isWinning(d, r, secret, luck - 1n)).toBe(false);
        },
      ),
    );
  });
});

describe("proof of relay", () => {
  it("every hop can check its challenge from the slot, and only the next hop's ack answers it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 6 }),
        (secrets) => {
          const hops = routeChallenges(secrets);
          hops.forEach((h, i) => {
            const own = ownKey(secrets[i]!);
            expect(challengeAnswerable(own, h.hint, h.challenge)).toBe(true);
            const ack = i + 1 < secrets.length ? ackKey(secrets[i + 1]!) : exitAckKey(secrets[i]!);
            expect(ackMatchesHint(ack, h.hint)).toBe(true);
            expect(pointAddress(response(own, ack))).toBe(h.challenge.toLowerCase());
            // Its own ack (what it reveals backwards) does not answer its own ticket.
            expect(pointAddress(response(own, ackKey(secrets[i]!)))).not.toBe(h.challenge.toLowerCase());
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses malformed hints and out-of-range acks", () => {
    const own = ownKey(new Uint8Array(32).fill(3));
    expect(challengeAnswerable(own, new Uint8Array(33), `0x${"00".repeat(20)}`)).toBe(false);
    expect(ackMatchesHint(0n, hintOf(5n))).toBe(false);
    expect(pointAddress(0n)).toBe("0x0000000000000000000000000000000000000000");
  });
});

describe("slot and receipt codecs", () => {
  it("round-trip and reject unknown flags or an exit flag that disagrees with remaining", () => {
    const hint = hintOf(99n);
    const slot = { exit: false, remaining: 3, hint, onwardChallenge: `0x${"ab".repeat(20)}` as Address };
    const bytes = encodeSlot(slot);
    expect(bytes.length).toBe(SLOT_SIZE);
    expect(decodeSlot(bytes)).toEqual(slot);
    const bad = bytes.slice();
    bad[0] = 0x80;
    expect(() => decodeSlot(bad)).toThrow(/unknown slot flags/);
    bad[0] = 0x01; // exit but remaining 3
    expect(() => decodeSlot(bad)).toThrow(/disagree/);
    expect(() => encodeSlot({ ...slot, remaining: 256 })).toThrow(/slot.remaining/);
    expect(decodeReceipt(encodeReceipt(12345n))).toBe(12345n);
    expect(decodeReceipt(new Uint8Array(33))).toBeNull();
  });
});
