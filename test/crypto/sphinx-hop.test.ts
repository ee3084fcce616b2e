/** Obol hop payloads: exact round trips and strict decoding. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SphinxHopPayloadError, SphinxInputError } from "../../src/crypto/sphinx/errors.js";
import { decodeHop, encodeHop, type HopInstruction } from "../../src/crypto/sphinx/hop.js";
import { hopPayloadSize, obolParams } from "../../src/crypto/sphinx/params.js";

describe("hop payload", () => {
  it.each([0, 16, 128, 300])("round-trips every action with slotSize %i", (slotSize) => {
    const params = obolParams({ slotSize });
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    const hop: fc.Arbitrary<HopInstruction> = fc.oneof(
      fc.record({
        action: fc.constant("forward" as const),
        next: bytes(20).map((b) => `0x${Buffer.from(b).toString("hex")}` as const),
        delayMs: fc.nat({ max: 0xffffffff }),
        slot: bytes(slotSize),
      }),
      fc.record({
        action: fc.constant("deliver" as const),
        mailbox: bytes(32),
        delayMs: fc.nat({ max: 0xffffffff }),
        slot: bytes(slotSize),
      }),
      fc.record({
        action: fc.constantFrom("drop" as const, "loop" as const),
        delayMs: fc.nat({ max: 0xffffffff }),
        slot: bytes(slotSize),
      }),
    );
    fc.assert(
      fc.property(hop, (h) => {
        const encoded = encodeHop(h, params);
        expect(encoded.length).toBe(hopPayloadSize(slotSize));
        const decoded = decodeHop(encoded, params);
        if (h.action === "forward" && decoded.action === "forward") {
          expect(decoded.next.toLowerCase()).toBe(h.next.toLowerCase());
          expect({ ...decoded, next: h.next }).toEqual(h);
        } else expect(decoded).toEqual(h);
      }),
      { numRuns: 200 },
    );
  });

  it("uses a 3-byte bigsize prefix once the payload reaches 0xfd bytes", () => {
    const params = obolParams({ slotSize: 0xfd - 37 });
    const encoded = encodeHop({ action: "drop", delayMs: 1, slot: new Uint8Array(params.slotSize) }, params);
    expect([...encoded.subarray(0, 3)]).toEqual([0xfd, 0x00, 0xfd]);
  });

  it("rejects unknown flags, wrong sizes, wrong prefixes and dirty padding", () => {
    const params = obolParams({ slotSize: 4 });
    const good = encodeHop(
      { action: "forward", next: `0x${"ab".repeat(20)}`, delayMs: 7, slot: new Uint8Array(4) },
      params,
    );
    const mutate = (at: number, value: number) => {
      const b = good.slice();
      b[at] = value;
      return b;
    };
    expect(() => decodeHop(mutate(1, 0x04), params)).toThrow(/unknown flags 0x04/);
    expect(() => decodeHop(mutate(1, 0x80), params)).toThrow(SphinxHopPayloadError);
    expect(() => decodeHop(mutate(0, good[0]! + 1), params)).toThrow(SphinxHopPayloadError);
    expect(() => decodeHop(mutate(2, 1), params)).toThrow(/padding/); // forward address padding
    expect(() => decodeHop(good.subarray(1), params)).toThrow(SphinxHopPayloadError);
    expect(() => decodeHop(good, obolParams({ slotSize: 5 }))).toThrow(SphinxHopPayloadError);
    const drop = encodeHop({ action: "drop", delayMs: 7, slot: new Uint8Array(4) }, params);
    drop[10] = 1;
    expect(() => decodeHop(drop, params)).toThrow(/drop next field/);
    expect(() => encodeHop({ action: "forward", next: "0x1234", delayMs: 0, slot: new Uint8Array(4) }, params)).toThrow(
      SphinxInputError,
    );
    expect(() =>
      encodeHop({ action: "deliver", mailbox: new Uint8Array(31), delayMs: 0, slot: new Uint8Array(4) }, params),
    ).toThrow(SphinxInputError);
    expect(() => encodeHop({ action: "loop", delayMs: 2 ** 32, slot: new Uint8Array(4) }, params)).toThrow(
      SphinxInputError,
    );
    expect(() =>
      encodeHop({ action: "nope", delayMs: 0, slot: new Uint8Array(4) } as unknown as HopInstruction, params),
    ).toThrow(SphinxInputError);
  });
});
