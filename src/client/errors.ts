/**
 * Errors a client user can hit: bad addresses, routes that cannot be built,
 * sealed messages that do not open, missing client state, gateways that do
 * not answer.
 */
import { ObolError, type ObolErrorOptions } from "../errors.js";

/** A printable Obol address (`obol1…`) did not parse. */
export class InvalidAddressError extends ObolError {
  override name = "InvalidAddressError";
  constructor(problem: string, options: ObolErrorOptions = {}) {
    super(`Invalid Obol address: ${problem}`, {
      hint: "copy the full address printed by `obol inbox --address` (it starts with obol1)",
      ...options,
    });
  }
}

/** The directory has no eligible relay for a position of the stratified route. */
export class EmptyLayerError extends ObolError {
  override name = "EmptyLayerError";
  readonly layer: number;
  constructor(layer: number, options: ObolErrorOptions = {}) {
    const what = layer === 0 ? "entry gateway" : layer === 4 ? "exit gateway" : `mix layer ${layer}`;
    super(`No bonded relay in ${what}`, {
      hint:
        "the network needs at least one bonded gateway and one mix per layer 1..3; " +
        "register relays with `obol relay` (or run `npm start`) and wait for the next epoch",
      ...options,
    });
    this.layer = layer;
  }
}

/** The gateway named by an address or by the client state is not in the directory. */
export class UnknownGatewayError extends ObolError {
  override name = "UnknownGatewayError";
  constructor(gateway: string, options: ObolErrorOptions = {}) {
    super(`Gateway ${gateway} is not a bonded gateway in the current directory`, {
      hint: "check the address with `obol status`; the gateway may have unbonded — ask for a fresh address",
      ...options,
    });
  }
}

/** A sealed message failed authentication (tampered, truncated or not for us). */
export class SealOpenError extends ObolError {
  override name = "SealOpenError";
  constructor(problem: string, options: ObolErrorOptions = {}) {
    super(`Sealed message does not open: ${problem}`, {
      hint: "the message was corrupted or sealed to another key; ask the sender to resend",
      ...options,
    });
  }
}

/** A message (with its SURB) does not fit in one packet body. */
export class MessageTooLargeError extends ObolError {
  override name = "MessageTooLargeError";
  constructor(size: number, max: number, options: ObolErrorOptions = {}) {
    super(`Message of ${size} bytes is too large`, {
      details: `at most ${max} bytes fit in one packet with this network's parameters`,
      hint: "shorten the message or send it in several parts",
      ...options,
    });
  }
}

/** The client's durable state (keys, mailbox) is missing or unreadable. */
export class ClientStateError extends ObolError {
  override name = "ClientStateError";
  constructor(problem: string, options: ObolErrorOptions = {}) {
    super(`Client state: ${problem}`, {
      hint: "pass the --data-dir the client was created with, or create one by running `obol inbox --address`",
      ...options,
    });
  }
}

/** A SURB was unknown, already used or its reply did not open. */
export class ReplyError extends ObolError {
  override name = "ReplyError";
  constructor(problem: string, options: ObolErrorOptions = {}) {
    super(`Reply: ${problem}`, options);
  }
}

/**
 * A reply block whose payment its hops no longer accept (tickets: tokens of
 * the epoch it was built in, taken until one epoch later): sent anyway, the
 * reply would be dropped at its first hop while the replier saw success.
 */
export class ReplyExpiredError extends ObolError {
  override name = "ReplyExpiredError";
  readonly blockEpoch: bigint;
  readonly epoch: bigint;
  constructor(
    message: string,
    { blockEpoch, epoch, lastEpoch }: { blockEpoch: bigint; epoch: bigint; lastEpoch: bigint },
    options: ObolErrorOptions = {},
  ) {
    super(
      `Cannot reply to ${message}: its reply block was built in epoch ${blockEpoch} and the network is in epoch ${epoch}`,
      {
        details: `the block carries the payment of its hops, which they accept only until epoch ${lastEpoch}; the reply would be dropped on its way`,
        hint: "a reply block cannot be renewed by the replier: the sender has to write again (a new message carries a fresh reply block), then reply soon after reading it",
        ...options,
      },
    );
    this.blockEpoch = blockEpoch;
    this.epoch = epoch;
  }
}

/** The entry gateway could not be reached or did not answer in time. */
export class GatewayUnreachableError extends ObolError {
  override name = "GatewayUnreachableError";
  constructor(gateway: string, options: ObolErrorOptions = {}) {
    super(`Gateway ${gateway} did not answer`, {
      hint: "check that the relay is running (`obol status`) and that its multiaddr is reachable",
      ...options,
    });
  }
}

/** The gateway did not acknowledge (receipt frame) every packet sent within the wait; they may or may not have arrived. */
export class NotAcknowledgedError extends ObolError {
  override name = "NotAcknowledgedError";
  constructor(gateway: string, pending: number, timeoutMs: number, options: ObolErrorOptions = {}) {
    super(`Gateway ${gateway} did not acknowledge ${pending} packet(s) within ${timeoutMs} ms`, {
      hint: "the packet may still have arrived: check with the recipient before sending again; `obol status` shows whether the gateway runs",
      ...options,
    });
  }
}
