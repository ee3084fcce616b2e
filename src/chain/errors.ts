/**
 * Errors of the chain domain (deployment, local chain, clients, contract
 * calls). `explainRevert` turns any viem error carrying a contract revert into
 * a readable message; schemes reuse it for their own contracts.
 */
import { BaseError, ContractFunctionRevertedError } from "viem";
import { ObolError, type ObolErrorOptions } from "../errors.js";

const START_CHAIN_HINT = "start a local chain with `npm start` or `obol chain`, or pass --rpc-url";

/** The JSON-RPC endpoint did not answer (or answered garbage). */
export class ChainUnreachableError extends ObolError {
  override name = "ChainUnreachableError";
  readonly rpcUrl: string;
  constructor(rpcUrl: string, options: ObolErrorOptions = {}) {
    super(`Chain at ${rpcUrl} is unreachable`, { hint: START_CHAIN_HINT, ...options });
    this.rpcUrl = rpcUrl;
  }
}

/** The deployment file names contracts that the connected chain does not hold. */
export class DeploymentMismatchError extends ObolError {
  override name = "DeploymentMismatchError";
  constructor(shortMessage: string, options: ObolErrorOptions = {}) {
    super(shortMessage, {
      hint: "the chain was restarted or is another chain: redeploy with `obol deploy` (or `npm start`), or pass the --data-dir holding this chain's deployment.json",
      ...options,
    });
  }
}

/** `<dataDir>/deployment.json` does not exist. */
export class DeploymentNotFoundError extends ObolError {
  override name = "DeploymentNotFoundError";
  readonly path: string;
  constructor(path: string) {
    super(`No deployment at ${path}`, { hint: "run `obol deploy` / `npm start` first, or pass the right --data-dir" });
    this.path = path;
  }
}

/** `<dataDir>/deployment.json` exists but is not a valid deployment file. */
export class DeploymentFileInvalidError extends ObolError {
  override name = "DeploymentFileInvalidError";
  constructor(path: string, problem: string, options: ObolErrorOptions = {}) {
    super(`Invalid deployment file ${path}: ${problem}`, {
      hint: "delete it and redeploy with `obol deploy`, or restore it from the deployer's data directory",
      ...options,
    });
  }
}

/** Ignition could not complete the deployment. */
export class DeployFailedError extends ObolError {
  override name = "DeployFailedError";
  constructor(details: string, options: ObolErrorOptions = {}) {
    super("Deployment failed", {
      details,
      hint: "check the deployer account is funded and the parameters are valid; rerunning resumes from <dataDir>/ignition",
      ...options,
    });
  }
}

/** The compiled contracts (`artifacts/`) are missing. */
export class ArtifactsMissingError extends ObolError {
  override name = "ArtifactsMissingError";
  constructor(details: string, options: ObolErrorOptions = {}) {
    super("Contract artifacts are missing", { details, hint: "run `npx hardhat build` first", ...options });
  }
}

/** The local Hardhat node could not bind its port. */
export class PortInUseError extends ObolError {
  override name = "PortInUseError";
  readonly port: number;
  constructor(port: number) {
    super(`Port ${port} is already in use`, {
      hint: "pass another --port, or stop the process listening on it (maybe an `obol chain` already runs: use its --rpc-url)",
    });
    this.port = port;
  }
}

/** The local Hardhat node exited or did not answer in time. */
export class ChainStartError extends ObolError {
  override name = "ChainStartError";
  constructor(shortMessage: string, options: ObolErrorOptions = {}) {
    super(shortMessage, { hint: "see the node output above; check `npx hardhat node` runs by hand", ...options });
  }
}

/** No new block / epoch arrived before the deadline. */
export class ChainTimeoutError extends ObolError {
  override name = "ChainTimeoutError";
  constructor(shortMessage: string, options: ObolErrorOptions = {}) {
    super(shortMessage, {
      hint: "is the chain producing blocks? on a Hardhat node, any transaction mines one",
      ...options,
    });
  }
}

