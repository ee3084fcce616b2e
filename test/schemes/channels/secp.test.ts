/**
 * The native secp256k1 path (libsecp256k1 prebuilt, src/schemes/channels/secp.ts)
 * must give exactly what noble gives: same signatures (RFC 6979, low-s), same
 * recovered signers, same challenge decisions, for random and hostile inputs.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { nativeSecp256k1, scalarBytes } from "../../../src/schemes/channels/secp.js";
import {
  compactFromRsv,
  privateKeySigner,
  publicKeyToAddress,
  recoverSigner,
} from "../../../src/schemes/channels/ticket.js";
import { challengeAnswerable, hintOf, pointAddress } from "../../../src/schemes/channels/por.js";
import { bytesToHex, hexToBytes, type Account } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import type { ChainClients } from "../../../src/chain/types.js";
import { privateKeyAccount, rememberRawKey } from "../../../src/chain/client.js";
import { chainSigner } from "../../../src/schemes/channels/signer.js";
import { keccak256, nativeKeccak } from "../../../src/platform/node/keccak.js";
import { keccak_256 } from "@noble/hashes/sha3.js";

const N = secp256k1.Point.CURVE().n;
const scalar = fc.bigInt({ min: 1n, max: N - 1n });

describe("native secp256k1 agrees with noble", () => {
  it("loads its prebuilt binary on this platform", () => {
    expect(nativeSecp256k1).not.toBeNull();
  });

  it("signs the same bytes, recovers the same signer, answers the same challenges", () => {
    fc.assert(
      fc.property(scalar, fc.uint8Array({ minLength: 32, maxLength: 32 }), scalar, scalar, (k, digest, own, ack) => {
        // own + ack ≡ 0 is the point at infinity: its own case below (pointAddress(0) is the zero address, never answerable).
        fc.pre((own + ack) % N !== 0n);
        const sk = scalarBytes(k);
        const rec = secp256k1.sign(digest, sk, { prehash: false, format: "recovered" });
        const nobleCompact = rec.slice(1, 65);
        if (rec[0]! & 1) nobleCompact[32]! |= 0x80;
        const sig = privateKeySigner(sk).signDigest(digest, null as never) as Uint8Array;
        expect(Buffer.from(sig).equals(Buffer.from(nobleCompact))).toBe(true);
        expect(recoverSigner(digest, sig)).toBe(publicKeyToAddress(secp256k1.getPublicKey(sk, false)));
        const hint = hintOf(ack);
        expect(Buffer.from(hint).equals(Buffer.from(secp256k1.Point.BASE.multiply(ack).toBytes(true)))).toBe(true);
        const challenge = pointAddress((own + ack) % N);
        expect(challenge).toBe(publicKeyToAddress(secp256k1.Point.BASE.multiply((own + ack) % N).toBytes(false)));
        expect(challengeAnswerable(own, hint, challenge)).toBe(true);
        expect(challengeAnswerable(own, hintOf(ack === 1n ? 2n : ack - 1n), challenge)).toBe(false);
      }),
      // Seeded: fast-check's bias towards bounds drew own = n − 71, ack = 71 (sum n) in one clean-clone CI run.
      { numRuns: 100, seed: 0x0b01 },
    );
  });

  it("refuses junk points and the point at infinity like noble", () => {
    const own = 12345n;
    const junk = new Uint8Array(33).fill(0xff);
    expect(challengeAnswerable(own, junk, pointAddress(own))).toBe(false);
    expect(challengeAnswerable(own, hintOf(N - own), pointAddress(1n))).toBe(false); // own·G + (−own)·G = ∞
    expect(pointAddress(0n)).toBe("0x0000000000000000000000000000000000000000");
    expect(challengeAnswerable(own, hintOf(N - own), pointAddress(0n))).toBe(false); // ∞ answers no challenge
    expect(recoverSigner(new Uint8Array(32), new Uint8Array(64))).toBeNull();
  });
});

/**
 * Issue 9, relay CPU: the relay signs one onward ticket per forwarded packet with its chain
 * account. viem's `account.sign` is noble in JavaScript (~20× libsecp256k1, the bench's
 * candidates), so the chain account's signer must sign natively, with the same bytes.
 */
describe("chainSigner signs the chain account's tickets natively", () => {
  const digest = new Uint8Array(32).fill(7);
  const key = `0x${"42".repeat(32)}` as const;
  const counted = (account: Account) => {
    let calls = 0;
    const sign = account.sign!;
    const wrapped = {
      ...account,
      sign: (p: { hash: `0x${string}` }) => {
        calls++;
        return sign(p);
      },
    } as Account;
    return { wrapped, calls: () => calls };
  };
  const clients = (account: Account) => ({ walletClient: { account } }) as unknown as ChainClients;

  it("for an account made from a raw key (connectChain's --key-file path)", async () => {
    const account = privateKeyAccount(key);
    const viemSig = compactFromRsv(hexToBytes(await account.sign!({ hash: bytesToHex(digest) })));
    const { wrapped, calls } = counted(account);
    rememberRawKey(wrapped, key); // what connectChain holds for its own account
    const signer = chainSigner(clients(wrapped));
    expect(signer.address).toBe(account.address);
    expect(Buffer.from(await signer.signDigest(digest, null as never)).equals(Buffer.from(viemSig))).toBe(true);
    expect(calls()).toBe(0);
  });

  it("for an HD account (dev networks)", async () => {
    const account = mnemonicToAccount("test test test test test test test test test test test junk", {
      addressIndex: 2,
    });
    const viemSig = compactFromRsv(hexToBytes(await account.sign({ hash: bytesToHex(digest) })));
    const { wrapped, calls } = counted(account);
    const signer = chainSigner(clients(Object.assign(wrapped, { getHdKey: account.getHdKey })));
    expect(Buffer.from(await signer.signDigest(digest, null as never)).equals(Buffer.from(viemSig))).toBe(true);
    expect(calls()).toBe(0);
  });
});

describe("native keccak-256 agrees with noble", () => {
  it("loads its prebuilt binary here and hashes every length like noble", () => {
    expect(nativeKeccak).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
        expect(Buffer.from(keccak256(data)).equals(Buffer.from(keccak_256(data)))).toBe(true);
      }),
      { numRuns: 300 },
    );
    const inner = new Uint8Array(300).fill(9).subarray(17, 250); // a view with an offset
    expect(Buffer.from(keccak256(inner)).equals(Buffer.from(keccak_256(inner)))).toBe(true);
  });
});
