/**
 * Yamux with a bound on the frame length a peer may declare.
 *
 * `@chainsafe/libp2p-yamux` 8.0.1 (the newest release) buffers a whole data
 * frame before it checks the length against the stream's receive window
 * (`decode.js` `readFrame`, window checked later in `stream.js` `handleData`),
 * so one peer that declares a 4 GiB frame after the Noise handshake makes the
 * node buffer everything it sends next (2.8 GB in 14 s were measured). No
 * option of the muxer bounds this (`maxMessageSize` only splits what *we*
 * send). A data frame longer than the largest receive window we ever grant is
 * a protocol violation whatever follows, so it is refused as soon as its
 * 12-byte header is in: the muxer throws, and libp2p aborts the muxer and the
 * connection (`AbstractStreamMuxer` `onData`). Reported upstream as the same
 * check moved into `Decoder.readFrame`; remove this wrapper once a release has it.
 *
 * The check wraps the decoder of each muxer instance (no file in
 * node_modules is changed, so `npm ci` needs no patch step). If a future
 * version renames the decoder, `createStreamMuxer` throws instead of running
 * unprotected; `test/net/yamux.test.ts` covers both the attack and this check.
 */
import { yamux, type YamuxMuxerInit } from "@chainsafe/libp2p-yamux";
import type { StreamMuxerFactory } from "@libp2p/interface";
import type { Uint8ArrayList } from "uint8arraylist";
import { FrameError } from "./errors.js";

/** Yamux frame header: version, type, flags (2), stream id (4), length (4). */
const YAMUX_HEADER_LENGTH = 12;
/** Yamux frame type of data frames (the only type whose length is followed by bytes). */
const YAMUX_TYPE_DATA = 0;

/** A peer declared a yamux data frame longer than any window we grant. */
export class YamuxFrameTooLargeError extends FrameError {
  override name = "YamuxFrameTooLargeError";
  constructor(length: number, max: number) {
    super("frame-size", `Yamux data frame of ${length} bytes declared`, {
      details: `at most ${max} bytes (the largest receive window) are allowed; the connection is closed`,
    });
  }
}

type DecoderShape = { buffer: Uint8ArrayList; readFrame: () => unknown };

/**
 * Makes `decoder.readFrame` refuse data frames longer than `maxDataLength`
 * before any of their body is buffered.
 */
function bound(decoder: DecoderShape, maxDataLength: number): void {
  const readFrame = decoder.readFrame.bind(decoder);
  decoder.readFrame = () => {
    const buffer = decoder.buffer;
    if (buffer.byteLength >= YAMUX_HEADER_LENGTH && buffer.get(1) === YAMUX_TYPE_DATA) {
      const length = buffer.getUint32(8); // big-endian, as yamux encodes it
      if (length > maxDataLength) throw new YamuxFrameTooLargeError(length, maxDataLength);
    }
    return readFrame();
  };
}

function isDecoder(value: unknown): value is DecoderShape {
  const d = value as Partial<DecoderShape> | null;
  return typeof d?.readFrame === "function" && typeof d.buffer?.getUint32 === "function";
}

/**
 * `yamux(init)` whose muxers close the connection on a data frame longer than
 * `init.streamOptions.maxStreamWindowSize` (which must be set: it is the bound).
 *
 * @param init yamux options; `streamOptions.maxStreamWindowSize` is required
 * @returns a stream muxer factory for `createLibp2p({ streamMuxers: [...] })`
 * @example
 * streamMuxers: [boundedYamux({ streamOptions: { maxStreamWindowSize: 1 << 20 } })]
 */
export function boundedYamux(init: YamuxMuxerInit & { streamOptions: { maxStreamWindowSize: number } }) {
  const make = yamux(init);
  const max = init.streamOptions.maxStreamWindowSize;
  return (): StreamMuxerFactory => {
    const factory = make();
    const create = factory.createStreamMuxer.bind(factory);
    factory.createStreamMuxer = (maConn) => {
      const muxer = create(maConn);
      const decoder = (muxer as unknown as { decoder?: unknown }).decoder;
      if (!isDecoder(decoder))
        throw new Error("@chainsafe/libp2p-yamux changed its decoder; re-check src/net/yamux.ts before upgrading");
      bound(decoder, max);
      return muxer;
    };
    return factory;
  };
}