/** A contract call reverted with a decoded custom error. */
export class ContractRevertError extends ObolError {
  override name = "ContractRevertError";
  /** Custom error name, e.g. "RelayRegistryStakeTooLow"; "Error"/"Panic" for the built-ins. */
  readonly errorName: string;
  readonly args: readonly unknown[];
  constructor(errorName: string, args: readonly unknown[], options: ObolErrorOptions = {}) {
    super(`Contract reverted: ${formatRevert(errorName, args)}`, { hint: REVERT_HINTS[errorName], ...options });
    this.errorName = errorName;
    this.args = args;
  }
}

/** What to do about the registry's reverts a user can hit; others get no hint. */
const REVERT_HINTS: Record<string, string> = {
  RelayRegistryStakeTooLow: "stake at least the registry's minStake (`obol status` shows it)",
  RelayRegistryAlreadyRegistered: "this account is registered already: use updateKeys / updateMultiaddr / addStake",
  RelayRegistryNotRegistered: "register the relay first with `obol relay`",
  RelayRegistryIsUnbonding: "the relay is leaving: withdraw after the delay, then register again",
  RelayRegistryNotUnbonding: "call unbond first",
  RelayRegistryStillLocked: "wait until the unlock time in the error, then withdraw",
  RelayRegistryEpochNotOpen: "nobody has touched the registry this epoch: call openEpoch() (relays do at each epoch)",
  RelayRegistryInvalidMultiaddr: "give a non-empty multiaddr of at most 256 bytes",
  RelayRegistryInvalidBlsKey: "give a BLS/VRF key of at most 256 bytes",
  RelayRegistryInvalidMixKey: "give the relay's 32-byte X25519 public key",
  RelayRegistryDuplicateBlsKey: "another relay holds this VRF key: generate a new key for this relay",
  RelayRegistryStakeHeld:
    "an open audit holds the stake: wait until it is finalized (anyone may call finalize), then withdraw",
  ERC20InsufficientBalance: "the account holds too few OBOL: fund it first",
  ERC20InsufficientAllowance: "approve the contract for the amount first",
  AccessControlUnauthorizedAccount: "the admin must grant this account the required role",
};

function formatRevert(errorName: string, args: readonly unknown[]): string {
  return `${errorName}(${args.map((a) => (typeof a === "bigint" ? a.toString() : JSON.stringify(a))).join(", ")})`;
}

export type RevertExplanation = {
  /** Custom error name, or "Error" (require string) / "Panic"; undefined when the revert carried no data. */
  errorName: string | undefined;
  args: readonly unknown[];
  /** One readable line, e.g. "RelayRegistryStakeTooLow(1, 100)". */
  message: string;
};

/**
 * Finds the contract revert inside any error viem threw and explains it.
 * Needs the ABI that declares the error to have been used for the call
 * (viem decodes against it); undecodable data keeps viem's short message.
 *
 * @param error Anything caught around a viem contract call or simulation.
 * @returns The decoded revert, or undefined when the error is not a revert.
 * @example
 * try { await registerRelay(chain, params); }
 * catch (e) { const r = explainRevert(e); if (r?.errorName === "RelayRegistryStakeTooLow") … }
 */
export function explainRevert(error: unknown): RevertExplanation | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  const errorName = reverted.data?.errorName ?? (reverted.reason === undefined ? undefined : "Error");
  const args = reverted.data?.args ?? (reverted.reason === undefined ? [] : [reverted.reason]);
  const message = errorName === undefined ? reverted.shortMessage : formatRevert(errorName, args);
  return { errorName, args, message };
}

/**
 * Rethrows a viem error as `ContractRevertError` when it is a decoded revert,
 * unchanged otherwise. Use in `catch` around contract writes.
 *
 * @param error The caught error.
 * @param action What was attempted, shown as details ("register relay").
 * @returns never; always throws.
 */
export function rethrowRevert(error: unknown, action: string): never {
  const explained = explainRevert(error);
  if (explained?.errorName !== undefined)
    throw new ContractRevertError(explained.errorName, explained.args, { details: action, cause: error });
  throw error;
}
