/**
 * Errors of the Sphinx packet format. Every failure `peelPacket` and friends
 * can raise is a `SphinxError`, so a relay can drop a bad packet with one
 * `instanceof` check and log the stable `name`.
 */
import { ObolError, type ObolErrorOptions } from "../../errors.js";

/** Base class of every Sphinx failure. */
export class SphinxError extends ObolError {
  override name = "SphinxError";
}

/** A caller-supplied argument is malformed (wrong length, count, range). */
export class SphinxInputError extends SphinxError {
  override name = "SphinxInputError";
  readonly field: string;
  readonly problem: string;
  constructor(field: string, problem: string, options: ObolErrorOptions = {}) {
    super(`Invalid ${field}: ${problem}`, {
      hint: "check the value against the sizes in docs/sphinx.md",
      ...options,
    });
    this.field = field;
    this.problem = problem;
  }
}

/** A packet, header or SURB does not have the size fixed by the network parameters. */
export class SphinxSizeError extends SphinxError {
  override name = "SphinxSizeError";
  constructor(what: string, expected: number, actual: number) {
    super(`${what} has ${actual} bytes, expected ${expected}`, {
      hint: "sender and relay must use the same group and SphinxParams (obolParams)",
    });
  }
}

/** The version byte is not one this implementation speaks. */
export class SphinxVersionError extends SphinxError {
  override name = "SphinxVersionError";
  constructor(version: number) {
    super(`unknown Sphinx version ${version}`, { hint: "only version 0 (Obol Sphinx v1) exists; drop the packet" });
  }
}

/** A group element (ephemeral key, public key) or a scalar is invalid or of low order. */
export class SphinxPointError extends SphinxError {
  override name = "SphinxPointError";
  constructor(problem: string, options: ObolErrorOptions = {}) {
    super(`invalid group element or scalar: ${problem}`, {
      hint: "the packet was forged or corrupted; drop it (keys must be canonical and not of low order)",
      ...options,
    });
  }
}

/** The header HMAC does not verify: tampered packet, wrong key or wrong associated data. */
export class SphinxMacError extends SphinxError {
  override name = "SphinxMacError";
  constructor() {
    super("header HMAC does not verify", {
      hint: "the packet was tampered with or is not addressed to this key; drop it",
    });
  }
}

/** The decrypted hop payload is malformed (framing, unknown flags, inconsistent with the route). */
export class SphinxHopPayloadError extends SphinxError {
  override name = "SphinxHopPayloadError";
  constructor(problem: string) {
    super(`bad hop payload: ${problem}`, {
      hint: "sender and relay must agree on slotSize; otherwise the sender is buggy or malicious",
    });
  }
}

/** The body failed its integrity check (zero prefix, length) after decryption. */
export class SphinxBodyCorruptedError extends SphinxError {
  override name = "SphinxBodyCorruptedError";
  constructor(problem: string) {
    super(`corrupted body: ${problem}`, {
      hint: "a hop tagged or replaced the body (LIONESS destroys it entirely); drop the message",
    });
  }
}

/** A message does not fit in the fixed-size body. */
export class SphinxMessageTooLargeError extends SphinxError {
  override name = "SphinxMessageTooLargeError";
  readonly maxSize: number;
  constructor(size: number, maxSize: number) {
    super(`message of ${size} bytes exceeds the maximum of ${maxSize} bytes`, {
      hint: `split the message into chunks of at most ${maxSize} bytes or raise bodySize for the whole network`,
    });
    this.maxSize = maxSize;
  }
}
