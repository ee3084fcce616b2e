/**
 * Seeded, structure-aware mutants of relay token slots (issue 10, finding 5),
 * shared by `test/schemes/tickets/fuzz.test.ts` and the `tickets.fuzz.*`
 * figures. Every mutant names the reason the relay must refuse it, and the
 * signature-encoding mutants also name why the point decoder refuses the
 * signature, so a fuzzer asserts *why* each input fails, not only that it does.
 *
 * Slot: epoch (8, BE) ‖ serial (16) ‖ σ (48, compressed G1). The relay's
 * packet epoch is E; tokens of E − 1 (grace), E and E + 1 (a relay that has
 * not polled the new epoch yet) pass the epoch filter, so every field mutation
 * except length and epoch reaches the BLS check.
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import type { Address } from "viem";
import type { BlindBls } from "../src/crypto/blind/bls.js";
import { tokenMessage, type TokenDomain } from "../src/crypto/blind/encoding.js";
import { SLOT_SIZE } from "../src/schemes/tickets/constants.js";
import type { TokenRefusal } from "../src/schemes/tickets/relay.js";
import { encodeSlot, type SlotToken } from "../src/schemes/tickets/slot.js";
import { seededRandom } from "./tickets-chaining.js";

export type Mutant = {
  kind: string;
  slot: Uint8Array;
  /** Verdict the relay must give: null = accept. */
  expect: TokenRefusal | null;
  /** For encoding mutants: what the point decoder must say about σ. */
  point?: RegExp;
};

export type MutantContext = {
  bls: BlindBls;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  domain: TokenDomain;
  relay: Address;
  /** The relay's packet epoch E. */
  epoch: bigint;
};

const Fp = bls12_381.fields.Fp;
const INFINITY = Uint8Array.from({ length: 48 }, (_, i) => (i === 0 ? 0xc0 : 0));

/** A compressed point on y² = x³ + 4 outside the prime-order subgroup, from a seeded start. */
export function nonSubgroupPoint(next: () => number): Uint8Array {
  for (let x = BigInt(Math.floor(next() * 2 ** 48)) + 1n; ; x++) {
    let y: bigint;
    try {
      y = Fp.sqrt(Fp.add(Fp.mul(Fp.sqr(x), x), 4n));
    } catch {
      continue;
    }
    if (bls12_381.G1.Point.fromAffine({ x, y }).isTorsionFree()) continue;
    const out = Fp.toBytes(x);
    out[0]! |= 0x80;
    if (y > Fp.neg(y)) out[0]! |= 0x20;
    return out;
  }
}

/** x ≥ p with the compression flag: never a canonical encoding. */
function nonCanonical(next: () => number): Uint8Array {
  const out = Fp.toBytes(Fp.ORDER - 1n);
  // x = p + k for a small k: write p then add k to the low bytes with carry.
  let carry = BigInt(Math.floor(next() * 1000)) + 1n;
  for (let i = 47; i >= 0 && carry > 0n; i--) {
    const v = BigInt(out[i]!) + carry;
    out[i] = Number(v & 0xffn);
    carry = v >> 8n;
  }
  out[0]! |= 0x80;
  return out;
}

/** Flips `bits` DISTINCT bits (flipping one twice would give back the valid input). */
const flipBits = (next: () => number, bytes: Uint8Array, bits: number) => {
  const out = Uint8Array.from(bytes);
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(next() * bytes.length * 8));
  for (const bit of chosen) out[bit >> 3]! ^= 0x80 >> (bit & 7);
  return out;
};

/**
 * Yields mutant groups (a duplicate is two slots) forever, seeded.
 *
 * @returns generator of mutant groups; each group goes into one wave
 * @example
 * const gen = mutants("seed", ctx); const group = gen.next().value;
 */
