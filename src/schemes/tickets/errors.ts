/**
 * Errors of scheme B (blind-signature tickets) a user can hit.
 */
import type { Address } from "viem";
import { ObolError, type ObolErrorOptions } from "../../errors.js";

/** The client's wallet holds no unspent token for this relay and epoch. */
export class NoTokenError extends ObolError {
  override name = "NoTokenError";
  constructor(relay: Address, epoch: bigint) {
    super(`No unspent token for relay ${relay} in epoch ${epoch}`, {
      hint: `buy some: \`obol tickets buy --epoch ${epoch} --relays ${relay} --count 100\``,
    });
  }
}

/** Why an issuer refused to sign; stable codes for the wire and for tests. */
export type IssuanceRefusal =
  | "malformed-request"
  | "unknown-deposit"
  | "unconfirmed-deposit"
  | "wrong-issuer"
  | "not-owner"
  | "wrong-count"
  | "expired-deposit"
  | "already-signed"
  | "bad-point";

/** The issuer refused to sign blinded points. */
export class IssuanceRefusedError extends ObolError {
  override name = "IssuanceRefusedError";
  readonly reason: IssuanceRefusal;
  constructor(reason: IssuanceRefusal, options: ObolErrorOptions = {}) {
    super(`Issuer refused to sign: ${reason}`, {
      hint: "check the deposit with `obol tickets list`; each deposit is signed once, for exactly its count",
      ...options,
    });
    this.reason = reason;
  }
}

/** The deployment has no TicketBank, or no issuer is registered on it. */
export class TicketsUnavailableError extends ObolError {
  override name = "TicketsUnavailableError";
  constructor(problem: string, options: ObolErrorOptions = {}) {
    super(`Tickets scheme unavailable: ${problem}`, {
      hint: "deploy with the TicketBank Ignition module and start an issuer (`obol issuer`)",
      ...options,
    });
  }
}

/** A slot is not a well-formed token (wrong size). */
export class MalformedSlotError extends ObolError {
  override name = "MalformedSlotError";
  constructor(problem: string) {
    super(`Malformed tickets slot: ${problem}`, { hint: "the sender built the packet wrongly; the packet is dropped" });
  }
}
