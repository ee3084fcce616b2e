/**
 * Constants of the secret-shopper scheme (docs/shopper.md). Byte-level
 * derivations that the contract repeats are in `contracts/lib/VrfLoop.sol`.
 */

/** Label of the loop CSPRNG: block(k) = SHA-256(label ‖ β ‖ u32be(k)). */
export const LOOP_STREAM_LABEL = "obol-shopper-loop-v1";
/** Stream block of the Sphinx session key. */
export const SESSION_KEY_BLOCK = 0;
/** First stream block of the route draws (layer L uses block 1 + L). */
export const ROUTE_BLOCK = 1;
/** First stream block of the delay draws (hop h uses block 6 + h). */
export const DELAY_BLOCK = 6;
/** Stream block of the loop's send time within its epoch (after the delay blocks 6 + h, h ≤ 4). */
export const SEND_TIME_BLOCK = 11;
/**
 * Stream blocks of the message a loop delivers to its exit mailbox: block(12) fixes its length, block(13 + i)
 * its bytes (random-looking, like a sealed user message; issue 11, finding 1, exit delivery).
 */
export const MESSAGE_LENGTH_BLOCK = 12;
export const MESSAGE_BLOCK = 13;
/** HMAC label of the auditor's per-epoch pull key at an exit gateway (docs/shopper.md §Exit delivery). */
export const PULL_KEY_LABEL = "obol-shopper-pull-v1";
/** Hops of a loop: entry gateway, mix layers 1..3, exit gateway. */
export const LOOP_HOPS = 5;
/** Layer of each hop; gateways serve layers 0 and 4. */
export const HOP_LAYERS = [0, 1, 2, 3, 4] as const;
/** libp2p protocol serving inclusion proofs. */
export const PROOF_PROTOCOL = "/obol/proof/1";
/** Shopper packets carry no payment bytes: nothing rides in slots, attachments or receipts. */
export const SHOPPER_SLOT_SIZE = 0;
export const SHOPPER_ATTACHMENT_SIZE = 0;
export const SHOPPER_RECEIPT_SIZE = 0;
/**
 * Epoch offsets of the audit timeline of loops sent in epoch e (docs/shopper.md §5): the same names and
 * values as the constants of contracts/ShopperAudit.sol (test/schemes/shopper/contract.test.ts checks).
 * Commit in e + 1; beacon (registry seed of e + 2) and reveals in e + 2; proofs and disputes up to e + 3;
 * finalize from e + 4.
 */
export const COMMIT_OFFSET = 1n;
export const REVEAL_OFFSET = 2n;
export const PROOF_LAST_OFFSET = 3n;
export const FINALIZE_OFFSET = 4n;
/** Longest per-hop delay a loop asks for; ShopperAudit.MAX_HOP_DELAY_MS, and relays' default cap (--max-delay-ms). */
export const MAX_HOP_DELAY_MS = 60_000;
