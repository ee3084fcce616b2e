/**
 * The issuer protocol `/obol/issue/1` over real libp2p nodes: a purchase
 * end to end, and refusals carried back over the wire.
 */
import { describe, it, expect, afterAll } from "vitest";
import { getAddress } from "viem";
import { schemeEnv } from "./env.js";
import { createObolNode } from "../../../src/net/node.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { readIssuer } from "../../../src/schemes/tickets/bank.js";
import { requestIssuance, serveIssuer } from "../../../src/schemes/tickets/issuer.js";
import { IssuanceRefusedError } from "../../../src/schemes/tickets/errors.js";
import { TokenWallet } from "../../../src/schemes/tickets/wallet.js";

const s = await schemeEnv();
const server = await createObolNode();
const client = await createObolNode({ listen: [] });
const stop = await serveIssuer(server, s.issuer, s.log);
afterAll(async () => {
  await stop();
  await client.stop();
  await server.stop();
});

describe("/obol/issue/1 over libp2p", () => {
  it("buys tokens through the network and refuses a second issuance for the same deposit", async () => {
    const c = s.participant(2);
    const issuer = await readIssuer(c.chain, s.wallets[1]!.account.address);
    const relay = getAddress(s.wallets[3]!.account.address);
    const requests: Parameters<typeof requestIssuance>[2][] = [];
    const peer = server.getMultiaddrs()[0]!;
    const r = await buyTokens(c.chain, c.db, s.bls, {
      epoch: 0n,
      relays: [relay],
      perRelay: 5,
      issuer,
      issue: (req) => {
        requests.push(req);
        return requestIssuance(client, peer, req);
      },
    });
    expect(r.tokens).toBe(5);
    expect(new TokenWallet(c.db).summary()).toEqual([{ relay, epoch: 0n, unspent: 5, spent: 0 }]);
    const again = await requestIssuance(client, peer, requests[0]!).then(
      () => null,
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(IssuanceRefusedError);
    expect((again as IssuanceRefusedError).reason).toBe("already-signed");
  });

  it("answers malformed requests with a refusal, not a crash", async () => {
    const peer = server.getMultiaddrs()[0]!;
    const bad = await requestIssuance(client, peer, {
      depositId: 1n,
      blinded: [new Uint8Array(3)],
      signature: "0x00",
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(bad).toBeInstanceOf(IssuanceRefusedError);
    const stream = await client.dialProtocol(peer, "/obol/issue/1");
    stream.send(new TextEncoder().encode("{not json"));
    await stream.close();
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream) chunks.push(chunk instanceof Uint8Array ? chunk : chunk.subarray());
    expect(JSON.parse(Buffer.concat(chunks).toString())).toMatchObject({ ok: false, reason: "malformed-request" });
  });
});
