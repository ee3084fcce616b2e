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
  _mclBnG1_clear(x: number): void;
  _mclBnG1_isZero(x: number): number;
  _mclBnG1_deserialize(x: number, buffer: number, size: number): number;
  _mclBnG1_isValid(x: number): number;
  _mclBnFp_deserialize(x: number, buffer: number, size: number): number;
  _mclBnFp_setInt32(x: number, value: number): void;
};

/** Why a token's σ did not decode (the messages of `bls.ts`'s checks), or null when it did. */
export type SignatureFault = "length" | "encoding" | "infinity" | null;

/**
 * Decompresses a 48-byte σ elsewhere (`native-g1.ts`: blst in Node): the
 * affine point as ZCash uncompressed bytes (x ‖ y, 96, big-endian), or why
 * it did not decode. No subgroup check, like mcl's path.
 */
export type G1Decompressor = (compressed: Uint8Array) => Uint8Array | Exclude<SignatureFault, null>;

/**
 * A batch's σ_i (decompressed) and H(m_i), held in mcl's heap while `body`
 * runs, so that the batch and any subset of it (bisection) are summed by
 * additions only: each σ is decompressed and each message hashed once.
 */
export type HeapBatch = {
  /** Per token: null when σ decoded to a curve point other than infinity, else why not. */
  readonly faults: readonly SignatureFault[];
  /** Σσ_i and ΣH(m_i) over `indices` (tokens whose σ decoded). */
  sums(indices: readonly number[]): { sigma: mcl.G1; hashes: mcl.G1 };
};

export type G1Hasher = {
  /** H(m): RFC 9380 hash_to_curve under the hasher's DST. */
  hash(message: Uint8Array): mcl.G1;
  /** Σ H(m_i), summed inside mcl's heap (no JavaScript point per message). */
  hashSum(messages: readonly Uint8Array[]): mcl.G1;
  /**
   * Decompresses every σ_i (on-curve, no subgroup check: the caller checks
   * each sum it uses) and hashes every m_i whose σ decoded, into mcl's heap,
   * then runs `body`; the heap block is freed afterwards. With `decompress`,
   * σ is decompressed by it and only its x, y are loaded (and checked on the
   * curve) here.
   */
  withTokens<T>(
    tokens: readonly { message: Uint8Array; signature: Uint8Array }[],
    body: (batch: HeapBatch) => T,
    decompress?: G1Decompressor,
  ): T;
};

/** Bytes of a compressed G1 point (ZCash/IETF encoding). */
const G1_COMPRESSED = 48;

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
  const needed = [
    "_mclBnG1_hashAndMapToWithDst",
    "_mclBnG1_add",
    "_mclBnG1_clear",
    "_mclBnG1_isZero",
    "_mclBnG1_deserialize",
    "_mclBnG1_isValid",
    "_mclBnFp_deserialize",
    "_mclBnFp_setInt32",
  ] as const;
  if (!mod || needed.some((f) => typeof mod[f] !== "function"))
    throw new Error(`mcl-wasm lacks one of ${needed.join(", ")}: check the pinned mcl-wasm version`);
  const tag = new TextEncoder().encode(dst);
  if (tag.length > 255) throw new Error("DST longer than 255 bytes");
  // Bytes of one mcl G1 value (Jacobian x, y, z), sized the way mcl-wasm sizes its own.
  const pointBytes = (new mcl.G1() as unknown as { a_: Uint32Array }).a_.byteLength;
  const fpBytes = pointBytes / 3;

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
    withTokens(tokens, body, decompress) {
      const n = tokens.length;
      const longest = Math.max(0, ...tokens.map((t) => t.message.length));
      // [σ sum][H sum][dst][message][σ bytes (48, or 96 affine x ‖ y)][σ_0 … σ_{n−1}][H_0 … H_{n−1}]: one block, one copy in per input.
      return withHeap(2 * n * pointBytes + longest + 2 * G1_COMPRESSED, (sigmaAcc, hashAcc, dstAt, messageAt) => {
        const sigmaAt = (i: number) => messageAt + longest + 2 * G1_COMPRESSED + i * pointBytes;
        const hashAt = (i: number) => sigmaAt(n) + i * pointBytes;
        const bytesAt = messageAt + longest;
        /** σ_i decompressed by `decompress`: x and y as mcl field elements, z = 1, then mcl's on-curve check. */
        const loadAffine = (i: number, signature: Uint8Array): SignatureFault => {
          const affine = decompress!(signature);
          if (typeof affine === "string") return affine;
          mod.HEAP8.set(affine, bytesAt);
          const [x, y, z] = [sigmaAt(i), sigmaAt(i) + fpBytes, sigmaAt(i) + 2 * fpBytes];
          if (mod._mclBnFp_deserialize(x, bytesAt, G1_COMPRESSED) !== G1_COMPRESSED) return "encoding";
          if (mod._mclBnFp_deserialize(y, bytesAt + G1_COMPRESSED, G1_COMPRESSED) !== G1_COMPRESSED) return "encoding";
          mod._mclBnFp_setInt32(z, 1);
          return mod._mclBnG1_isValid(sigmaAt(i)) === 1 ? null : "encoding";
        };
        const load = (i: number, signature: Uint8Array): SignatureFault => {
          if (signature.length !== G1_COMPRESSED) return "length";
          if (decompress) return loadAffine(i, signature);
          mod.HEAP8.set(signature, bytesAt);
          if (mod._mclBnG1_deserialize(sigmaAt(i), bytesAt, G1_COMPRESSED) !== G1_COMPRESSED) return "encoding";
          return mod._mclBnG1_isZero(sigmaAt(i)) === 1 ? "infinity" : null;
        };
        const faults = tokens.map(({ message, signature }, i): SignatureFault => {
          const fault = load(i, signature);
          if (fault === null) hashInto(hashAt(i), message, dstAt, messageAt);
          return fault;
        });
        return body({
          faults,
          sums(indices) {
            mod._mclBnG1_clear(sigmaAcc);
            mod._mclBnG1_clear(hashAcc);
            for (const i of indices) {
              if (faults[i] !== null) throw new Error(`token ${i} has no decoded signature`);
              mod._mclBnG1_add(sigmaAcc, sigmaAcc, sigmaAt(i));
              mod._mclBnG1_add(hashAcc, hashAcc, hashAt(i));
            }
            return { sigma: read(sigmaAcc), hashes: read(hashAcc) };
          },
        });
      });
    },
  };
}
