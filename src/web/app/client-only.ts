/**
 * A payment scheme as a page runs it: the client side only. Relays, auditing
 * and settlement never run in a browser page; asking for them throws.
 */
import { ObolError } from "../../errors.js";
import type { AccountingScheme } from "../../schemes/scheme.js";

/**
 * @param client the scheme's name, sizes and client
 * @returns the scheme whose relay and settle sides throw `ObolError`
 */
export function clientOnly(client: Omit<AccountingScheme, "relay" | "settle">): AccountingScheme {
  const notHere = (): never => {
    throw new ObolError("Relays and settlement do not run in a browser page", { hint: "run `obol relay` in Node" });
  };
  return { ...client, relay: notHere, settle: notHere };
}
