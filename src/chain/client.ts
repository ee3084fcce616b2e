/**
 * Connected chain access: viem public + wallet clients bound to one deployment,
 * checked against the chain before anyone relies on them.
 */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  isHex,
  type Account,
  type Chain,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { InvalidInputError } from "../errors.js";
import { ChainUnreachableError, DeploymentMismatchError } from "./errors.js";
import type { ChainClients, Deployment } from "./types.js";

/** Who signs: a raw key or any viem account (e.g. `devAccounts(n)[i]`). */
export type ChainSigner = { privateKey: Hex; account?: never } | { account: Account; privateKey?: never };

export type ConnectChainParameters = ChainSigner & {
  rpcUrl: string;
  deployment: Deployment;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  /** How often receipts and blocks are polled. Default 250 ms (local chains mine at once). */
  pollingIntervalMs?: number;
};

export type ConnectChainErrorType = ChainUnreachableError | DeploymentMismatchError | InvalidInputError;

/**
 * Connects to a chain and checks that it is the one `deployment` describes:
 * same chain id and code at every recorded contract address.
 *
 * @param parameters.rpcUrl JSON-RPC URL.
 * @param parameters.deployment what `readDeployment(dataDir)` returned.
 * @param parameters.privateKey | parameters.account the signer.
 * @returns clients, the signer's address and the deployment.
 * @throws ChainUnreachableError when the chain does not answer.
 * @throws DeploymentMismatchError when chain id or contract code differ.
 * @example
 * const chain = await connectChain({ rpcUrl, deployment: readDeployment(dir), account: devAccounts(1)[0] });
 */
export async function connectChain(parameters: ConnectChainParameters): Promise<ChainClients> {
  const { rpcUrl, deployment, timeoutMs = 10_000, pollingIntervalMs = 250 } = parameters;
  const account = signerAccount(parameters);
  const chainId = await probeChain(rpcUrl, { timeoutMs });
  if (chainId !== deployment.chainId)
    throw new DeploymentMismatchError(`Chain id ${chainId} differs from the deployment's ${deployment.chainId}`, {
      details: rpcUrl,
    });
  const chain = obolChain(chainId, rpcUrl);
  const transport = http(rpcUrl, { timeout: timeoutMs });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: pollingIntervalMs });
  for (const [name, address] of Object.entries(deployment.contracts)) {
    const code = await publicClient.getCode({ address });
    if (code === undefined || code === "0x")
      throw new DeploymentMismatchError(`No contract code for ${name} at ${address} on chain ${chainId}`, {
        details: rpcUrl,
      });
  }
  const walletClient = createWalletClient({ account, chain, transport, pollingInterval: pollingIntervalMs });
  return { publicClient, walletClient, account: account.address, deployment };
}

/**
 * Asks the endpoint for its chain id.
 *
 * @param rpcUrl JSON-RPC URL (http or https).
 * @param options.timeoutMs request timeout; default 10 s.
 * @returns the chain id.
 * @throws ChainUnreachableError when there is no valid answer in time.
 * @example
 * const chainId = await probeChain("http://127.0.0.1:8545");
 */
export async function probeChain(rpcUrl: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<number> {
  validateRpcUrl(rpcUrl);
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 0 }) });
  try {
    return await client.getChainId();
  } catch (cause) {
    throw new ChainUnreachableError(rpcUrl, { cause, details: (cause as Error).message.split("\n")[0] });
  }
}

/**
 * A viem chain description for any Obol chain (ETH-denominated, one RPC URL).
 *
 * @param chainId the chain id.
 * @param rpcUrl its JSON-RPC URL.
 * @returns a viem `Chain`.
 */
export function obolChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? "Hardhat" : `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

function signerAccount(parameters: ChainSigner): Account {
  if (parameters.account !== undefined) return parameters.account;
  return privateKeyAccount(parameters.privateKey);
}

/**
 * Raw keys of the accounts made by `privateKeyAccount`. viem keeps an account's key in a
 * closure and signs in JavaScript; a signer that signs a raw digest per packet (channels
 * tickets, issue 9) looks the key up here to sign with libsecp256k1 (same bytes, ~20× faster).
 */
const rawKeys = new WeakMap<Account, Hex>();

/** Records `key` as the raw key of `account` (for `rawKeyOf`). */
export function rememberRawKey(account: Account, key: Hex): void {
  rawKeys.set(account, key);
}

/** The raw key of an account made by `privateKeyAccount` (or remembered), else undefined. */
export function rawKeyOf(account: Account): Hex | undefined {
  return rawKeys.get(account);
}

/**
 * A viem local account for a raw key, whose key `rawKeyOf` can return.
 *
 * @throws InvalidInputError when `key` is not 32 bytes of 0x-hex
 */
export function privateKeyAccount(key: Hex): Account {
  if (!isHex(key) || key.length !== 66)
    throw new InvalidInputError("privateKey", "must be 0x followed by 64 hex digits");
  const account = privateKeyToAccount(key);
  rememberRawKey(account, key);
  return account;
}

/** @internal shared with deploy.ts */
export function validateRpcUrl(rpcUrl: string): void {
  let url: URL;
  try {
    url = new URL(rpcUrl);
  } catch {
    throw new InvalidInputError("rpcUrl", `"${rpcUrl}" is not a URL`, { hint: "e.g. http://127.0.0.1:8545" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidInputError("rpcUrl", `protocol ${url.protocol} is not http(s)`, {
      hint: "e.g. http://127.0.0.1:8545",
    });
}
