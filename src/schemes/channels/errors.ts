/** Errors of accounting scheme A (payment channels); see docs/channels.md. */
import { ObolError, InvalidInputError, type ObolErrorOptions } from "../../errors.js";

/** Why a relay refuses a ticket off chain; each maps to the contract's custom error, if any. */
export type TicketRejection =
  | "malformed"
  | "wrong-channel"
  | "channel-not-open"
  | "stale-epoch"
  | "stale-round"
  | "reused-index"
  | "underpaid"
  | "above-balance"
  | "unanswerable-challenge"
  | "forged-signature"
  | "no-onward-channel"
  | "onward-channel-underfunded"
  | "banned-channel";

/** A ticket (attachment) failed a relay's per-packet check. */
export class TicketRejectedError extends ObolError {
  override name = "TicketRejectedError";
  readonly reason: TicketRejection;
  constructor(reason: TicketRejection, details: string, options: ObolErrorOptions = {}) {
    super(`Ticket rejected: ${reason}`, {
      details,
      hint: options.hint ?? "the previous hop (or client) must send a ticket signed on its open channel to this relay",
      cause: options.cause,
    });
    this.reason = reason;
  }
}

/** Bad argument to a channels function; names the field. */
export class ChannelsInputError extends InvalidInputError {
  override name = "ChannelsInputError";
}

/** The deployment has no PaymentChannels contract. */
export class ChannelsNotDeployedError extends ObolError {
  override name = "ChannelsNotDeployedError";
  constructor() {
    super("PaymentChannels is not deployed on this chain", {
      hint: "deploy it with the Ignition module ignition/modules/PaymentChannels.ts (`obol deploy`)",
    });
  }
}

/** The client or relay has no open channel where it needs one. */
export class ChannelMissingError extends ObolError {
  override name = "ChannelMissingError";
  constructor(source: string, destination: string) {
    super(`No open channel ${source} → ${destination}`, {
      hint: "open one with `obol channels open --to <relay> --amount <OBOL>`",
    });
  }
}

/** The relay to pay has not committed a lottery round yet, so no ticket to it could ever win. */
export class NoLotteryRoundError extends ObolError {
  override name = "NoLotteryRoundError";
  constructor(destination: string) {
    super(`Relay ${destination} has no lottery round on chain`, {
      hint: "a channels relay commits its first round when it starts (`obol relay`); try again once it runs",
    });
  }
}

/** A redemption transaction reverted or could not be confirmed. */
export class RedemptionFailedError extends ObolError {
  override name = "RedemptionFailedError";
}

/**
 * A relay's chain account can sign only through the node's JSON-RPC. A relay signs one onward
 * ticket per packet inside its group commit (docs/channels.md §5), so every packet's commit would
 * wait on an RPC round trip; it is refused at construction instead.
 */
export class RelaySignerError extends ObolError {
  override name = "RelaySignerError";
  constructor(account: string) {
    super(`Relay account ${account} can sign tickets only through the node's RPC`, {
      details:
        "a channels relay signs an onward ticket for every packet inside its group commit; an RPC signature (eth_signTypedData_v4) there would hold every packet's commit for a round trip",
      hint: "start the relay with its private key (`--key-file <file>`, `--key` or `--keystore-key <NAME>`), or pass `signer` to ChannelsRelay",
    });
  }
}
