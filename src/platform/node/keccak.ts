/**
 * Node backend of the keccak-256 port, for the relay's per-packet work (issue 9, relay CPU): the `keccak`
 * npm package's N-API prebuild (the Keccak team's XKCP code, prebuilt binaries
 * inside the package, loaded with node-gyp-build; no compiler needed) runs a
 * 224-byte hash ~4× faster than noble in JavaScript, and a packet needs five
 * (two per ticket digest, one per address). When the binary cannot load,
 * noble's `keccak_256` is used; both give the same bytes (test/schemes/channels/secp.test.ts).
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { keccak_256 } from "@noble/hashes/sha3.js";

/** The native sponge state of `keccak@3.0.4` (its addon's class; the package's stream API is not used). */
type KeccakState = {
  initialize(rate: number, capacity: number): void;
  absorb(data: Uint8Array): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Uint8Array;
};

function load(): (new () => KeccakState) | null {
  if (process.env.OBOL_KECCAK === "noble") return null; // to measure or rule out the native path
  try {
    const require = createRequire(import.meta.url);
    const gypBuild = require("node-gyp-build") as (dir: string) => new () => KeccakState;
    const State = gypBuild(dirname(require.resolve("keccak/package.json")));
    if (typeof State !== "function") return null;
    const probe = new State();
    probe.initialize(1088, 512);
    probe.absorbLastFewBits(0x01);
    // keccak256("") (the binary really loaded and is the original Keccak padding, not SHA3's).
    const empty = Buffer.from(probe.squeeze(32)).toString("hex");
    return empty === "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470" ? State : null;
  } catch {
    return null;
  }
}

const NativeState = load();

/** True when keccak-256 runs natively here (for the bench's notes). */
export const nativeKeccak = NativeState !== null;

let sponge: KeccakState | undefined;

/**
 * keccak-256 (Ethereum's, original padding).
 *
 * @param data bytes to hash
 * @returns 32 bytes
 */
export function keccak256(data: Uint8Array): Uint8Array {
  if (NativeState === null) return keccak_256(data);
  // One sponge for every call: `initialize` resets it, and the call is synchronous, so no two
  // hashes ever share it; allocating a native object per hash cost about half of each call.
  sponge ??= new NativeState();
  const s = sponge;
  s.initialize(1088, 512); // rate 1088 bits, capacity 512: keccak-256
  s.absorb(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  s.absorbLastFewBits(0x01);
  return new Uint8Array(s.squeeze(32));
}
