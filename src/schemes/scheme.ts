/**
 * The one interface every accounting scheme implements (DESIGN §5).
 *
 * The relay pipeline (frame → replay check → Sphinx peel → payment check →
 * delay queue → forward → receipt back) calls only what is declared here, so
 * `free`, `channels`, `tickets` and `shopper` plug in without touching it.
 *
 * Bytes a scheme may put on the wire, all of a size fixed per scheme so every
 * packet of a network has the same length:
 * - `slot`: inside each hop's Sphinx hop payload (encrypted to that hop only),
 *   written by the client when it builds the packet;
 * - `attachment`: outside the onion, sent with the packet frame to the next hop
 *   and rewritten at every hop (e.g. a channel ticket from hop i−1 to hop i);
 * - `receipt`: sent one hop back after a relay has processed a packet.
 */
import type { Address, Hex } from "viem";
import type { Logger } from "../log.js";
import type { Libp2p } from "@libp2p/interface";
import type { ChainClients } from "../chain/types.js";
import type { SqlDatabase } from "../store/port.js";

export type SchemeName = "free" | "channels" | "tickets" | "shopper";

/** Why the client sends a packet (Loopix streams). Never visible on the wire. */
export type PacketKind = "payload" | "loop" | "drop" | "reply";

/** One hop of a route, as read from the RelayRegistry directory. */
export type RouteHop = {
  /** Registry id of the relay: its operator address. */
  relay: Address;
  /** 32-byte X25519 mix public key. */
  mixKey: Uint8Array;
  /** 0 = entry gateway, 1..3 = mix layers, 4 = exit gateway. */
  layer: number;
};

export type ClientPaymentParameters = {
  route: readonly RouteHop[];
  /** Sphinx shared secret `ss` of every hop, in route order. */
  secrets: readonly Uint8Array[];
  epoch: bigint;
  kind: PacketKind;
  signal?: AbortSignal | undefined;
};

export type ClientPayment = {
  /** One slot per hop, each exactly `slotSize` bytes. */
  slots: Uint8Array[];
  /** Exactly `attachmentSize` bytes for the first hop. */
  attachment: Uint8Array;
};

export type ReplyPaymentParameters = {
  /** The reply block's first hop (the replier's gateway). */
  firstHop: Address;
  /** The `attachmentSize` bytes the block's builder made with `pay({ kind: "reply" })`. */
  attachment: Uint8Array;
  epoch: bigint;
  signal?: AbortSignal | undefined;
};

export interface ClientScheme {
  /**
   * Produces the payment bytes for one packet whose secrets are known. With
   * `kind: "reply"` the packet is a reply block (SURB) handed to someone else:
   * its attachment must not identify the builder (docs/client.md §Replies).
   */
  pay(parameters: ClientPaymentParameters): Promise<ClientPayment>;
  /**
   * The replier's side of a reply block: turns the block's attachment into
   * the one sent with the reply (e.g. a ticket signed on the replier's own
   * channel). Schemes whose reply attachment is already final leave it out;
   * the block's bytes are then sent as they are.
   */
  payReply?(parameters: ReplyPaymentParameters): Promise<Uint8Array>;
}

export type IncomingPacket = {
  slot: Uint8Array;
  attachment: Uint8Array;
  /** This hop's Sphinx shared secret. */
  ss: Uint8Array;
  /** `HMAC("obol-replay", ss)`: key of the replay database. */
  replayTag: Uint8Array;
  /** 32 bytes naming this packet between the previous hop and us (its header MAC). */
  packetRef: Uint8Array;
  /** libp2p peer id string of whoever sent us the frame. */
  fromPeer: string;
  /** Registry id of the next relay, or null when this hop is the last one. */
  nextHop: Address | null;
  epoch: bigint;
  /** The Sphinx header this hop received (the shopper binds its hash into the hop's Merkle leaf). */
  header?: Uint8Array;
};

