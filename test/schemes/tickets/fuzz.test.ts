/**
 * Seeded, structure-aware fuzzing of the relay's token check (issue 10,
 * finding 5): every field of the slot and every encoding edge of σ
 * (bench/tickets-mutants.ts), sent in concurrent waves so the batch verifier
 * mixes good and bad tokens and bisects. Each input must be refused for its
 * own reason (malformed slot, wrong epoch, double spend, invalid token), and
 * each encoding mutant must also be refused by the point decoder for the
 * named reason (infinity, non-canonical, not in the subgroup). Valid tokens
 * are accepted exactly once; a duplicate in the same wave is a double spend.
 *
 * The old version flipped bits with a fixed stride and drew random epochs,
 * so half its inputs stopped at the epoch filter and it asserted only
 * "nothing accepted".
 */
import { describe, it, expect } from "vitest";
import { loadBlindBls } from "../../../src/crypto/blind/bls.js";
import { tokenMessage } from "../../../src/crypto/blind/encoding.js";
import { InvalidPointError } from "../../../src/crypto/blind/errors.js";
import { openDatabase } from "../../../src/store/db.js";
import { checkToken } from "../../../src/schemes/tickets/relay.js";
import { decodeSlot } from "../../../src/schemes/tickets/slot.js";
import { RelayTokenStore } from "../../../src/schemes/tickets/store.js";
import { BatchVerifier } from "../../../src/schemes/tickets/verifier.js";
import { MUTANT_KINDS, mutants, type Mutant } from "../../../bench/tickets-mutants.js";
import { tokenDomain } from "../../helpers/token-domain.js";

const bls = await loadBlindBls();
const relay = "0x00000000000000000000000000000000000000c3" as const;
const domain = tokenDomain;
const EPOCH = 5n;
const key = bls.keygen();

describe("relay token check under structure-aware fuzzing", () => {
  it("refuses every mutant for its own reason and accepts each valid token once", async () => {
    const store = new RelayTokenStore(openDatabase(":memory:"));
    const verifier = new BatchVerifier({ bls, relay, domain, publicKey: key.publicKey, maxBatch: 16, maxDelayMs: 1 });
    const gen = mutants("fuzz-test-1", {
      bls,
      secretKey: key.secretKey,
      publicKey: key.publicKey,
      domain,
      relay,
      epoch: EPOCH,
    });
    const seen = new Map<string, number>();
    let inputs = 0;
    while (inputs < 600) {
      const wave: Mutant[] = [];
      while (wave.length < 24) wave.push(...gen.next().value!);
      const verdicts = await Promise.all(wave.map((m) => checkToken(store, verifier, m.slot, EPOCH)));
      wave.forEach((m, i) => {
        expect({ kind: m.kind, verdict: verdicts[i] }).toEqual({ kind: m.kind, verdict: m.expect });
        if (m.point) {
          const t = decodeSlot(m.slot);
          let thrown: unknown;
          try {
            bls.verify(tokenMessage(domain, relay, t.epoch, t.serial), t.signature, key.publicKey);
          } catch (error) {
            thrown = error;
          }
          expect(thrown, m.kind).toBeInstanceOf(InvalidPointError);
          expect((thrown as Error).message, m.kind).toMatch(m.point);
        }
        seen.set(m.kind, (seen.get(m.kind) ?? 0) + 1);
      });
      inputs += wave.length;
    }
    // Every kind was drawn (16 kinds, ≥ 575 draws) and the valid ones really were valid.
    expect(seen.size).toBe(MUTANT_KINDS + 1); // + the duplicate of each valid token
    expect(seen.get("valid")).toBeGreaterThan(0);
    expect(store.counts().valid).toBe(seen.get("valid"));
  });
});
