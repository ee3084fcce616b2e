/**
 * Differential tests between the contract and the off-chain code:
 * 1. TicketBank's hash to G1 (SHA-256 expand_message_xmd + MODEXP + MAP_FP_TO_G1
 *    + G1ADD) equals noble's RFC 9380 hashToCurve and the mcl backend on
 *    1,000 random messages of random lengths;
 * 2. the on-chain batch check accepts exactly the batches the off-chain
 *    verifier accepts, valid and invalid alike.
 */
import { describe, it, expect } from "vitest";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bytesToHex, hexToBytes, type Address } from "viem";
import { connect, g2ToEip2537, g1ToEip2537, MIN_STAKE, PRICE, tokenMessage } from "../schemes/tickets/helpers.js";
import { TOKEN_DST } from "../../src/crypto/blind/constants.js";

const env = await connect();
const { bls } = env;
const f = await env.deploy();
const [, issuerAcc, , relayAcc, otherAcc] = env.wallets.map((w) => w.account);
const key = bls.keygen();
await f.bank.write.registerIssuer([bytesToHex(g2ToEip2537(key.publicKey)), PRICE, 0, MIN_STAKE], {
  account: issuerAcc,
});
const domain = { chainId: await env.publicClient.getChainId(), bank: f.bank.address, issuer: issuerAcc!.address };

function fromEip(point: Uint8Array) {
  const x = BigInt(bytesToHex(point.subarray(16, 64)));
  const y = BigInt(bytesToHex(point.subarray(80, 128)));
  return bls12_381.G1.Point.fromAffine({ x, y });
}

describe("contract hash to G1 == noble == mcl", () => {
  it("agrees on 1,000 random messages", async () => {
    const messages = Array.from({ length: 1000 }, (_, i) =>
      crypto.getRandomValues(new Uint8Array(i % 7 === 0 ? 92 : (i * 37) % 200)),
    );
    expect(await f.bank.read.DST()).toBe(bytesToHex(new TextEncoder().encode(TOKEN_DST)));
    let checked = 0;
    for (let i = 0; i < messages.length; i += 100) {
      const chunk = messages.slice(i, i + 100);
      const points = await f.bank.read.hashToG1Batch([chunk.map((m) => bytesToHex(m))]);
      points.forEach((p, j) => {
        const onChain = fromEip(hexToBytes(p));
        const expected = bls12_381.G1.hashToCurve(chunk[j]!, { DST: TOKEN_DST });
        expect(onChain.equals(expected)).toBe(true);
        expect(bls.hashToG1(chunk[j]!)).toEqual(expected.toBytes(true));
        checked++;
      });
    }
    expect(checked).toBe(1000);
  });
});

type Item = { relay: Address; epoch: bigint; serial: Uint8Array; signature: Uint8Array };

describe("on-chain batch check accepts exactly what the off-chain verifier accepts", () => {
  const relay = relayAcc!.address;
  const mint = (n: number, epoch = 0n): Item[] =>
    Array.from({ length: n }, () => {
      const serial = crypto.getRandomValues(new Uint8Array(16));
      const st = bls.blind(tokenMessage(domain, relay, epoch, serial));
      return {
        relay,
        epoch,
        serial,
        signature: bls.unblind(st, bls.signBlinded(key.secretKey, st.blinded), key.publicKey),
      };
    });

  async function both(items: Item[], claimedRelay: Address, claimedEpoch: bigint) {
    const offChain = bls.verifyBatch(
      items.map((t) => ({
        message: tokenMessage(domain, claimedRelay, claimedEpoch, t.serial),
        signature: t.signature,
      })),
      key.publicKey,
    );
    const serials = new Uint8Array(16 * items.length);
    items.forEach((t, i) => {
      serials.set(t.serial, 16 * i);
    });
    const onChain = await f.bank.read.verifyBatch([
      issuerAcc!.address,
      claimedRelay,
      claimedEpoch,
      bytesToHex(serials),
      bytesToHex(g1ToEip2537(bls.aggregate(items.map((t) => t.signature)))),
    ]);
    return { offChain, onChain };
  }

  it("on valid batches, forged members, foreign relay or epoch, swapped and cancelling signatures", async () => {
    const cases: { name: string; items: Item[]; relay?: Address; epoch?: bigint; expect: boolean }[] = [];
    for (const n of [1, 2, 7, 16]) cases.push({ name: `valid ${n}`, items: mint(n), expect: true });
    const v = mint(6);
    cases.push({
      name: "one forged (H(m) as σ)",
      items: v.map((t, i) =>
        i === 2 ? { ...t, signature: bls.hashToG1(tokenMessage(domain, relay, 0n, t.serial)) } : t,
      ),
      expect: false,
    });
    const otherSk = bls.keygen().secretKey;
    const foreignSig = (t: Item) =>
      bls12_381.shortSignatures
        .sign(bls12_381.shortSignatures.hash(tokenMessage(domain, relay, 0n, t.serial), TOKEN_DST), otherSk)
        .toBytes(true);
    cases.push({
      name: "one signed by another key",
      items: v.map((t, i) => (i === 4 ? { ...t, signature: foreignSig(t) } : t)),
      expect: false,
    });
    cases.push({ name: "claimed by another relay", items: v, relay: otherAcc!.address, expect: false });
    cases.push({ name: "claimed for another epoch", items: v, epoch: 1n, expect: false });
    cases.push({
      name: "serial of one token replaced",
      items: v.map((t, i) => (i === 1 ? { ...t, serial: crypto.getRandomValues(new Uint8Array(16)) } : t)),
      expect: false,
    });
    // Same-key aggregation: σ1 + δ and σ2 − δ verify together (both sides agree; docs/tickets.md).
    const [a, b] = mint(2);
    const delta = bls12_381.G1.Point.BASE.multiply(12345n);
    const pa = bls12_381.G1.Point.fromBytes(a!.signature).add(delta).toBytes(true);
    const pb = bls12_381.G1.Point.fromBytes(b!.signature).subtract(delta).toBytes(true);
    cases.push({
      name: "cancelling pair (set valid)",
      items: [
        { ...a!, signature: pa },
        { ...b!, signature: pb },
      ],
      expect: true,
    });
    cases.push({ name: "half of a cancelling pair", items: [{ ...a!, signature: pa }], expect: false });
    for (const c of cases) {
      const r = await both(c.items, c.relay ?? relay, c.epoch ?? 0n);
      expect({ name: c.name, ...r }).toEqual({ name: c.name, offChain: c.expect, onChain: c.expect });
    }
  });
});
