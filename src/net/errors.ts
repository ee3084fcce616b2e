/** Errors of the wire layer (frames, dialing, streams). */
import { ObolError, type ObolErrorOptions } from "../errors.js";

/** Base of every frame decoding error; `reason` is the relay's drop counter key. */
export class FrameError extends ObolError {
  override name = "FrameError";
  readonly reason: string;
  constructor(reason: string, message: string, options: ObolErrorOptions = {}) {
    super(message, { hint: "the peer speaks another Obol wire version or sent garbage; see docs/wire.md", ...options });
    this.reason = reason;
  }
}

export class FrameVersionError extends FrameError {
  override name = "FrameVersionError";
  constructor(version: number) {
    super("frame-version", `Unknown frame version ${version}`, { details: "this node speaks version 1" });
  }
}

export class FrameTypeError extends FrameError {
  override name = "FrameTypeError";
  constructor(type: number, expected: string) {
    super("frame-type", `Unexpected frame type ${type}`, { details: `expected ${expected}` });
  }
}

export class FrameSizeError extends FrameError {
  override name = "FrameSizeError";
  constructor(field: string, actual: number, expected: number) {
    super("frame-size", `Wrong ${field} size: ${actual} bytes`, { details: `expected exactly ${expected} bytes` });
  }
}

/** The remote did not answer in time or the operation was aborted. */
export class NetTimeoutError extends ObolError {
  override name = "NetTimeoutError";
  constructor(what: string, ms: number, cause?: unknown) {
    super(`${what} timed out or was aborted`, {
      details: `budget ${ms} ms`,
      hint: "check that the peer is running and its multiaddr in the directory is reachable",
      cause,
    });
  }
}

/** Dialing a peer or opening a protocol stream failed. */
export class DialError extends ObolError {
  override name = "DialError";
  constructor(target: string, cause: unknown) {
    super(`Could not open a stream to ${target}`, {
      details: cause instanceof Error ? cause.message : String(cause),
      hint: "check the relay is up and listening on the multiaddr the directory lists",
      cause,
    });
  }
}

/** A stream ended before a complete response arrived. */
export class StreamClosedError extends ObolError {
  override name = "StreamClosedError";
  constructor(what: string) {
    super(`Stream closed early during ${what}`, { hint: "the peer went away; retry later" });
  }
}

/** A link's queue of frames to write is full (its peer reads slower than we send). */
export class LinkFullError extends ObolError {
  override name = "LinkFullError";
  constructor(peer: string, backlog: number) {
    super(`The link to ${peer} has ${backlog} frames queued`, {
      hint: "the next hop reads too slowly or not at all; its packets are dropped until it catches up",
    });
  }
}
