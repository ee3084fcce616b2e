/**
 * Constants of accounting scheme A (payment channels + proof of relay).
 * Every value here is specified in `docs/channels.md`; change both together.
 */

/** Labels for `deriveHopKey(label, ss)` (DESIGN §3: each purpose its own label). */
export const LABELS = {
  /** Hop i's own half of the response to the ticket that pays it. */
  own: "obol-por-own",
  /** Hop i's acknowledgement key, revealed to hop i−1 in its delivery receipt. */
  ack: "obol-por-ack",
  /** Exit hop only: the ack half it derives itself, having no next hop (docs/channels.md §Exit). */
  exit: "obol-por-exit",
} as const;

/** EIP-712 domain name and version of the PaymentChannels contract (its constructor). */
export const EIP712_NAME = "Obol PaymentChannels";
export const EIP712_VERSION = "1";
/** `Ticket(...)` type string, field for field as in `PaymentChannels._TICKET_TYPEHASH`. */
export const TICKET_TYPE =
  "Ticket(bytes32 channel,uint96 amount,uint48 index,uint24 epoch,uint56 winProb,address challenge)";

/** Byte sizes of ticket fields on the wire (big-endian, as their Solidity types). */
export const FIELD = { channel: 32, amount: 12, index: 6, epoch: 3, winProb: 7, challenge: 20, signature: 64 } as const;

/** Attachment = ticket from hop i−1 to hop i: channel‖amount‖index‖epoch‖winProb‖challenge‖r‖vs. */
export const ATTACHMENT_SIZE = 144;
/**
 * Most hops a reply block may ask its replier to pay for (a 5-hop stratified
 * route, DESIGN §4): bounds what a hostile block can make a replier spend.
 */
export const MAX_REPLY_HOPS = 5;
/** Slot = flags(1) ‖ remaining(1) ‖ hint(33, compressed point) ‖ challenge(20). */
export const SLOT_SIZE = 55;
/** Receipt = the 32-byte ack scalar of the hop that processed the packet. */
export const RECEIPT_SIZE = 32;

/** Slot flag bit: this hop is the exit (last) hop and issues no ticket onward. */
export const FLAG_EXIT = 0x01;

/** Highest values of the packed Solidity types. */
export const MAX = {
  amount: (1n << 96n) - 1n,
  index: (1n << 48n) - 1n,
  epoch: (1n << 24n) - 1n,
  winProb: (1n << 56n) - 1n,
} as const;

/**
 * Network payment parameters every client and relay of a network agree on.
 * `winProb` is the 56-bit threshold: a ticket wins with probability
 * (winProb + 1) / 2^56; `unitAmount` is what one hop's ticket share pays when
 * it wins, so the expected pay per hop per packet is unitAmount·(winProb+1)/2^56.
 */
export type ChannelsParams = { unitAmount: bigint; winProb: bigint };

/** Defaults: win probability 1/8, 0.008 OBOL per win ⇒ 0.001 OBOL expected per hop-packet. */
export const DEFAULT_PARAMS: ChannelsParams = { unitAmount: 8n * 10n ** 15n, winProb: (1n << 53n) - 1n };

/** Relay policy defaults (docs/channels.md §Relay). */
export const RELAY_DEFAULTS = {
  /** Redeem when this many winners wait, or at the next epoch, whichever first. */
  redeemThreshold: 50,
  /** Most tickets per redemption transaction. */
  maxBatch: 100,
  /** Top up an outgoing channel when its balance falls below this many unit wins… */
  topUpBelowUnits: 200n,
  /** …back to this many. */
  topUpToUnits: 1000n,
  /**
   * Share of a trusted link's tickets whose signature is verified anyway (docs/channels.md §5d):
   * a cheating source gets (1 − rate)/rate forged tickets relayed in expectation before it is cut off.
   */
  spotCheckRate: 1 / 8,
} as const;
