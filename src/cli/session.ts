/**
 * What the chain- and client-facing commands share: connecting to the chain
 * of `<data-dir>/deployment.json`, and opening the client of a data directory.
 * Heavy modules are imported here, so `obol --help` stays fast.
 */
import type { Logger } from "../log.js";
import type { ChainClients, DirectorySnapshot } from "../chain/types.js";
import type { ObolClient } from "../client/client.js";
import type { CommonOptions } from "./options.js";
import { CliStateError } from "./errors.js";

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
 * Opens the client of `--data-dir` on the network of the deployment's scheme
 * (or `--scheme`, see `schemeOf`).
 *
 * @example
 * const client = await openClient(common, log, "send");
 * try { await client.send(to, text); } finally { await client.stop(); }
 */
export async function openClient(
  common: CommonOptions,
  log: Logger,
  { command, pays, deploymentDir }: { command: string; pays: boolean; deploymentDir?: string | undefined },
): Promise<ObolClient> {
  const chain = await openChain(common, deploymentDir);
  const { loadScheme } = await import("../schemes/registry.js");
  const { obolNetwork } = await import("../client/packet.js");
  const { chainSources } = await import("../relay/chain-sources.js");
  const { ObolClient } = await import("../client/client.js");
  const { schemeOf } = await import("./scheme.js");
  const scheme = schemeOf(common, chain.deployment, command);
  if (pays && scheme !== "free" && !common.key)
    throw new CliStateError(`Sending under ${scheme} pays from your own account, and no key was given`, {
      hint: "pass --key-file <your key> (the account that opened your channel or bought your tokens)",
    });
  const network = obolNetwork(await loadScheme(scheme));
  const sources = chainSources(chain, { open: false, log });
  const canOpen = common.key !== undefined && (await chain.publicClient.getBalance({ address: chain.account })) > 0n;
  const directory = () => openDirectory(chain, async () => sources.directory(), { canOpen });
  return ObolClient.create({ dataDir: common.dataDir, log, network, chain, directory, epoch: sources.epoch });
}

/** The CLI's wait for an epoch to open (`openDirectory` of the chain), naming the commands that help. */
export async function openDirectory(
  chain: ChainClients,
  read: () => Promise<DirectorySnapshot>,
  { canOpen }: { canOpen: boolean },
): Promise<DirectorySnapshot> {
  const chainOpen = await import("../chain/open-directory.js");
  return chainOpen.openDirectory(chain, read, {
    canOpen,
    hint: "start the relays (`obol relay`), or open it yourself: `obol status --open-epoch --key-file <key with ETH>`",
  });
}
