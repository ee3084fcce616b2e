/**
 * Wire constants of scheme B (docs/tickets.md, "Byte layouts").
 */
import { G1_COMPRESSED_SIZE, SERIAL_SIZE } from "../../crypto/blind/constants.js";

/** Slot: epoch (8, big-endian) ‖ serial (16) ‖ compressed G1 signature (48). */
export const SLOT_SIZE = 8 + SERIAL_SIZE + G1_COMPRESSED_SIZE;
/** Tokens travel in the slot only: no attachment, no receipt. */
export const ATTACHMENT_SIZE = 0;
export const RECEIPT_SIZE = 0;
/** libp2p protocol of the issuer service. */
export const ISSUE_PROTOCOL = "/obol/issue/1";
