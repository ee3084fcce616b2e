/**
 * Browser backend of the secp256k1 port: no native library in a page, so
 * ticket signing, recovery and proof-of-relay challenges run in noble
 * (the callers' fallback when this is null).
 */
import type { NativeSecp256k1 } from "../../schemes/channels/secp.js";

export const nativeSecp256k1: NativeSecp256k1 | null = null;
