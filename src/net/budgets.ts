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
