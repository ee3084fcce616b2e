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
/** Bytes a yamux stream may hold unsent (our own writes; links queue frames themselves). */
export const YAMUX_MAX_WRITE_BUFFER = 4 * YAMUX_MAX_STREAM_WINDOW;