export type PacketVerdict =
  | {
      accept: true;
      /** Attachment for the next hop (`attachmentSize` bytes); empty when last hop or when `onward` is set. */
      attachment: Uint8Array;
      /**
       * Makes the next hop's attachment when the packet leaves the delay
       * queue, not when it arrives: whatever it numbers or signs then follows
       * the mix's output order, not its input order (docs/channels.md §5).
       * The relay runs it inside its durable group commit and sends what it
       * returns; if it rejects, the packet is dropped.
       */
      onward?: () => Promise<Uint8Array>;
    }
  | { accept: false; reason: string };

export interface RelayScheme {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Payment check of one peeled packet, before it is queued. Anything earned
   * must be written durably before this resolves with `accept: true`.
   */
  onPacket(packet: IncomingPacket): Promise<PacketVerdict>;
  /**
   * Optional: slow work a packet's checks may need (e.g. a payment channel opened since the
   * scheme last read the chain, or a check that batches across packets), run before the
   * packet's group commit, so that only this packet waits on it and packets arriving
   * together can share it. Writes nothing durable; `onPacket` still decides.
   */
  prepare?(packet: Pick<IncomingPacket, "slot" | "attachment" | "nextHop" | "epoch">): Promise<void>;
  /**
   * A packet refused after its replay tag was computed (bad MAC or hop payload,
   * delay above the cap, unknown next hop): the scheme may keep the header as
   * evidence that the sender built it so (the shopper's malformed-hop dispute).
   */
  onRefused?(packet: { epoch: bigint; replayTag: Uint8Array; header: Uint8Array }): void;
  /** The delivery receipt this hop sends back (`receiptSize` bytes). */
  receipt(parameters: { ss: Uint8Array; packetRef: Uint8Array }): Uint8Array;
  /** A receipt from the next hop for a packet we forwarded. */
  onReceipt(parameters: { packetRef: Uint8Array; receipt: Uint8Array; fromPeer: string }): Promise<void>;
  /** Called once when the chain enters `epoch` (commitments, redemptions). */
  onEpoch(epoch: bigint): Promise<void>;
}

export type ClaimResult = {
  scheme: SchemeName;
  relay: Address;
  /** Token units transferred to the relay by this claim. */
  paid: bigint;
  /** Sum of `gasUsed` over the receipts of `transactions`. */
  gasUsed: bigint;
  transactions: Hex[];
  /** Scheme-specific figures (tickets redeemed, tokens, routes audited…). */
  details: Record<string, string | number | bigint | boolean>;
};

export interface SettleScheme {
  /** Turns everything this relay has earned so far into an on-chain payout. */
  claim(parameters?: { signal?: AbortSignal }): Promise<ClaimResult>;
}

/** Dependencies a scheme may use; injected, never global. */
export type SchemeDeps = {
  chain: ChainClients;
  /**
   * Durable store of this process, through the storage port (`src/store/port.ts`;
   * node:sqlite in WAL mode in Node); schemes own their tables.
   */
  db: SqlDatabase;
  log: Logger;
  /** This process's libp2p node, for schemes with their own protocols (issuer, proofs). */
  libp2p: Libp2p;
};

export interface AccountingScheme {
  readonly name: SchemeName;
  readonly slotSize: number;
  readonly attachmentSize: number;
  readonly receiptSize: number;
  /**
   * How many epochs after the one it was built in a reply block's payment is
   * still accepted by its hops (tickets: its tokens are of that epoch, and
   * relays take epochs e−1 … e+1). Absent: the block carries no epoch-bound
   * payment (the replier pays, or nothing is paid). The client refuses a
   * reply outside the window instead of sending a packet that is dropped.
   */
  readonly replyWindow?: bigint;
  client(deps: SchemeDeps): ClientScheme;
  relay(deps: SchemeDeps & { relay: Address }): RelayScheme;
  settle(deps: SchemeDeps & { relay: Address }): SettleScheme;
}
