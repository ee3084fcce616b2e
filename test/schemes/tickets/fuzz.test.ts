/**
 * Property test of the relay's token check (decodeSlot → spent set →
 * BatchVerifier → verdict stored, the same path TicketsRelay.onPacket runs):
 * random slots and single-bit mutations of valid slots are never accepted and
 * never crash it, and a forged copy with a valid token's serial does not burn
 * the genuine token.
 * The 100k-input volume runs in `bench/tickets.bench.ts` (tickets.fuzz.*).
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { loadBlindBls } from "../../../src/crypto/blind/bls.js";
import { tokenMessage } from "../../../src/crypto/blind/encoding.js";
import { openDatabase } from "../../../src/store/db.js";
import { BatchVerifier } from "../../../src/schemes/tickets/verifier.js";
import { RelayTokenStore } from "../../../src/schemes/tickets/store.js";
import { decodeSlot, encodeSlot } from "../../../src/schemes/tickets/slot.js";
import { SLOT_SIZE } from "../../../src/schemes/tickets/constants.js";

const bls = await loadBlindBls();
const relay = "0x00000000000000000000000000000000000000c3" as const;
const domain = { chainId: 31337, bank: "0x00000000000000000000000000000000000000b0", issuer: "0x00000000000000000000000000000000000000e1" } as const;
const { secretKey, publicKey } = bls.keygen();

/** The relay's per-token decision on real components. */
async function check(store: RelayTokenStore, verifier: BatchVerifier, slot: Uint8Array): Promise<boolean> {
  let t;
  try {
    t = decodeSlot(slot);
  } catch {
    return false;
  }
  if (t.epoch !== 5n && t.epoch !== 4n) return false;
  if (!store.claim(t.epoch, t.serial, t.signature)) return false;
  const ok = await verifier.check(t);
  store.setState([t], ok ? "valid" : "invalid");
  return ok;
}

describe("relay token check under fuzzing", () => {
  it("accepts valid tokens once and rejects every random or mutated slot", async () => {
    const store = new RelayTokenStore(openDatabase(":memory:"));
    const verifier = new BatchVerifier({ bls, relay, domain, publicKey, maxBatch: 32, maxDelayMs: 1 });
    const valid = Array.from({ length: 8 }, () => {
      const serial = crypto.getRandomValues(new Uint8Array(16));
      const st = bls.blind(tokenMessage(domain, relay, 5n, serial));
      return encodeSlot({ epoch: 5n, serial, signature: bls.unblind(st, bls.signBlinded(secretKey, st.blinded), publicKey) });
    });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: SLOT_SIZE, maxLength: SLOT_SIZE }), fc.nat(7), fc.nat(SLOT_SIZE * 8 - 1), async (random, v, bit) => {
        const mutated = Uint8Array.from(valid[v]!);
        mutated[bit >> 3]! ^= 1 << (bit & 7);
        const [a, b] = await Promise.all([check(store, verifier, random), check(store, verifier, mutated)]);
        if (a || b) accepted++;
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBe(0);
    for (const slot of valid) expect(await check(store, verifier, slot)).toBe(true);
    for (const slot of valid) expect(await check(store, verifier, slot)).toBe(false); // spent
  });
});
