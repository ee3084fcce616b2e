/**
 * `obol deploy`: deploys ObolCore plus any scheme modules through Hardhat
 * Ignition (DESIGN §6: the one way to deploy) against any JSON-RPC URL, and
 * records the addresses in `<dataDir>/deployment.json`.
 *
 * Ignition keeps its journal per chain in `<dataDir>/ignition/chain-<id>`
 * (Hardhat Ignition's own deployment id), so an interrupted deployment
 * resumes where it stopped, adding a module later extends the same
 * deployment, and one data dir can deploy to another network and come back
 * to the first without a second set of contracts (docs/chain.md).
 */
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  deploy,
  DeploymentResultType,
  type DeploymentParameters,
  type IgnitionModule,
} from "@nomicfoundation/ignition-core";
import {
  HardhatArtifactResolver,
  errorDeploymentResultToExceptionMessage,
} from "@nomicfoundation/hardhat-ignition/helpers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { createPublicClient, getAddress, http, isHex, type Address, type Hex } from "viem";
import CoreModule from "../../ignition/modules/Core.js";
import { InvalidInputError } from "../errors.js";
import { forComponent, silentLogger, type Logger } from "../log.js";
import { probeChain, validateRpcUrl } from "./client.js";
import { readDeployment, writeDeployment } from "./deployment-file.js";
import { ArtifactsMissingError, DeployFailedError } from "./errors.js";
import type { ContractName, Deployment } from "./types.js";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const KNOWN_CONTRACTS = new Set<string>([
  "ObolToken",
  "RelayRegistry",
  "PaymentChannels",
  "TicketBank",
  "ShopperAudit",
]);

export type DeployObolParameters = {
  rpcUrl: string;
  /** Deployer key; omit on a dev node whose accounts are unlocked (account #0 deploys). */
  privateKey?: Hex;
  /** Scheme modules deployed after ObolCore (each may `m.useModule(CoreModule)`). */
  modules?: IgnitionModule[];
  /** Ignition parameters by module id, e.g. `{ ObolCore: { epochDuration: 30n } }`. */
  parameters?: DeploymentParameters;
  /** Where `deployment.json` and the Ignition journal go. */
  dataDir: string;
  log?: Logger;
};

export type DeployObolErrorType = InvalidInputError | DeployFailedError | ArtifactsMissingError;

let hrePromise: Promise<HardhatRuntimeEnvironment> | undefined;

/** One Hardhat runtime per process, built from this project's config whatever the cwd. */
async function projectHre(): Promise<HardhatRuntimeEnvironment> {
  hrePromise ??= (async () => {
    const { createHardhatRuntimeEnvironment, importUserConfig } = await import("hardhat/hre");
    const configPath = join(PROJECT_ROOT, "hardhat.config.ts");
    const userConfig = await importUserConfig(configPath);
    return createHardhatRuntimeEnvironment(userConfig, { config: configPath }, PROJECT_ROOT);
  })();
  return hrePromise;
}

/**
 * Deploys (or resumes / extends) Obol on the chain at `rpcUrl`.
 *
 * @param parameters.rpcUrl JSON-RPC URL of any EVM chain.
 * @param parameters.privateKey deployer key (0x + 64 hex); optional on dev nodes.
 * @param parameters.modules extra Ignition modules (schemes).
 * @param parameters.parameters Ignition parameters per module id.
 * @param parameters.dataDir output directory.
 * @returns the deployment, also written to `<dataDir>/deployment.json`.
 * @throws ChainUnreachableError, DeployFailedError, ArtifactsMissingError.
 * @example
 * const chain = await startLocalChain({ port: 0 });
 * const deployment = await deployObol({ rpcUrl: chain.rpcUrl, dataDir: ".obol" });
 */
