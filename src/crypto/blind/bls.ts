/**
 * Blind BLS signatures on BLS12-381 (Boldyreva, PKC 2003) in the min-sig
 * setting: signatures and messages in G1, public keys in G2. An unblinded
 * token is an ordinary BLS signature that noble's `bls12_381.shortSignatures`
 * verifies under the same DST (tested).
 *
 * Hashing follows RFC 9380 §3 `hash_to_curve` for BLS12381G1_XMD:SHA-256_SSWU_RO_,
 * all inside mcl (`hash-to-g1.ts`: `expand_message_xmd`, two SSWU maps — the
 * map EIP-2537's MAP_FP_TO_G1 implements — one isogeny and one cofactor
 * clearing for their sum). Equality with noble's `hashToCurve` and with the
 * contract is tested on ≥ 1,000 messages.
 * mcl (WebAssembly) was chosen by measurement: hash-to-G1 ≈ 4× and the
 * pairing ≈ 8× faster than noble here; `@chainsafe/blst`'s JS API is min-pk
 * (hashes to G2), so it cannot hash to G1 at all. Figures: docs/tickets.md.
 */
import * as mcl from "mcl-wasm";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bytesToBigInt, bytesToHex } from "viem";
import { G1_COMPRESSED_SIZE, G2_COMPRESSED_SIZE, SECRET_KEY_SIZE, TOKEN_DST } from "./constants.js";
import { BlindSignatureRejectedError, InvalidPointError } from "./errors.js";
import { mclG1Hasher, type G1Decompressor, type G1Hasher, type HeapBatch, type SignatureFault } from "./hash-to-g1.js";

/** What a client keeps between blinding and unblinding (secret: links the token to the request). */
export type BlindingState = { message: Uint8Array; blinded: Uint8Array; factor: mcl.Fr };

