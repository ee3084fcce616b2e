/**
 * BLS VRF (src/crypto/vrf/bls.ts) and its on-chain twin (contracts/lib/VrfBls.sol),
 * plus the differential test of the Solidity X25519 against node:crypto and the
 * on-chain replay-tag recomputation against the Sphinx code.
 */
import { describe, expect, it, beforeAll } from "vitest";
import hre from "hardhat";
import { deployHarness, type VrfHarness } from "../schemes/shopper/harness.js";
import { randomBytes, diffieHellman, createPrivateKey, createPublicKey } from "node:crypto";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import fc from "fast-check";
import { hashToG1, vrfKeygen, vrfProve, vrfVerify, vrfPublicKey, VRF_PROOF_SIZE } from "../../src/crypto/vrf/bls.js";
import { VrfInputError } from "../../src/crypto/vrf/errors.js";
import { x25519Group } from "../../src/crypto/sphinx/group.js";
import { loopTags } from "../../src/schemes/shopper/loop.js";

const { viem } = await hre.network.connect();
let harness: VrfHarness;
beforeAll(async () => {
  harness = await deployHarness(viem as never);
});

const hex = (b: Uint8Array) => bytesToHex(b);

/** X25519 through node:crypto (OpenSSL) with raw keys wrapped in DER. */
function nodeX25519(k: Uint8Array, u: Uint8Array): Uint8Array {
  const priv = createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), k]),
    format: "der",
    type: "pkcs8",
  });
  const pub = createPublicKey({
    key: Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), u]),
    format: "der",
    type: "spki",
  });
  return new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
}

describe("VRF (BLS12-381, EIP-2537)", () => {
  it("proves and verifies off chain; output is deterministic", () => {
    const { secretKey, publicKey } = vrfKeygen();
    const alpha = randomBytes(64);
    const a = vrfProve(secretKey, alpha);
    const b = vrfProve(secretKey, alpha);
    expect(a.proof).toEqual(b.proof);
    expect(a.proof.length).toBe(VRF_PROOF_SIZE);
    expect(vrfVerify(publicKey, alpha, a.proof)).toEqual(a.output);
  });

  it("rejects a proof for another input, another key, or a tampered proof", () => {
    const k1 = vrfKeygen();
    const k2 = vrfKeygen();
    const alpha = randomBytes(64);
    const { proof } = vrfProve(k1.secretKey, alpha);
    expect(vrfVerify(k1.publicKey, randomBytes(64), proof)).toBeNull();
    expect(vrfVerify(k2.publicKey, alpha, proof)).toBeNull();
    const tampered = proof.slice();
    tampered[100]! ^= 1;
    expect(vrfVerify(k1.publicKey, alpha, tampered)).toBeNull();
    expect(vrfVerify(k1.publicKey, alpha, proof.subarray(0, 127))).toBeNull();
  });

  it("rejects malformed keys with a VrfInputError naming the field", () => {
    expect(() => vrfPublicKey(new Uint8Array(31))).toThrow(VrfInputError);
    expect(() => vrfVerify(new Uint8Array(256), new Uint8Array(1), new Uint8Array(128))).toThrow(/publicKey/);
    const bad = vrfKeygen().publicKey.slice();
    bad[255]! ^= 1; // off the curve
    expect(() => vrfVerify(bad, new Uint8Array(1), new Uint8Array(128))).toThrow(VrfInputError);
  });

  it("hash to G1 on chain equals noble's RFC 9380 hash", async () => {
    for (const len of [0, 1, 64, 200]) {
      const m = randomBytes(len);
      expect(await harness.read.hashToG1([hex(m)])).toBe(hex(hashToG1(m)));
    }
  });

  it("the contract accepts exactly the proofs noble accepts and returns the same output", async () => {
    const { secretKey, publicKey } = vrfKeygen();
    const other = vrfKeygen();
    const alpha = randomBytes(64);
    const { proof, output } = vrfProve(secretKey, alpha);
    expect(await harness.read.vrfVerify([hex(publicKey), hex(alpha), hex(proof)])).toEqual([true, hex(output)]);
    // wrong key, wrong input, proof of another key, tampered/off-curve proof, identity key, short proof
    const zero32 = `0x${"00".repeat(32)}` as Hex;
    expect(await harness.read.vrfVerify([hex(other.publicKey), hex(alpha), hex(proof)])).toEqual([false, zero32]);
    expect(await harness.read.vrfVerify([hex(publicKey), hex(randomBytes(64)), hex(proof)])).toEqual([false, zero32]);
    const forged = vrfProve(other.secretKey, alpha).proof;
    expect(await harness.read.vrfVerify([hex(publicKey), hex(alpha), hex(forged)])).toEqual([false, zero32]);
    const tampered = proof.slice();
    tampered[127]! ^= 1;
    expect(await harness.read.vrfVerify([hex(publicKey), hex(alpha), hex(tampered)])).toEqual([false, zero32]);
    expect(await harness.read.vrfVerify([hex(new Uint8Array(256)), hex(alpha), hex(new Uint8Array(128))])).toEqual([
      false,
      zero32,
    ]);
    expect(await harness.read.vrfVerify([hex(publicKey), hex(alpha), hex(proof.subarray(0, 96))])).toEqual([
      false,
      zero32,
    ]);
  });
});

describe("X25519 in Solidity (differential)", () => {
  it("equals node:crypto on random scalars and points, including non-canonical u", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (k, peerSk) => {
          const u = x25519Group.publicKey(peerSk);
          const expected = nodeX25519(k, u);
          expect(await harness.read.x25519([hex(k), hex(u)])).toBe(hex(expected));
        },
      ),
      { numRuns: 8 },
    );
    // RFC 7748 §5.2 test vector 1 (u has its top bit set: must be masked).
    const k = hexToBytes("0xa546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
    const u = hexToBytes("0xe6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
    expect(await harness.read.x25519([hex(k), hex(u)])).toBe(
      "0xc3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    );
  });

  it("recomputes the Sphinx replay tag of every hop exactly as the relays see it", async () => {
    const sessionKey = new Uint8Array(randomBytes(32));
    const mixKeys = Array.from({ length: 5 }, () => x25519Group.publicKey(x25519Group.randomSecretKey()));
    const tags = loopTags(sessionKey, mixKeys);
    const keys = mixKeys.map(hex) as [Hex, Hex, Hex, Hex, Hex];
    for (const hop of [0, 2, 4])
      expect(await harness.read.hopTag([hex(sessionKey), keys, BigInt(hop)])).toBe(hex(tags[hop]!));
  });
});
