/**
 * Wire constants of the Obol relay protocols. Every value here is specified in
 * `docs/wire.md`; change both together.
 */

/** Mix protocol: packet frames one way, receipt frames back (docs/wire.md §2). */
export const MIX_PROTOCOL = "/obol/mix/1";
/** Gateway inbox pull protocol (docs/wire.md §4). */
export const INBOX_PROTOCOL = "/obol/inbox/1";

/** The only frame version this code speaks (docs/wire.md §1). */
export const FRAME_VERSION = 1;
/** Frame header: version byte ‖ type byte (docs/wire.md §1). */
export const FRAME_HEADER_SIZE = 2;

/** Frame types (docs/wire.md §1). */
export const FrameType = {
  packet: 1,
  receipt: 2,
  inboxPull: 3,
  inboxReply: 4,
} as const;
export type FrameTypeName = keyof typeof FrameType;

/** Bytes that name a packet between two hops: its incoming header MAC. */
export const PACKET_REF_SIZE = 32;
/** Mailbox id in a `deliver` hop and the pull key that opens it (docs/wire.md §4). */
export const MAILBOX_SIZE = 32;
/** Inbox reply frames per pull, always this many whatever the mailbox holds (docs/wire.md §4). */
export const INBOX_REPLY_FRAMES = 8;
/** Inbox reply body prefix: flag byte (1 = message, 0 = dummy) ‖ u32 remaining (docs/wire.md §4). */
export const INBOX_REPLY_PREFIX = 5;

/** Dial + protocol negotiation budget for one forward (docs/wire.md §5). */
export const DIAL_TIMEOUT_MS = 5_000;
/** A whole inbox pull (request, 8 replies) must finish within this (docs/wire.md §5). */
export const INBOX_PULL_TIMEOUT_MS = 10_000;
/** Idle mix streams are closed after this (docs/wire.md §5). */
export const MIX_STREAM_IDLE_MS = 120_000;
/** Maximum frames buffered for one outbound link before packets are dropped (docs/wire.md §5). */
export const MAX_LINK_BACKLOG = 4_096;

/**
 * Inbound connections one remote host may open per second. libp2p's default
 * (5) is meant for public DHT nodes; mix relays and gateways legitimately see
 * bursts from one host (a NAT, a devnet on loopback, all relays dialling the
 * next layer at epoch start), and refused dials there lose packets.
 */
export const INBOUND_CONNECTIONS_PER_HOST_PER_S = 100;
/** Connections being upgraded (Noise + Yamux) at once before new ones are refused. */
export const MAX_PENDING_INBOUND_CONNECTIONS = 64;