export function* mutants(seed: string, ctx: MutantContext): Generator<Mutant[]> {
  const next = seededRandom(seed);
  const { bls, secretKey, domain, relay, epoch } = ctx;
  const serialOf = () => Uint8Array.from({ length: 16 }, () => Math.floor(next() * 256));
  // σ = sk·H(m) directly: a token exactly as the unblinded one (tested equal in blind.test.ts).
  const mint = (e = epoch, r: Address = relay, d: TokenDomain = domain): SlotToken => {
    const serial = serialOf();
    return { epoch: e, serial, signature: bls.signBlinded(secretKey, bls.hashToG1(tokenMessage(d, r, e, serial))) };
  };
  const otherRelay = "0x00000000000000000000000000000000000000f3" as Address;
  const otherDomain = { ...domain, bank: "0x00000000000000000000000000000000000000b9" as Address };
  const g1 = (b: Uint8Array) => bls12_381.G1.Point.fromBytes(b);
  const kinds: (() => Mutant[])[] = [
    () => {
      const slot = encodeSlot(mint());
      const len = next() < 0.5 ? Math.floor(next() * SLOT_SIZE) : SLOT_SIZE + 1 + Math.floor(next() * 64);
      const out = new Uint8Array(len);
      out.set(slot.subarray(0, Math.min(len, SLOT_SIZE)));
      return [{ kind: "length", slot: out, expect: "tickets: malformed slot" }];
    },
    () => {
      const t = mint();
      let e = BigInt(Math.floor(next() * 2 ** 52)) * 4096n + BigInt(Math.floor(next() * 4096));
      if (e + 1n >= epoch && e <= epoch + 1n) e = epoch + 2n; // the window is E − 1 … E + 1
      return [{ kind: "epoch-outside", slot: encodeSlot({ ...t, epoch: e }), expect: "tickets: wrong epoch" }];
    },
    () => [
      {
        kind: "epoch-window-relabel",
        slot: encodeSlot({ ...mint(), epoch: next() < 0.5 ? epoch - 1n : epoch + 1n }),
        expect: "tickets: invalid token",
      },
    ],
    () => {
      const t = mint();
      return [
        {
          kind: "serial-bits",
          slot: encodeSlot({ ...t, serial: flipBits(next, t.serial, 1 + Math.floor(next() * 3)) }),
          expect: "tickets: invalid token",
        },
      ];
    },
    () => {
      const t = mint();
      // any σ bit: the flags, x, or both; decoding may fail or the pairing does
      return [
        {
          kind: "signature-bits",
          slot: encodeSlot({ ...t, signature: flipBits(next, t.signature, 1 + Math.floor(next() * 2)) }),
          expect: "tickets: invalid token",
        },
      ];
    },
    () => [
      {
        kind: "signature-infinity",
        slot: encodeSlot({ ...mint(), signature: INFINITY }),
        expect: "tickets: invalid token",
        point: /point at infinity/,
      },
    ],
    () => [
      {
        kind: "signature-non-canonical",
        slot: encodeSlot({ ...mint(), signature: nonCanonical(next) }),
        expect: "tickets: invalid token",
        point: /not a compressed G1 point/,
      },
    ],
    () => [
      {
        kind: "signature-non-subgroup",
        slot: encodeSlot({ ...mint(), signature: nonSubgroupPoint(next) }),
        expect: "tickets: invalid token",
        point: /subgroup/,
      },
    ],
    () => {
      const t = mint();
      const sig = Uint8Array.from(t.signature);
      sig[0]! &= 0x7f; // uncompressed flag on a 48-byte encoding
      return [
        {
          kind: "signature-flag-cleared",
          slot: encodeSlot({ ...t, signature: sig }),
          expect: "tickets: invalid token",
          point: /not a compressed G1 point/,
        },
      ];
    },
    () => {
      const [a, b] = [mint(), mint()];
      return [
        {
          kind: "signature-swapped",
          slot: encodeSlot({ ...a, signature: b.signature }),
          expect: "tickets: invalid token",
        },
      ];
    },
    () => {
      const [a, b] = [mint(), mint()];
      const sum = g1(a.signature).add(g1(b.signature)).toBytes(true);
      return [
        { kind: "signature-combined", slot: encodeSlot({ ...a, signature: sum }), expect: "tickets: invalid token" },
      ];
    },
    () => {
      const t = mint();
      return [
        {
          kind: "signature-negated",
          slot: encodeSlot({ ...t, signature: g1(t.signature).negate().toBytes(true) }),
          expect: "tickets: invalid token",
        },
      ];
    },
    () => [{ kind: "other-relay", slot: encodeSlot(mint(epoch, otherRelay)), expect: "tickets: invalid token" }],
    () => [
      { kind: "other-domain", slot: encodeSlot(mint(epoch, relay, otherDomain)), expect: "tickets: invalid token" },
    ],
    () => {
      const slot = Uint8Array.from({ length: SLOT_SIZE }, () => Math.floor(next() * 256));
      new DataView(slot.buffer).setBigUint64(0, epoch); // reaches the BLS check
      return [{ kind: "random-body", slot, expect: "tickets: invalid token" }];
    },
    () => {
      const r = next();
      const slot = encodeSlot(mint(r < 1 / 3 ? epoch - 1n : r < 2 / 3 ? epoch : epoch + 1n));
      return [
        { kind: "valid", slot, expect: null },
        { kind: "duplicate-in-batch", slot: Uint8Array.from(slot), expect: "tickets: double spend" },
      ];
    },
  ];
  for (;;) yield kinds[Math.floor(next() * kinds.length)]!();
}

/** Number of mutant kinds (each is drawn uniformly). */
export const MUTANT_KINDS = 16;
