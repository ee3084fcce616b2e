/**
 * The local development chain: Hardhat's node bound to loopback (DESIGN §6, §9),
 * and the funded accounts it ships with.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { sleep } from "../sleep.js";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import { toHex, type Hex } from "viem";
import { InvalidInputError } from "../errors.js";
import { ChainStartError, PortInUseError } from "./errors.js";

/** Hardhat's default mnemonic: its node funds the first accounts with 10,000 ETH each. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** Accounts funded by `hardhat node` (its default `accounts.count`). */
export const DEV_ACCOUNT_COUNT = 20;
/** Port of `obol chain` when none is given. */
export const DEFAULT_CHAIN_PORT = 8545;

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HARDHAT_BIN = fileURLToPath(new URL("../../node_modules/.bin/hardhat", import.meta.url));
const OUTPUT_TAIL_CHARS = 4_000;

export type StartLocalChainParameters = {
  /** TCP port on 127.0.0.1; 0 picks a free one. Default 8545. */
  port?: number;
  /** Aborting stops the wait, and stops the node once running. */
  signal?: AbortSignal;
  /** How long to wait for the first `eth_chainId` answer. Default 60 s. */
  timeoutMs?: number;
};

export type LocalChain = {
  rpcUrl: string;
  port: number;
  /** Stops the node (SIGTERM, then SIGKILL after 5 s); resolves once it exited. */
  stop(): Promise<void>;
};

export type StartLocalChainErrorType = PortInUseError | ChainStartError | InvalidInputError;

/**
 * Spawns `hardhat node --hostname 127.0.0.1 --port N` and waits until it answers
 * JSON-RPC. State lives in memory: a restarted node is a fresh chain.
 *
 * @param parameters.port TCP port (0 = any free port); default 8545.
 * @param parameters.signal aborts the start, later stops the node.
 * @param parameters.timeoutMs start deadline; default 60,000.
 * @returns the RPC URL and a `stop` function.
 * @example
 * const chain = await startLocalChain({ port: 0 });
 * try { … chain.rpcUrl … } finally { await chain.stop(); }
 */
export async function startLocalChain({
  port = DEFAULT_CHAIN_PORT,
  signal,
  timeoutMs = 60_000,
}: StartLocalChainParameters = {}): Promise<LocalChain> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidInputError("port", `${port} is not a TCP port`);
  signal?.throwIfAborted();
  const chosen = await reservePort(port);
  const rpcUrl = `http://127.0.0.1:${chosen}`;
  const child = spawn(process.execPath, [HARDHAT_BIN, "node", "--hostname", "127.0.0.1", "--port", String(chosen)], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: process.env,
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let done = false;
  // Never leave an orphaned node behind when this process exits without stop().
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => {
    done = true;
    process.off("exit", killOnExit);
  });

  const stop = async () => {
    if (done) return;
    child.kill("SIGTERM");
    const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!killed) {
      child.kill("SIGKILL");
      await exited;
    }
  };

  const deadline = Date.now() + timeoutMs;
  try {
    while (!(await answersChainId(rpcUrl))) {
      if (done) {
        if (/EADDRINUSE/.test(output)) throw new PortInUseError(chosen);
        throw new ChainStartError("Hardhat node exited before answering", { details: tail(output) });
      }
      if (signal?.aborted) throw signal.reason;
      if (Date.now() > deadline)
        throw new ChainStartError(`Hardhat node did not answer within ${timeoutMs} ms`, { details: tail(output) });
      await sleep(150);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  signal?.addEventListener("abort", () => void stop(), { once: true });
  return { rpcUrl, port: chosen, stop };
}

/**
 * The first `n` accounts funded by Hardhat's node (mnemonic "test test … junk",
 * path m/44'/60'/0'/0/i). Devnets give one to each participant.
 *
 * @param n how many, 1..20.
 * @returns viem HD accounts (local signers).
 * @example
 * const [deployer, relay0] = devAccounts(2);
 */
export function devAccounts(n: number): HDAccount[] {
  if (!Number.isInteger(n) || n < 1 || n > DEV_ACCOUNT_COUNT)
    throw new InvalidInputError("n", `must be an integer in 1..${DEV_ACCOUNT_COUNT}, got ${n}`);
  return Array.from({ length: n }, (_, addressIndex) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex }));
}

/**
 * Private key of funded dev account `index` (for `--private-key` style inputs).
 *
 * @param index 0..19.
 * @returns 0x-prefixed 32-byte key.
 */
export function devPrivateKey(index: number): Hex {
  const account = devAccounts(DEV_ACCOUNT_COUNT)[index];
  if (account === undefined) throw new InvalidInputError("index", `must be in 0..${DEV_ACCOUNT_COUNT - 1}`);
  return toHex(account.getHdKey().privateKey!);
}

async function answersChainId(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await response.json()) as { result?: unknown };
    return typeof body.result === "string";
  } catch {
    return false;
  }
}

/** Checks the port is free on 127.0.0.1 (or finds one for port 0). */
async function reservePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(port) : error),
    );
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const chosen = typeof address === "object" && address !== null ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

function tail(output: string): string {
  return output.trim().split("\n").slice(-20).join("\n");
}
