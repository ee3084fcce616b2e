/** Shared fixtures for the Sphinx tests: keys, routes and hop instructions. */
import type { SphinxGroup } from "../../src/crypto/sphinx/group.js";
import type { HopInstruction } from "../../src/crypto/sphinx/hop.js";
import type { SphinxParams } from "../../src/crypto/sphinx/params.js";

export type Relay = { secretKey: Uint8Array; publicKey: Uint8Array; address: `0x${string}` };

/** `n` relays of `group`, with deterministic distinct addresses. */
export function makeRelays(group: SphinxGroup, n: number): Relay[] {
  return Array.from({ length: n }, (_, i) => {
    const secretKey = group.randomSecretKey();
    const address = `0x${(i + 1).toString(16).padStart(2, "0").repeat(20)}` as const;
    return { secretKey, publicKey: group.publicKey(secretKey), address };
  });
}

/** A slot whose bytes name the hop, so a test can see each hop got its own. */
export function slotFor(params: SphinxParams, hop: number): Uint8Array {
  return new Uint8Array(params.slotSize).fill(0xa0 + hop);
}

/**
 * Hop instructions for a route through `relays`: forwards to the next relay,
 * then `last` at the final hop.
 */
export function routeHops(
  relays: readonly Relay[],
  params: SphinxParams,
  last: "deliver" | "drop" | "loop" = "deliver",
  mailbox: Uint8Array = new Uint8Array(32).fill(0x5a),
): HopInstruction[] {
  return relays.map((_, i): HopInstruction => {
    const common = { delayMs: 100 * (i + 1), slot: slotFor(params, i) };
    if (i < relays.length - 1) return { action: "forward", next: relays[i + 1]!.address, ...common };
    if (last === "deliver") return { action: "deliver", mailbox, ...common };
    return { action: last, ...common };
  });
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
