/**
 * RFC 9380 `hash_to_curve` to G1 (suite BLS12381G1_XMD:SHA-256_SSWU_RO_)
 * computed entirely by mcl: `mclBnG1_hashAndMapToWithDst` of mcl's C API
 * (`expand_message_xmd` with SHA-256, two field elements, SSWU on the
 * 11-isogenous curve for each, ONE point addition and ONE isogeny evaluation
 * and ONE cofactor clearing for their sum — RFC 9380 §3 and §6.6.3 allow this
 * order, since the isogeny and `clear_cofactor` are group homomorphisms).
 *
 * Why not `Fp.mapToG1` twice, as before: mcl-wasm's JavaScript API exposes
 * `map_to_curve` only WITH the cofactor cleared, so each token paid two
 * clearings and two isogenies, plus noble's JavaScript SHA-256. Measured on
 * one core: 909 µs → 374 µs per hash, outputs byte-identical (tests:
 * test/crypto/blind.test.ts against noble's `hashToCurve`, and
 * test/crypto/blind-h2c-diff.test.ts against the TicketBank contract).
 *
 * The C function is public mcl API; mcl-wasm reaches it only through its
 * module object `mod` (marked internal in mcl-wasm's typings), so the version
 * is pinned and {@link mclG1Hasher} fails loudly if the function is gone.
 */
import * as mcl from "mcl-wasm";

/** The part of mcl's Emscripten module used here. */
type McModule = {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAP8: Int8Array;
  _mclBnG1_hashAndMapToWithDst(out: number, message: number, messageSize: number, dst: number, dstSize: number): number;
  _mclBnG1_add(z: number, x: number, y: number): void;
};

export type G1Hasher = {
  /** H(m): RFC 9380 hash_to_curve under the hasher's DST. */
  hash(message: Uint8Array): mcl.G1;
  /** Σ H(m_i), summed inside mcl's heap (no JavaScript point per message). */
  hashSum(messages: readonly Uint8Array[]): mcl.G1;
};

/**
 * A hash-to-G1 for one domain separation tag. Call after `mcl.init` with the
 * map mode set to `mcl.IRTF`.
 *
 * @param dst RFC 9380 domain separation tag (at most 255 bytes)
 * @returns hash and batched hash-sum
 * @throws Error when the mcl-wasm build lacks the C functions (a version change)
 * @example
 * const h = mclG1Hasher(TOKEN_DST);
 * const point = h.hash(message);
 */
export function mclG1Hasher(dst: string): G1Hasher {
  const loose = mcl as unknown as { mod?: McModule; default?: { mod?: McModule } };
  // Node's ESM view of a CommonJS module does not update named exports, so read the live object.
  const mod = loose.default?.mod ?? loose.mod;
  if (typeof mod?._mclBnG1_hashAndMapToWithDst !== "function" || typeof mod._mclBnG1_add !== "function")
    throw new Error("mcl-wasm lacks mclBnG1_hashAndMapToWithDst / mclBnG1_add: check the pinned mcl-wasm version");
  const tag = new TextEncoder().encode(dst);
  if (tag.length > 255) throw new Error("DST longer than 255 bytes");
  // Bytes of one mcl G1 value (Jacobian x, y, z), sized the way mcl-wasm sizes its own.
  const pointBytes = (new mcl.G1() as unknown as { a_: Uint32Array }).a_.byteLength;

  /** Runs `body` with a heap block: [acc][tmp][dst][message]; frees it whatever happens. */
  const withHeap = <T>(
    messageBytes: number,
    body: (acc: number, tmp: number, dstAt: number, messageAt: number) => T,
  ): T => {
    const at = mod._malloc(2 * pointBytes + tag.length + messageBytes);
    try {
      mod.HEAP8.set(tag, at + 2 * pointBytes);
      return body(at, at + pointBytes, at + 2 * pointBytes, at + 2 * pointBytes + tag.length);
    } finally {
      mod._free(at);
    }
  };
  const hashInto = (out: number, message: Uint8Array, dstAt: number, messageAt: number): void => {
    mod.HEAP8.set(message, messageAt); // HEAP8 is re-read: it is replaced when the heap grows
    if (mod._mclBnG1_hashAndMapToWithDst(out, messageAt, message.length, dstAt, tag.length) !== 0)
      throw new Error("mclBnG1_hashAndMapToWithDst failed (is the map mode IRTF?)");
  };
  const read = (at: number): mcl.G1 => {
    const point = new mcl.G1();
    point.copyFromMem(at);
    return point;
  };

  return {
    hash: (message) =>
      withHeap(message.length, (acc, _tmp, dstAt, messageAt) => {
        hashInto(acc, message, dstAt, messageAt);
        return read(acc);
      }),
    hashSum(messages) {
      if (messages.length === 0) throw new Error("hashSum of no messages");
      const longest = Math.max(...messages.map((m) => m.length));
      return withHeap(longest, (acc, tmp, dstAt, messageAt) => {
        hashInto(acc, messages[0]!, dstAt, messageAt);
        for (let i = 1; i < messages.length; i++) {
          hashInto(tmp, messages[i]!, dstAt, messageAt);
          mod._mclBnG1_add(acc, acc, tmp);
        }
        return read(acc);
      });
    },
  };
}
