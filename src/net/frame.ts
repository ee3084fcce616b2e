/**
 * Fixed-size frames of the Obol wire protocols (docs/wire.md §1–§4).
 *
 * A frame is `version (1) ‖ type (1) ‖ body`, and the body length depends only
 * on the type and the network's {@link WireLayout}, so every packet frame of a
 * network has the same length on the wire. Decoding is strict: an unknown
 * version or type, or a frame type not allowed on the stream, is a typed
 * {@link FrameError}, after which the stream cannot be resynchronised and must
 * be reset by the caller.
 */
import { Uint8ArrayList } from "uint8arraylist";
import { InvalidInputError } from "../errors.js";
import {
  FRAME_HEADER_SIZE,
  FRAME_VERSION,
  FrameType,
  INBOX_REPLY_PREFIX,
  MAILBOX_SIZE,
  PACKET_REF_SIZE,
  type FrameTypeName,
} from "./constants.js";
import { FrameSizeError, FrameTypeError, FrameVersionError } from "./errors.js";

/** Sizes fixed per network: they come from the Sphinx params and the scheme. */
export type WireLayout = {
  /** Sphinx packet size (`packetSize(group, params)`). */
  packetSize: number;
  /** Scheme attachment size (outside the onion, rewritten per hop). */
  attachmentSize: number;
  /** Scheme receipt size (sent one hop back). */
  receiptSize: number;
  /** Sphinx body size: what a gateway stores per delivered message. */
  bodySize: number;
};

export type PacketFrame = { type: "packet"; packet: Uint8Array; attachment: Uint8Array };
export type ReceiptFrame = { type: "receipt"; packetRef: Uint8Array; receipt: Uint8Array };
export type InboxPullFrame = { type: "inboxPull"; pullKey: Uint8Array };
export type InboxReplyFrame = { type: "inboxReply"; present: boolean; remaining: number; body: Uint8Array };
export type Frame = PacketFrame | ReceiptFrame | InboxPullFrame | InboxReplyFrame;

const TYPE_NAMES = new Map<number, FrameTypeName>(
  Object.entries(FrameType).map(([name, code]) => [code, name as FrameTypeName]),
);

/**
 * Body length of a frame type under a layout.
 *
 * @param type frame type name
 * @param layout the network's sizes
 * @returns body length in bytes (frame length minus the 2-byte header)
 * @example
 * bodySize("receipt", { packetSize: 2400, attachmentSize: 0, receiptSize: 0, bodySize: 2048 }); // 32
 */
export function bodySize(type: FrameTypeName, layout: WireLayout): number {
  switch (type) {
    case "packet":
      return layout.packetSize + layout.attachmentSize;
    case "receipt":
      return PACKET_REF_SIZE + layout.receiptSize;
    case "inboxPull":
      return MAILBOX_SIZE;
    case "inboxReply":
      return INBOX_REPLY_PREFIX + layout.bodySize;
  }
}

/** Total frame length (header included) of a type under a layout. */
export function frameSize(type: FrameTypeName, layout: WireLayout): number {
  return FRAME_HEADER_SIZE + bodySize(type, layout);
}

function expectLength(field: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError(field, "must be a Uint8Array");
  if (bytes.length !== length) throw new FrameSizeError(field, bytes.length, length);
}

/**
 * Encodes one frame; validates every field's length against the layout.
 *
 * @param frame the frame to encode
 * @param layout the network's sizes
 * @returns `version ‖ type ‖ body`
 * @throws FrameSizeError when a field has the wrong length
 * @example
 * const bytes = encodeFrame({ type: "inboxPull", pullKey: new Uint8Array(32) }, layout);
 */
export function encodeFrame(frame: Frame, layout: WireLayout): Uint8Array {
  const out = new Uint8Array(frameSize(frame.type, layout));
  out[0] = FRAME_VERSION;
  out[1] = FrameType[frame.type];
  const body = out.subarray(FRAME_HEADER_SIZE);
  switch (frame.type) {
    case "packet":
      expectLength("packet", frame.packet, layout.packetSize);
      expectLength("attachment", frame.attachment, layout.attachmentSize);
      body.set(frame.packet, 0);
      body.set(frame.attachment, layout.packetSize);
      break;
    case "receipt":
      expectLength("packetRef", frame.packetRef, PACKET_REF_SIZE);
      expectLength("receipt", frame.receipt, layout.receiptSize);
      body.set(frame.packetRef, 0);
      body.set(frame.receipt, PACKET_REF_SIZE);
      break;
    case "inboxPull":
      expectLength("pullKey", frame.pullKey, MAILBOX_SIZE);
      body.set(frame.pullKey, 0);
      break;
    case "inboxReply":
      expectLength("body", frame.body, layout.bodySize);
      if (!Number.isInteger(frame.remaining) || frame.remaining < 0 || frame.remaining > 0xffffffff)
        throw new InvalidInputError("remaining", "must be an integer in [0, 2^32)");
      body[0] = frame.present ? 1 : 0;
      new DataView(body.buffer, body.byteOffset).setUint32(1, frame.remaining, false);
      body.set(frame.body, INBOX_REPLY_PREFIX);
      break;
  }
  return out;
}

