/**
 * Resource limits of every Obol node against hostile peers (issue 18;
 * docs/relay.md §Limits lists each with its default and why). Wire-visible
 * protocol constants stay in `constants.ts`.
 */

/**
 * Largest yamux receive window a stream grows to, and so the largest data
 * frame a peer may declare (`src/net/yamux.ts`): a longer frame closes the
 * connection before its body is buffered. Mix frames are a few KiB; 1 MiB per
 * stream still fills a 100 ms link at ~10 MB/s.
 */
export const YAMUX_MAX_STREAM_WINDOW = 1024 * 1024;
/**
 * Streams a peer may have open on one connection, all protocols together
 * (yamux resets more; its default is 1,000 at ~13 KB each). Per-protocol caps
 * are lower still (mix: `MAX_MIX_STREAMS_PER_CONNECTION`).
 */
export const YAMUX_MAX_INBOUND_STREAMS = 256;
/**
 * Bytes a yamux stream may hold unread before it is reset. Our readers pause
 * the stream (no window updates) while busy, so an honest peer stays within
 * one window; more is a peer ignoring flow control.
 */
export const YAMUX_MAX_READ_BUFFER = 2 * YAMUX_MAX_STREAM_WINDOW;

/**
 * A frame whose first byte has arrived must be complete within this, or the
 * stream is reset: a peer dripping one byte at a time otherwise holds a
 * partial frame (and the stream) for as long as it likes, since every byte
 * resets libp2p's idle timeout.
 */
export const FRAME_DEADLINE_MS = 10_000;
/**
 * A frame queued on a link must be handed to the connection within this, or
 * the link counts as stalled: it is reset and its queued frames fail (and are
 * retried once on a fresh stream). Only that next hop's traffic waits.
 */
export const LINK_STALL_MS = 5_000;
/** Inbound `/obol/mix/1` streams one peer may hold open (honest peers use one). */
export const MAX_MIX_STREAMS_PER_PEER = 4;
/** Inbound `/obol/mix/1` streams open at once over all peers. */
export const MAX_MIX_STREAMS_TOTAL = 2_048;
/** Inbound `/obol/mix/1` streams per connection libp2p lets a peer open (negotiation included). */
export const MAX_MIX_STREAMS_PER_CONNECTION = 8;

/** Connections libp2p keeps at once (its default 300 let idle sockets lock out every new peer). */
export const MAX_CONNECTIONS = 1_024;
/** Open connections from one IP address, directory relays not counted. Past it the oldest idle one is closed, or the new one refused. */
export const MAX_CONNECTIONS_PER_IP = 64;
/** Open connections with one peer id (libp2p reuses one; a second covers a simultaneous dial). */
export const MAX_CONNECTIONS_PER_PEER = 2;
/**
 * Connections from one IP address still in the Noise/yamux upgrade (and,
 * separately, WebSocket sockets of one IP before their HTTP upgrade).
 */
export const MAX_PENDING_PER_IP = 8;
/** A connection must finish Noise and yamux within this (libp2p's default is 10 s). */
export const UPGRADE_TIMEOUT_MS = 5_000;
/** A WebSocket socket must complete its HTTP upgrade within this (the listener has no limit of its own). */
export const WS_HANDSHAKE_TIMEOUT_MS = 5_000;
/** A connection without any stream for this long is closed (directory relays excepted). */
export const IDLE_CONNECTION_MS = 60_000;
/** Frames refused (junk, replays, bad Sphinx) one peer may send per window before it is cut off. */
export const REFUSED_FRAMES_BUDGET = 512;
/** Window over which refused frames are counted. */
export const REFUSED_FRAMES_WINDOW_MS = 60_000;
/** A peer past its refused-frame budget is disconnected and refused this long. */
export const BAN_MS = 120_000;
