/**
 * How many tokens each devnet participant buys per relay: the devnet's
 * `prepaid` hops (`obol devnet --prepaid-gateway/--prepaid-mix`), one token
 * per hop, else the scheme's defaults; nothing is read from the environment.
 */
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../src/errors.js";
import { DEVNET_TOKENS, tokenCounts } from "../../../src/schemes/tickets/devnet.js";

describe("tickets devnet: tokens per relay", () => {
  it("takes the defaults when nothing is given, and each role's count when given", () => {
    expect(tokenCounts()).toEqual({ gateway: DEVNET_TOKENS.perGateway, mix: DEVNET_TOKENS.perMix });
    expect(tokenCounts({ mix: 12 })).toEqual({ gateway: DEVNET_TOKENS.perGateway, mix: 12 });
    expect(tokenCounts({ gateway: 0, mix: 3 })).toEqual({ gateway: 0, mix: 3 });
  });

  it("ignores the old OBOL_TICKETS_PER_* variables", () => {
    process.env.OBOL_TICKETS_PER_GATEWAY = "7";
    try {
      expect(tokenCounts().gateway).toBe(DEVNET_TOKENS.perGateway);
    } finally {
      delete process.env.OBOL_TICKETS_PER_GATEWAY;
    }
  });

  it("rejects a count that is not a whole number ≥ 0, naming the role", () => {
    for (const bad of [-1, 2.5, Number.NaN]) {
      expect(() => tokenCounts({ gateway: bad })).toThrow(InvalidInputError);
      expect(() => tokenCounts({ gateway: bad })).toThrow(/prepaid\.gateway/);
    }
  });
});