export async function deployObol({
  rpcUrl,
  privateKey,
  modules = [],
  parameters = {},
  dataDir,
  log = silentLogger(),
}: DeployObolParameters): Promise<Deployment> {
  validateRpcUrl(rpcUrl);
  if (privateKey !== undefined && (!isHex(privateKey) || privateKey.length !== 66))
    throw new InvalidInputError("privateKey", "must be 0x followed by 64 hex digits");
  if (dataDir.length === 0) throw new InvalidInputError("dataDir", "must not be empty");
  const logger = forComponent(log, "obol:deploy");
  const chainId = await probeChain(rpcUrl);
  moveUnsplitJournal(dataDir, chainId);
  const journalDir = join(dataDir, "ignition", `chain-${chainId}`);
  // This chain's own record: deployment.json itself may by now describe another chain.
  const top = tryReadDeployment(dataDir);
  const record = tryReadDeployment(journalDir) ?? (top?.chainId === chainId ? top : undefined);
  const previous = await setAsideStaleJournal({ rpcUrl, record, journalDir, logger });

  const hre = await projectHre();
  if (!(await hre.artifacts.artifactExists("RelayRegistry")))
    throw new ArtifactsMissingError(`no RelayRegistry artifact under ${hre.config.paths.artifacts}`);
  const connection = await hre.network.create({
    network: "localhost",
    override: { url: rpcUrl, ...(privateKey === undefined ? {} : { accounts: [privateKey] }) },
  });
  try {
    const provider = connection.provider;
    const accounts = (await provider.request({ method: "eth_accounts" })) as string[];
    if (accounts.length === 0)
      throw new InvalidInputError("privateKey", "the node has no unlocked account", {
        hint: "pass --private-key of a funded deployer account",
      });
    const before = BigInt((await provider.request({ method: "eth_blockNumber" })) as string);
    const artifactResolver = new HardhatArtifactResolver(hre.artifacts);
    const contracts: Partial<Record<ContractName, Address>> = {};
    for (const ignitionModule of [CoreModule as IgnitionModule, ...modules]) {
      logger.info({ module: ignitionModule.id, rpcUrl }, "deploying module");
      const result = await deploy({
        provider,
        artifactResolver,
        deploymentDir: journalDir,
        ignitionModule,
        deploymentParameters: parameters,
        accounts,
      });
      if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT)
        throw new DeployFailedError(`module ${ignitionModule.id}: ${errorDeploymentResultToExceptionMessage(result)}`);
      for (const { contractName, address } of Object.values(result.contracts))
        if (KNOWN_CONTRACTS.has(contractName)) contracts[contractName as ContractName] = getAddress(address);
    }
    const startBlock = previous && previous.startBlock <= before ? previous.startBlock : before + 1n;
    const deployment: Deployment = {
      chainId,
      rpcUrl,
      startBlock,
      contracts: contracts as Deployment["contracts"],
    };
    const path = writeDeployment(dataDir, deployment);
    writeDeployment(journalDir, deployment);
    logger.info({ path, ...deployment.contracts }, "deployment written");
    return deployment;
  } finally {
    await connection.close();
  }
}

function tryReadDeployment(dataDir: string): Deployment | undefined {
  try {
    return readDeployment(dataDir);
  } catch {
    return undefined;
  }
}

/**
 * Before journals were kept per chain, `<dataDir>/ignition` was the journal
 * itself: it becomes `ignition/chain-<id>` of the chain deployment.json names
 * (of this chain when there is none yet: an interrupted first deployment).
 */
function moveUnsplitJournal(dataDir: string, chainId: number): void {
  const ignitionDir = join(dataDir, "ignition");
  if (!existsSync(join(ignitionDir, "journal.jsonl"))) return;
  const owner = tryReadDeployment(dataDir)?.chainId ?? chainId;
  const moving = `${ignitionDir}.moving-${Date.now()}`;
  renameSync(ignitionDir, moving);
  mkdirSync(ignitionDir);
  renameSync(moving, join(ignitionDir, `chain-${owner}`));
}

/**
 * A journal whose recorded registry has no code on this chain belongs to a
 * chain that is gone (a restarted dev node with the same chain id). Ignition
 * would refuse or misread it, so it is renamed (kept for inspection) and the
 * deployment starts afresh.
 *
 * @returns this chain's earlier deployment, or undefined when there is none (or it was set aside).
 */
async function setAsideStaleJournal({
  rpcUrl,
  record,
  journalDir,
  logger,
}: {
  rpcUrl: string;
  record: Deployment | undefined;
  journalDir: string;
  logger: Logger;
}): Promise<Deployment | undefined> {
  // No record yet: an interrupted first deployment, which Ignition resumes.
  if (!existsSync(journalDir) || record === undefined) return record;
  const client = createPublicClient({ transport: http(rpcUrl) });
  const code = await client.getCode({ address: record.contracts.RelayRegistry });
  if (code !== undefined && code !== "0x") return record;
  const aside = `${journalDir}.stale-${Date.now()}`;
  renameSync(journalDir, aside);
  logger.warn({ aside }, "previous Ignition journal does not match this chain; set aside, deploying afresh");
  return undefined;
}