/** Decodes the body of a frame whose header has been checked; copies nothing it need not. */
function decodeBody(type: FrameTypeName, body: Uint8Array, layout: WireLayout): Frame {
  switch (type) {
    case "packet":
      return {
        type,
        packet: body.subarray(0, layout.packetSize),
        attachment: body.subarray(layout.packetSize),
      };
    case "receipt":
      return { type, packetRef: body.subarray(0, PACKET_REF_SIZE), receipt: body.subarray(PACKET_REF_SIZE) };
    case "inboxPull":
      return { type, pullKey: body };
    case "inboxReply": {
      const flag = body[0]!;
      if (flag > 1) throw new FrameTypeError(flag, "inbox reply flag 0 or 1");
      const remaining = new DataView(body.buffer, body.byteOffset).getUint32(1, false);
      return { type, present: flag === 1, remaining, body: body.subarray(INBOX_REPLY_PREFIX) };
    }
  }
}

/** Checks the 2-byte header; returns the type name if `allowed` includes it. */
function checkHeader(version: number, code: number, allowed: readonly FrameTypeName[]): FrameTypeName {
  if (version !== FRAME_VERSION) throw new FrameVersionError(version);
  const type = TYPE_NAMES.get(code);
  if (type === undefined || !allowed.includes(type)) throw new FrameTypeError(code, allowed.join(" | "));
  return type;
}

/**
 * Decodes exactly one frame; the input must be exactly one frame long.
 *
 * @param bytes one whole frame
 * @param layout the network's sizes
 * @param allowed frame types acceptable here (default: all)
 * @returns the decoded frame; its byte fields are views into `bytes`
 * @throws FrameVersionError | FrameTypeError | FrameSizeError
 * @example
 * const frame = decodeFrame(bytes, layout, ["packet", "receipt"]);
 */
export function decodeFrame(
  bytes: Uint8Array,
  layout: WireLayout,
  allowed: readonly FrameTypeName[] = ["packet", "receipt", "inboxPull", "inboxReply"],
): Frame {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError("frame", "must be a Uint8Array");
  if (bytes.length < FRAME_HEADER_SIZE) throw new FrameSizeError("frame", bytes.length, FRAME_HEADER_SIZE);
  const type = checkHeader(bytes[0]!, bytes[1]!, allowed);
  expectLength("frame", bytes, frameSize(type, layout));
  return decodeBody(type, bytes.subarray(FRAME_HEADER_SIZE), layout);
}

/**
 * Incremental decoder for a byte stream of frames (stream chunks need not
 * align with frames). Throws on the first bad header; the stream must then be
 * reset because frame boundaries are lost.
 *
 * @example
 * const reader = new FrameReader(layout, ["packet", "receipt"]);
 * for await (const chunk of stream) for (const frame of reader.push(chunk)) handle(frame);
 */
export class FrameReader {
  readonly #layout: WireLayout;
  readonly #allowed: readonly FrameTypeName[];
  readonly #buffer = new Uint8ArrayList();

  constructor(layout: WireLayout, allowed: readonly FrameTypeName[]) {
    this.#layout = layout;
    this.#allowed = allowed;
  }

  /** Bytes received but not yet forming a whole frame. */
  get pending(): number {
    return this.#buffer.byteLength;
  }

  /**
   * Appends a chunk and returns every frame now complete.
   *
   * @param chunk bytes as read from the stream
   * @returns complete frames, in order (byte fields are fresh copies)
   * @throws FrameVersionError | FrameTypeError on a bad header
   */
  push(chunk: Uint8Array | Uint8ArrayList): Frame[] {
    this.#buffer.append(chunk);
    const frames: Frame[] = [];
    while (this.#buffer.byteLength >= FRAME_HEADER_SIZE) {
      const type = checkHeader(this.#buffer.get(0), this.#buffer.get(1), this.#allowed);
      const size = frameSize(type, this.#layout);
      if (this.#buffer.byteLength < size) break;
      const bytes = this.#buffer.slice(0, size); // a copy: frames outlive the chunks they came in
      this.#buffer.consume(size);
      frames.push(decodeBody(type, bytes.subarray(FRAME_HEADER_SIZE), this.#layout));
    }
    return frames;
  }
}
