/**
 * A fresh local chain with the common contracts and one scheme's module
 * deployed (one-hour epochs), and the deployer's clients on it: where the
 * attack scenarios and the scale probe each start.
 */
import { join } from "node:path";
import { connectChain } from "../../chain/client.js";
import { deployObol } from "../../chain/deploy.js";
import { devAccounts, startLocalChain, type LocalChain } from "../../chain/node.js";
import type { ChainClients } from "../../chain/types.js";
import type { Logger } from "../../log.js";
import type { SchemeDevnet } from "../../schemes/devnet.js";

/**
 * Starts the chain and deploys; the chain is stopped again when deploying fails.
 *
 * @param timeoutMs the deployer's RPC deadline
 * @returns the chain (the caller stops it) and the deployer's clients
 */
export async function deployOnFreshChain(
  devnet: SchemeDevnet,
  { dataDir, log, signal, timeoutMs }: { dataDir: string; log: Logger; signal: AbortSignal; timeoutMs: number },
): Promise<{ chain: LocalChain; deployer: ChainClients }> {
  const chain = await startLocalChain({ port: 0, signal });
  try {
    const deployment = await deployObol({
      rpcUrl: chain.rpcUrl,
      modules: devnet.module ? [devnet.module] : [],
      parameters: { ObolCore: { epochDuration: 3_600n } },
      dataDir: join(dataDir, "deployer"),
      log,
    });
    const deployer = await connectChain({
      rpcUrl: chain.rpcUrl,
      deployment,
      account: devAccounts(1)[0]!,
      pollingIntervalMs: 20,
      timeoutMs,
    });
    return { chain, deployer };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}
