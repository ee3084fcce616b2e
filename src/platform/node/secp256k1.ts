/**
 * Node backend of the secp256k1 port: libsecp256k1 through the `secp256k1`
 * package (N-API, prebuilt binaries inside the package, loaded with
 * node-gyp-build) when its binary loads here, else null and callers use noble.
 */
import { createRequire } from "node:module";
import type { NativeSecp256k1 } from "../../schemes/channels/secp.js";

function load(): NativeSecp256k1 | null {
  if (process.env.OBOL_SECP256K1 === "noble") return null; // to measure or rule out the native path
  try {
    const lib = createRequire(import.meta.url)("secp256k1/bindings.js") as NativeSecp256k1;
    lib.publicKeyCreate(new Uint8Array(32).fill(1), true); // the binary really loaded
    return lib;
  } catch {
    return null;
  }
}

/** libsecp256k1 when its prebuilt binary loads here, else null (use noble). */
export const nativeSecp256k1: NativeSecp256k1 | null = load();
