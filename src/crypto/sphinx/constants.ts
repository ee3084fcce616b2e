/**
 * Protocol constants of Obol Sphinx v1 (DESIGN §3), defined once.
 * Byte layouts and derivations are specified in `docs/sphinx.md`.
 *
 * The BOLT #4 labels (`rho`, `mu`, `pad`) come from Lightning's
 * `04-onion-routing.md`, section "Key Generation". The `obol-*` labels are
 * Obol's additions, each keyed from the per-hop shared secret `ss` with
 * HMAC-SHA256(key = ASCII label, msg = ss), exactly like the BOLT keys.
 */

/** Packet/header version byte (BOLT #4 "version 0"). */
export const SPHINX_VERSION = 0;

/** Size of every HMAC, shared secret, derived key and blinding factor. */
export const HASH_SIZE = 32;

/** Size of a relay address carried in a `forward` hop payload (EVM address). */
export const ADDRESS_SIZE = 20;

/** Size of the `next` field of an Obol hop payload (address or mailbox id). */
export const NEXT_FIELD_SIZE = 32;

/** Flags (1) + next (32) + delay in ms as u32 big-endian (4); the slot follows. */
export const HOP_FIXED_SIZE = 1 + NEXT_FIELD_SIZE + 4;

/** Zero bytes at the start of a framed body: the final hop's integrity check. */
export const BODY_ZERO_PREFIX_SIZE = 16;

/** Zero prefix + u16 big-endian message length. */
export const BODY_FRAMING_SIZE = BODY_ZERO_PREFIX_SIZE + 2;

/** LIONESS splits the block into L (this size, = key size) and R (the rest). */
export const LIONESS_LEFT_SIZE = 32;

/** Obol defaults (DESIGN §3): 5 hops (gateway, 3 mix layers, gateway), 2 KiB body. */
export const DEFAULT_MAX_HOPS = 5;
export const DEFAULT_BODY_SIZE = 2048;

/** Associated data authenticated by every hop MAC of an Obol packet. */
export const OBOL_ASSOCIATED_DATA: Uint8Array = new TextEncoder().encode("obol-sphinx-v1");

/** Key-derivation labels: HMAC-SHA256(key = ASCII label, msg = secret). */
export const LABELS = {
  /** BOLT #4: routing-info stream key. */
  rho: "rho",
  /** BOLT #4: header MAC key. */
  mu: "mu",
  /** BOLT #4: initial routing-info padding, keyed from the session key. */
  pad: "pad",
  /** Obol: per-hop LIONESS body key. */
  body: "obol-body",
  /** Obol: replay tag, the key of the relay's replay database. */
  replay: "obol-replay",
  /** Obol: LIONESS key of a SURB reply, keyed from the SURB key instead of ss. */
  surbBody: "obol-surb-body",
} as const;

/** Hop actions and their flag byte values (first byte of an Obol hop payload). */
export const HOP_FLAGS = { forward: 0x00, deliver: 0x01, drop: 0x02, loop: 0x03 } as const;

/** Size of a single-use reply block key (Sphinx §3.4's k̃). */
export const SURB_KEY_SIZE = 32;
