/**
 * Scheme-level fixture: real TicketBank + ObolToken on Hardhat's in-process
 * chain, ChainClients per participant, real sqlite databases and a real
 * issuer core (called directly, or over libp2p in the network test).
 */
import { zeroAddress, type Address } from "viem";
import type { ChainClients } from "../../../src/chain/types.js";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import { Issuer } from "../../../src/schemes/tickets/issuer.js";
import { connect, g2ToEip2537, hex, MIN_STAKE, PRICE } from "./helpers.js";

export async function schemeEnv(winBits = 0) {
  const env = await connect();
  const f = await env.deploy();
  const chainId = await env.publicClient.getChainId();
  const startBlock = await env.publicClient.getBlockNumber();
  const deployment = {
    chainId,
    rpcUrl: "in-process",
    startBlock: 0n,
    contracts: { ObolToken: f.token.address, RelayRegistry: zeroAddress as Address, TicketBank: f.bank.address },
  };
  void startBlock;
  const chainOf = (i: number): ChainClients => {
    const w = env.wallets[i]!;
    return {
      publicClient: env.publicClient as unknown as ChainClients["publicClient"],
      walletClient: w as unknown as ChainClients["walletClient"],
      account: w.account.address,
      deployment,
    };
  };
  const log = silentLogger();
  const issuerChain = chainOf(1);
  const key = env.bls.keygen();
  await f.bank.write.registerIssuer([hex(g2ToEip2537(key.publicKey)), PRICE, winBits, MIN_STAKE], {
    account: env.wallets[1]!.account,
  });
  const issuerDb = openDatabase(":memory:");
  const issuer = new Issuer({ chain: issuerChain, db: issuerDb, log, bls: env.bls, secretKey: key.secretKey });
  const participant = (i: number) => ({
    chain: chainOf(i),
    db: openDatabase(":memory:"),
    log,
    libp2p: undefined as never,
  });
  return { ...env, ...f, key, issuer, issuerDb, issuerChain, chainOf, participant, log };
}
