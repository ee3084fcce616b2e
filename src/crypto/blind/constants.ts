/**
 * Constants of Obol's blind BLS12-381 tokens (docs/tickets.md, "Token").
 * The DST must equal `TicketBank.DST` on chain; both are tested together.
 */

/** RFC 9380 §3.1 domain separation tag of token messages (suite BLS12381G1_XMD:SHA-256_SSWU_RO_). */
export const TOKEN_DST = "OBOL_TICKETS_V2_BLS12381G1_XMD:SHA-256_SSWU_RO_";

/** Bytes of a token serial (random, chosen by the client). */
export const SERIAL_SIZE = 16;
/** Bytes of a token message: chainId (8) ‖ bank (20) ‖ issuer (20) ‖ relay (20) ‖ epoch (8) ‖ serial (16); integers big-endian. */
export const MESSAGE_SIZE = 8 + 20 + 20 + 20 + 8 + SERIAL_SIZE;
/** Compressed G1 point (ZCash / IETF serialisation): signatures and blinded points. */
export const G1_COMPRESSED_SIZE = 48;
/** Compressed G2 point: issuer public keys. */
export const G2_COMPRESSED_SIZE = 96;
/** BLS secret key: big-endian scalar below the group order r. */
export const SECRET_KEY_SIZE = 32;
/** EIP-2537 encodings (16 zero bytes before each 48-byte Fp element), defined with the layout. */
export { EIP2537_G1_SIZE, EIP2537_G2_SIZE } from "../eip2537.js";
