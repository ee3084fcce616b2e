/**
 * Regression (issue 15): the issuer must read deposits at the chain's current
 * head, not at a block number viem cached for the client's polling interval.
 * A client with a 30 s polling interval caches `getBlockNumber()` for 30 s, so
 * a second deposit made right after the first issuance was read at the old
 * head and refused as `unknown-deposit` before the fix.
 */
import { describe, it, expect } from "vitest";
import { createPublicClient, custom } from "viem";
import { hardhat } from "viem/chains";
import { schemeEnv } from "./env.js";
import { readIssuer } from "../../../src/schemes/tickets/bank.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { Issuer } from "../../../src/schemes/tickets/issuer.js";
import { openDatabase } from "../../../src/store/db.js";
import type { ChainClients } from "../../../src/chain/types.js";

const s = await schemeEnv();

describe("issuer reads a fresh head", () => {
  it("signs two deposits made back to back, faster than the client's polling interval", async () => {
    const slowPublic = createPublicClient({
      chain: hardhat,
      transport: custom(s.conn.provider),
      pollingInterval: 30_000,
    });
    const issuerChain: ChainClients = {
      ...s.issuerChain,
      publicClient: slowPublic as unknown as ChainClients["publicClient"],
    };
    const issuer = new Issuer({
      chain: issuerChain,
      db: openDatabase(":memory:"),
      log: s.log,
      bls: s.bls,
      secretKey: s.key.secretKey,
    });
    const relay = s.wallets[3]!.account.address;
    for (const buyer of [2, 5]) {
      const c = s.participant(buyer);
      const info = await readIssuer(c.chain, s.wallets[1]!.account.address);
      const r = await buyTokens(c.chain, c.db, s.bls, {
        epoch: 0n,
        relays: [relay],
        perRelay: 2,
        issuer: info,
        issue: (req) => issuer.issue(req),
      });
      expect(r.tokens).toBe(2);
    }
  });
});
