/**
 * Regression (issue 10, finding 4): issuance must not race the buyer's
 * deposit. The buyer asks right after its own receipt; the issuer reads the
 * deposit at its own head minus its confirmation depth, through its own node,
 * which may be behind (another RPC node, a loaded machine). The issuer now
 * waits, bounded, for the deposit to reach its depth and otherwise refuses
 * with `unconfirmed-deposit`, saying how deep it is.
 *
 * The lag is real, not a mock of the chain: the issuer's client talks to the
 * same Hardhat chain through a transport that reports a block only once it
 * has been seen for LAG_MS, as a node that imports blocks late would. Before
 * the fix, the first purchase was refused `unknown-deposit`.
 *
 * The whole run also goes under CPU contention: two worker threads spin for
 * the test's duration, so the buyer, the issuer and the chain share the
 * machine's cores with busy work.
 */
import { describe, it, expect, afterAll } from "vitest";
import { Worker } from "node:worker_threads";
import { createPublicClient, custom, type EIP1193RequestFn } from "viem";
import { hardhat } from "viem/chains";
import { schemeEnv } from "./env.js";
import { readIssuer } from "../../../src/schemes/tickets/bank.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { Issuer } from "../../../src/schemes/tickets/issuer.js";
import { IssuanceRefusedError } from "../../../src/schemes/tickets/errors.js";
import { openDatabase } from "../../../src/store/db.js";
import type { ChainClients } from "../../../src/chain/types.js";

const LAG_MS = 400;
const s = await schemeEnv();
const spinners = Array.from({ length: 2 }, () => new Worker("for (;;) {}", { eval: true }));
afterAll(async () => {
  await Promise.all(spinners.map((w) => w.terminate()));
});

/** A view of the chain whose head trails the real one: a block counts once seen for `lagMs`. */
function laggingClient(lagMs: number) {
  const firstSeen = new Map<bigint, number>();
  const request = (async ({ method, params }: { method: string; params?: unknown }) => {
    const result = await s.conn.provider.request({ method, params: params as unknown[] });
    if (method !== "eth_blockNumber") return result;
    const real = BigInt(result as string);
    const now = Date.now();
    if (!firstSeen.has(real)) firstSeen.set(real, now);
    let visible = real;
    while (visible > 0n && now - (firstSeen.get(visible) ?? 0) < lagMs) visible--;
    return `0x${visible.toString(16)}`;
  }) as EIP1193RequestFn;
  return createPublicClient({ chain: hardhat, transport: custom({ request }), pollingInterval: 50 });
}

describe("issuance waits for the issuer's confirmation depth", () => {
  it("signs deposits its lagging node has not seen yet when asked, under CPU contention", async () => {
    const issuerChain: ChainClients = {
      ...s.issuerChain,
      publicClient: laggingClient(LAG_MS) as unknown as ChainClients["publicClient"],
    };
    const issuer = new Issuer({
      chain: issuerChain,
      db: openDatabase(":memory:"),
      log: s.log,
      bls: s.bls,
      secretKey: s.key.secretKey,
    });
    const relay = s.wallets[3]!.account.address;
    for (const buyer of [2, 5, 2, 5]) {
      const c = s.participant(buyer);
      const info = await readIssuer(c.chain, s.wallets[1]!.account.address);
      const r = await buyTokens(c.chain, c.db, s.bls, {
        epoch: 0n,
        relays: [relay],
        perRelay: 3,
        issuer: info,
        issue: (req) => issuer.issue(req),
      });
      expect(r.tokens).toBe(3);
    }
  });

  it("refuses a deposit that stays below its depth with unconfirmed-deposit, after a bounded wait", async () => {
    // Depth 3 on an automining chain with no other traffic: the deposit never gets there.
    const issuer = new Issuer({
      chain: s.issuerChain,
      db: openDatabase(":memory:"),
      log: s.log,
      bls: s.bls,
      secretKey: s.key.secretKey,
      confirmations: 3,
      confirmationWaitMs: 1_000,
    });
    const c = s.participant(2);
    const info = await readIssuer(c.chain, s.wallets[1]!.account.address);
    const attempt = buyTokens(c.chain, c.db, s.bls, {
      epoch: 0n,
      relays: [s.wallets[3]!.account.address],
      perRelay: 1,
      issuer: info,
      issue: (req) => issuer.issue(req),
    });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IssuanceRefusedError);
    expect((error as IssuanceRefusedError).reason).toBe("unconfirmed-deposit");
    expect((error as IssuanceRefusedError).message).toMatch(/1 of 3 confirmations/);
  });
});
