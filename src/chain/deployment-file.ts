/**
 * `<dataDir>/deployment.json`: where a deployment's addresses live for every
 * CLI command (format in docs/chain.md). bigint fields are decimal strings so
 * the file is plain JSON that any tool reads without precision loss.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getAddress, isAddress, type Address } from "viem";
import { InvalidInputError } from "../errors.js";
import { DeploymentFileInvalidError, DeploymentNotFoundError } from "./errors.js";
import type { ContractName, Deployment } from "./types.js";

/** Value of the file's `format` field; bump when the layout changes. */
export const DEPLOYMENT_FORMAT = "obol-deployment/1";
export const DEPLOYMENT_FILE = "deployment.json";

const CONTRACT_NAMES: readonly ContractName[] = [
  "ObolToken",
  "RelayRegistry",
  "PaymentChannels",
  "TicketBank",
  "ShopperAudit",
];

/**
 * Path of the deployment file in a data directory.
 *
 * @param dataDir the data directory.
 * @returns `<dataDir>/deployment.json`.
 */
export function deploymentPath(dataDir: string): string {
  if (dataDir.length === 0) throw new InvalidInputError("dataDir", "must not be empty");
  return join(dataDir, DEPLOYMENT_FILE);
}

/**
 * Writes `<dataDir>/deployment.json` atomically (temp file + rename).
 *
 * @param dataDir directory to write into (created if missing).
 * @param deployment what to record.
 * @returns the path written.
 * @example
 * writeDeployment("./.obol", deployment);
 */
export function writeDeployment(dataDir: string, deployment: Deployment): string {
  const path = deploymentPath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const file = {
    format: DEPLOYMENT_FORMAT,
    chainId: deployment.chainId,
    rpcUrl: deployment.rpcUrl,
    startBlock: deployment.startBlock.toString(),
    contracts: deployment.contracts,
  };
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(temp, path);
  return path;
}

/**
 * Reads and validates `<dataDir>/deployment.json`.
 *
 * @param dataDir the data directory given to `obol deploy` / `npm start`.
 * @returns the deployment (addresses checksummed, startBlock a bigint).
 * @throws DeploymentNotFoundError when the file is missing (hint: deploy first).
 * @throws DeploymentFileInvalidError when it is not a valid deployment.
 * @example
 * const deployment = readDeployment("./.obol");
 */
export function readDeployment(dataDir: string): Deployment {
  const path = deploymentPath(dataDir);
  if (!existsSync(path)) throw new DeploymentNotFoundError(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new DeploymentFileInvalidError(path, "not JSON", { cause });
  }
  const invalid = (problem: string) => new DeploymentFileInvalidError(path, problem);
  if (typeof raw !== "object" || raw === null) throw invalid("not an object");
  const f = raw as Record<string, unknown>;
  if (f.format !== DEPLOYMENT_FORMAT) throw invalid(`format must be "${DEPLOYMENT_FORMAT}", got ${String(f.format)}`);
  if (typeof f.chainId !== "number" || !Number.isSafeInteger(f.chainId) || f.chainId <= 0)
    throw invalid("chainId must be a positive integer");
  if (typeof f.rpcUrl !== "string") throw invalid("rpcUrl must be a string");
  if (typeof f.startBlock !== "string" || !/^\d+$/.test(f.startBlock))
    throw invalid("startBlock must be a decimal string");
  if (typeof f.contracts !== "object" || f.contracts === null) throw invalid("contracts must be an object");
  const contracts: Partial<Record<ContractName, Address>> = {};
  for (const [name, address] of Object.entries(f.contracts)) {
    if (!(CONTRACT_NAMES as readonly string[]).includes(name)) throw invalid(`unknown contract ${name}`);
    if (typeof address !== "string" || !isAddress(address, { strict: false }))
      throw invalid(`contracts.${name} is not an address`);
    contracts[name as ContractName] = getAddress(address);
  }
  if (!contracts.ObolToken || !contracts.RelayRegistry)
    throw invalid("contracts must name ObolToken and RelayRegistry");
  return {
    chainId: f.chainId,
    rpcUrl: f.rpcUrl,
    startBlock: BigInt(f.startBlock),
    contracts: contracts as Deployment["contracts"],
  };
}
