/**
 * What the chain- and client-facing commands share: connecting to the chain
 * of `<data-dir>/deployment.json`, and opening the client of a data directory.
 * Heavy modules are imported here, so `obol --help` stays fast.
 */
import type { Logger } from "../log.js";
import type { ChainClients } from "../chain/types.js";
import type { ObolClient } from "../client/client.js";
import type { CommonOptions } from "./options.js";

/**
 * Connects with `--key` (or, for read-only and free-scheme use, a throwaway key)
 * to the deployment in `<deploymentDir>/deployment.json` (default `--data-dir`).
 *
 * @throws DeploymentNotFoundError (hint: deploy first), ChainUnreachableError.
 */
export async function openChain(common: CommonOptions, deploymentDir: string = common.dataDir): Promise<ChainClients> {
  const { readDeployment } = await import("../chain/deployment-file.js");
  const { connectChain } = await import("../chain/client.js");
  const { generatePrivateKey } = await import("viem/accounts");
  const deployment = readDeployment(deploymentDir);
  return connectChain({ rpcUrl: common.rpcUrl, deployment, privateKey: common.key ?? generatePrivateKey() });
}

/**
 * Opens the client of `--data-dir` on the network of `--scheme`.
 *
 * @example
 * const client = await openClient(common, log);
 * try { await client.send(to, text); } finally { await client.stop(); }
 */
export async function openClient(common: CommonOptions, log: Logger, deploymentDir?: string): Promise<ObolClient> {
  const chain = await openChain(common, deploymentDir);
  const { loadScheme } = await import("../schemes/registry.js");
  const { obolNetwork } = await import("../client/packet.js");
  const { chainSources } = await import("../relay/chain-sources.js");
  const { ObolClient } = await import("../client/client.js");
  const network = obolNetwork(await loadScheme(common.scheme));
  const { directory, epoch } = chainSources(chain, { open: false, log });
  return ObolClient.create({ dataDir: common.dataDir, log, network, chain, directory, epoch });
}
