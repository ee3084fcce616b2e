/**
 * Errors of the blind-signature token crypto (`src/crypto/blind`).
 */
import { ObolError, type ObolErrorOptions } from "../../errors.js";

/** Bytes that should encode a BLS12-381 point or scalar do not (length, encoding, subgroup, infinity). */
export class InvalidPointError extends ObolError {
  override name = "InvalidPointError";
  readonly field: string;
  constructor(field: string, problem: string, options: ObolErrorOptions = {}) {
    super(`Invalid ${field}: ${problem}`, {
      hint: "the peer sent a malformed BLS12-381 encoding; drop the message and do not retry with the same bytes",
      ...options,
    });
    this.field = field;
  }
}

/** The issuer's blind signature failed the client's pairing check (wrong key, or a cheating issuer). */
export class BlindSignatureRejectedError extends ObolError {
  override name = "BlindSignatureRejectedError";
  constructor(options: ObolErrorOptions = {}) {
    super("The issuer's blind signature does not verify under its registered public key", {
      hint: "check that the issuer key matches TicketBank.issuer(issuer).publicKey; report the issuer if it does",
      ...options,
    });
  }
}
