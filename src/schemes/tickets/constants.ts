/**
 * Wire constants of scheme B (docs/tickets.md, "Byte layouts").
 */
import { G1_COMPRESSED_SIZE, SERIAL_SIZE } from "../../crypto/blind/constants.js";

/** Slot: epoch (8, big-endian) ‖ serial (16) ‖ compressed G1 signature (48). */
export const SLOT_SIZE = 8 + SERIAL_SIZE + G1_COMPRESSED_SIZE;
/**
 * Epochs either side of its own a relay accepts a token in (relay.ts
 * `checkToken`): a relay in e takes tokens of e − 1, e and e + 1. A reply
 * block's tokens are of the epoch it was built in, so it is usable until one
 * epoch later (`scheme.replyWindow`).
 */
export const EPOCH_GRACE = 1n;
/** Tokens travel in the slot only: no attachment, no receipt. */
export const ATTACHMENT_SIZE = 0;
export const RECEIPT_SIZE = 0;
/** libp2p protocol of the issuer service. */
export const ISSUE_PROTOCOL = "/obol/issue/1";