/** The one interface over the BLS backend (mcl for points and pairings, noble for hashing to field). */
export type BlindBls = {
  /** RFC 9380 hash_to_curve(message) under {@link TOKEN_DST}, compressed. */
  hashToG1(message: Uint8Array): Uint8Array;
  /** A fresh key pair: 32-byte big-endian secret key, 96-byte compressed G2 public key. */
  keygen(): { secretKey: Uint8Array; publicKey: Uint8Array };
  /** Client: B = r·H(m) with a fresh random r. */
  blind(message: Uint8Array): BlindingState;
  /** Issuer: S' = sk·B, after checking B is a proper G1 point. */
  signBlinded(secretKey: Uint8Array, blinded: Uint8Array): Uint8Array;
  /** Client: checks e(S', g2) = e(B, pk), returns σ = r⁻¹·S'. */
  unblind(state: BlindingState, blindSignature: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /**
   * Client, many at once: checks all blind signatures of one purchase with ONE
   * pairing equation over random 128-bit linear combinations (small-exponent
   * batch verification: a wrong S'_i passes with probability ≤ 2⁻¹²⁸, even
   * against an issuer that tries to make errors cancel), then unblinds each.
   * When the batch fails, finds and reports the first bad index.
   */
  unblindBatch(
    states: readonly BlindingState[],
    blindSignatures: readonly Uint8Array[],
    publicKey: Uint8Array,
  ): Uint8Array[];
  /** One signature, full checks (subgroup, infinity, pairing). */
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
  /**
   * Same-key aggregate check e(Σσ_i, g2) = e(ΣH(m_i), pk) with 2 Miller loops.
   * Messages must be pairwise distinct (the caller's spent set ensures it).
   * A true answer says the SET verifies; see docs/tickets.md for what that
   * implies per token.
   */
  verifyBatch(items: readonly { message: Uint8Array; signature: Uint8Array }[], publicKey: Uint8Array): boolean;
  /**
   * Per-token verdicts for a batch (the relay's check): the same-key 2-pair
   * equation over the whole batch and, when it fails, over halves down to
   * single tokens. Each σ is decompressed and each message hashed ONCE (kept
   * in mcl's heap), so bisecting costs additions and pairings, not hashes. A
   * σ that does not decode (length, encoding, infinity) is false without a
   * pairing; every sum that is checked is checked for the subgroup.
   * `decompress` (Node: `native-g1.ts`'s blst) replaces mcl's decompression
   * of σ; verdicts are the same (tested), only faster.
   */
  verifyEach(
    items: readonly { message: Uint8Array; signature: Uint8Array }[],
    publicKey: Uint8Array,
    decompress?: G1Decompressor,
  ): boolean[];
  /** Σσ_i, compressed. */
  aggregate(signatures: readonly Uint8Array[]): Uint8Array;
};

let loading: Promise<BlindBls> | undefined;

/**
 * Loads the backend once per process (mcl compiles its WebAssembly on first use).
 *
 * @returns The blind-BLS operations.
 * @example
 * const bls = await loadBlindBls();
 * const { secretKey, publicKey } = bls.keygen();
 * const state = bls.blind(tokenMessage(domain, relay, 7n, serial));
 * const token = bls.unblind(state, bls.signBlinded(secretKey, state.blinded), publicKey);
 */
export function loadBlindBls(): Promise<BlindBls> {
  loading ??= init();
  return loading;
}

async function init(): Promise<BlindBls> {
  await mcl.init(mcl.BLS12_381);
  mcl.setETHserialization(true); // ZCash/IETF compressed encodings, byte-identical to noble (tested)
  mcl.setMapToMode(mcl.IRTF); // RFC 9380 SSWU + 11-isogeny + clear_cofactor
  mcl.verifyOrderG1(false); // subgroup checks are explicit below, once per batch on the hot path
  mcl.verifyOrderG2(true);

  const g2 = new mcl.G2();
  g2.deserialize(bls12_381.G2.Point.BASE.toBytes(true));
  const negG2 = new mcl.PrecomputedG2(mcl.neg(g2));
  /** e(a, −g2) · e(b, pk) = 1 */
  const pairingHolds: PairingCheck = (a, b, pk) => mcl.finalExp(mcl.precomputedMillerLoop2(a, negG2, b, pk)).isOne();
  return operations(pairingHolds, publicKeyCache());
}

/** e(a, −g2) · e(b, pk) = 1, with −g2 precomputed once mcl is loaded. */
type PairingCheck = (a: mcl.G1, b: mcl.G1, pk: mcl.PrecomputedG2) => boolean;

/** The blind-BLS operations over a loaded mcl (everything below runs only after `init`). */
function operations(pairingHolds: PairingCheck, publicKeyOf: (publicKey: Uint8Array) => mcl.PrecomputedG2): BlindBls {
  return {
    hashToG1: (message) => mcl.normalize(hash(message)).serialize(),
    keygen() {
      const secretKey = bls12_381.utils.randomSecretKey();
      return { secretKey, publicKey: bls12_381.shortSignatures.getPublicKey(secretKey).toBytes(true) };
    },
    blind(message) {
      const factor = new mcl.Fr();
      do factor.setByCSPRNG();
      while (factor.isZero());
      return { message, factor, blinded: mcl.mul(hash(message), factor).serialize() };
    },
    signBlinded(secretKey, blinded) {
      const b = g1("blinded", blinded, true);
      return mcl.mul(b, scalar(secretKey)).serialize();
    },
    unblind(state, blindSignature, publicKey) {
      const s = g1("blindSignature", blindSignature, true);
      if (!pairingHolds(s, g1("blinded", state.blinded, false), publicKeyOf(publicKey)))
        throw new BlindSignatureRejectedError();
      return mcl.mul(s, mcl.inv(state.factor)).serialize();
    },
    unblindBatch: (states, blindSignatures, publicKey) =>
      unblindBatch(pairingHolds, states, blindSignatures, publicKeyOf(publicKey)),
    verify(message, signature, publicKey) {
      return pairingHolds(g1("signature", signature, true), hash(message), publicKeyOf(publicKey));
    },
    verifyBatch: (items, publicKey) => verifyBatch(pairingHolds, items, publicKeyOf(publicKey)),
    verifyEach: (items, publicKey, decompress) => verifyEach(pairingHolds, items, publicKeyOf(publicKey), decompress),
    aggregate(signatures) {
      if (signatures.length === 0) throw new InvalidPointError("signatures", "empty list");
      let sum = g1("signature", signatures[0]!, false);
      for (let i = 1; i < signatures.length; i++) sum = mcl.add(sum, g1("signature", signatures[i]!, false));
      return mcl.normalize(sum).serialize();
    },
  };
}

/** {@link BlindBls.unblindBatch}: one pairing equation over random 128-bit combinations, then unblind each. */
function unblindBatch(
  pairingHolds: PairingCheck,
  states: readonly BlindingState[],
  blindSignatures: readonly Uint8Array[],
  pk: mcl.PrecomputedG2,
): Uint8Array[] {
  if (states.length !== blindSignatures.length || states.length === 0)
    throw new InvalidPointError(
      "blindSignatures",
      `expected ${states.length} signatures, got ${blindSignatures.length}`,
    );
  const sigs = blindSignatures.map((b, i) => g1(`blindSignatures[${i}]`, b, true));
  const coefficients = states.map(() => {
    const c = new mcl.Fr();
    c.setLittleEndianMod(crypto.getRandomValues(new Uint8Array(16)));
    return c;
  });
  const lhs = mcl.mulVec(sigs, coefficients);
  const rhs = mcl.mulVec(
    states.map((s, i) => g1(`blinded[${i}]`, s.blinded, false)),
    coefficients,
  );
  if (!pairingHolds(lhs, rhs, pk)) {
    const bad = sigs.findIndex((s, i) => !pairingHolds(s, g1("blinded", states[i]!.blinded, false), pk));
    throw new BlindSignatureRejectedError({ details: `blind signature #${bad} is wrong` });
  }
  return sigs.map((s, i) => mcl.mul(s, mcl.inv(states[i]!.factor)).serialize());
}

/** {@link BlindBls.verifyBatch}: e(Σσ_i, g2) = e(ΣH(m_i), pk) with 2 Miller loops. */
function verifyBatch(
  pairingHolds: PairingCheck,
  items: readonly { message: Uint8Array; signature: Uint8Array }[],
  pk: mcl.PrecomputedG2,
): boolean {
  if (items.length === 0) throw new InvalidPointError("items", "empty batch");
  return tokenHasher().withTokens(items, (batch) => {
    const bad = batch.faults.findIndex((f) => f !== null);
    if (bad >= 0) throw signatureError(batch.faults[bad]!, items[bad]!.signature.length);
    return sumHolds(
      pairingHolds,
      batch,
      pk,
      items.map((_, i) => i),
    );
  });
}

/** {@link BlindBls.verifyEach}: the batch check, bisected on cached points when it fails. */
function verifyEach(
  pairingHolds: PairingCheck,
  items: readonly { message: Uint8Array; signature: Uint8Array }[],
  pk: mcl.PrecomputedG2,
  decompress: G1Decompressor | undefined,
): boolean[] {
  const valid = new Array<boolean>(items.length).fill(false);
  if (items.length === 0) return valid;
  tokenHasher().withTokens(
    items,
    (batch) => {
      const settle = (indices: number[]): void => {
        if (indices.length === 0) return;
        if (sumHolds(pairingHolds, batch, pk, indices)) for (const i of indices) valid[i] = true;
        else if (indices.length > 1) {
          const half = indices.length >> 1;
          settle(indices.slice(0, half));
          settle(indices.slice(half));
        }
      };
      settle(items.map((_, i) => i).filter((i) => batch.faults[i] === null));
    },
    decompress,
  );
  return valid;
}

/**
 * e(Σσ_i, g2) = e(ΣH(m_i), pk) over `indices`, with one subgroup check on
 * Σσ_i: a torsion part in any σ_i survives into the sum unless another σ_j
 * cancels it, which only hurts the sender (docs/tickets.md §8).
 */
function sumHolds(pairingHolds: PairingCheck, batch: HeapBatch, pk: mcl.PrecomputedG2, indices: number[]): boolean {
  const { sigma, hashes } = batch.sums(indices);
  if (sigma.isZero() || !sigma.isValidOrder()) return false;
  return pairingHolds(sigma, hashes, pk);
}

/** The error `g1` raises for a σ that did not decode, for `verifyBatch`'s callers. */
function signatureError(fault: Exclude<SignatureFault, null>, length: number): InvalidPointError {
  if (fault === "length")
    return new InvalidPointError("signature", `expected ${G1_COMPRESSED_SIZE} bytes, got ${length}`);
  if (fault === "infinity") return new InvalidPointError("signature", "point at infinity");
  return new InvalidPointError("signature", "not a compressed G1 point on the curve");
}

/** Decodes and checks public keys, keeping the last few precomputed (an issuer's key serves every batch). */
function publicKeyCache(): (publicKey: Uint8Array) => mcl.PrecomputedG2 {
  const keyCache = new Map<string, mcl.PrecomputedG2>();
  return (publicKey) => {
    const id = bytesToHex(publicKey);
    let pre = keyCache.get(id);
    if (!pre) {
      if (publicKey.length !== G2_COMPRESSED_SIZE)
        throw new InvalidPointError("publicKey", `expected ${G2_COMPRESSED_SIZE} bytes, got ${publicKey.length}`);
      const q = new mcl.G2();
      try {
        q.deserialize(publicKey);
      } catch (cause) {
        throw new InvalidPointError("publicKey", "not a compressed G2 point in the subgroup", { cause });
      }
      if (q.isZero()) throw new InvalidPointError("publicKey", "point at infinity");
      pre = new mcl.PrecomputedG2(q);
      if (keyCache.size > 64) keyCache.clear();
      keyCache.set(id, pre);
    }
    return pre;
  };
}

/** RFC 9380 hash_to_curve: hash_to_field (noble, count = 2, L = 64), then map_to_curve + clear_cofactor (mcl). */
function hash(message: Uint8Array): mcl.G1 {
  return tokenHasher().hash(message);
}

let hasher: G1Hasher | undefined;

/** The token DST's hasher, made on first use (mcl must be loaded and in IRTF map mode: `init` does both). */
function tokenHasher(): G1Hasher {
  hasher ??= mclG1Hasher(TOKEN_DST);
  return hasher;
}

/** Decodes a compressed G1 point; `subgroup` adds the (costly) prime-order check. */
function g1(field: string, bytes: Uint8Array, subgroup: boolean): mcl.G1 {
  if (bytes.length !== G1_COMPRESSED_SIZE)
    throw new InvalidPointError(field, `expected ${G1_COMPRESSED_SIZE} bytes, got ${bytes.length}`);
  const p = new mcl.G1();
  try {
    p.deserialize(bytes);
  } catch (cause) {
    throw new InvalidPointError(field, "not a compressed G1 point on the curve", { cause });
  }
  if (p.isZero()) throw new InvalidPointError(field, "point at infinity");
  if (subgroup && !p.isValidOrder()) throw new InvalidPointError(field, "not in the prime-order subgroup");
  return p;
}

/** A secret key as an mcl scalar, checked to be in [1, r). */
function scalar(secretKey: Uint8Array): mcl.Fr {
  if (secretKey.length !== SECRET_KEY_SIZE)
    throw new InvalidPointError("secretKey", `expected ${SECRET_KEY_SIZE} bytes, got ${secretKey.length}`);
  const n = bytesToBigInt(secretKey);
  if (n === 0n || n >= bls12_381.fields.Fr.ORDER) throw new InvalidPointError("secretKey", "not in [1, r)");
  const s = new mcl.Fr();
  s.setStr(n.toString(16), 16);
  return s;
}
