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

/** A deposit for an epoch the bank no longer (or not yet) sells tokens for. */
export class DepositEpochError extends ObolError {
  override name = "DepositEpochError";
  constructor(epoch: bigint, current: bigint, aheadMax: bigint, options: ObolErrorOptions = {}) {
    super(
      `Tokens for epoch ${epoch} cannot be bought now: the TicketBank is in epoch ${current} and sells epochs ${current} to ${current + aheadMax}`,
      {
        hint: "omit --epoch to buy for the current epoch, or give one in that range",
        ...options,
      },
    );
  }
}

/** `obol tickets reclaim` on a wallet without unspent tokens. */
export class NothingToReclaimError extends ObolError {
  override name = "NothingToReclaimError";
  constructor(wallet: string) {
    super(`The wallet ${wallet} holds no unspent tokens: there is nothing to reclaim`, {
      hint: "`obol tickets list` shows its tokens; spent ones were paid to relays or reclaimed already",
    });
  }
}

/** Every unspent token is of an epoch whose relays may still redeem it, so the bank refuses a reclaim. */
export class RedemptionWindowOpenError extends ObolError {
  override name = "RedemptionWindowOpenError";
  /** Chain time (s) from which the earliest of them can be reclaimed. */
  readonly closesAt: bigint;
  constructor(tokens: number, epoch: bigint, closesAt: bigint, now: bigint) {
    super(
      `Relays may still redeem the ${tokens} unspent tokens of epoch ${epoch} until ${new Date(Number(closesAt) * 1000).toISOString()}`,
      {
        details: `the redemption window closes ${closesAt - now} s from now (chain time); tokens of later epochs wait longer`,
        hint: "run `obol tickets reclaim` again after that time",
      },
    );
    this.closesAt = closesAt;
  }
}

/** Unspent tokens that were not issued for this deployment's TicketBank and issuer. */
export class ForeignTokensError extends ObolError {
  override name = "ForeignTokensError";
  constructor(tokens: number, where: string, options: ObolErrorOptions = {}) {
    super(`${tokens} unspent tokens of this wallet were not issued for this deployment (${where})`, {
      hint: "pass the --deployment-dir of the deployment you bought them on",
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
