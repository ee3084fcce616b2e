/**
 * `npm run web`: starts (or joins, with `rpcUrl`) a local chain, deploys,
 * registers and runs relays as `obol devnet` does (`startNetwork`, gateways on
 * WebSockets so browsers can reach them), builds the web app and serves it.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAddress, parseEther, type Address } from "viem";
import { obolTokenAbi } from "../chain/abi/ObolToken.js";
import type { ChainClients } from "../chain/types.js";
import { sendContractTx } from "../chain/tx.js";
import { InvalidInputError } from "../errors.js";
import type { Logger } from "../log.js";
import { startNetwork, type RunningNetwork } from "../sim/network.js";
import type { WebConfig } from "./app/protocol.js";
import { buildApp, serveApp } from "./vite.js";

export type StartWebParameters = {
  /** JSON-RPC URL of a running development chain to join; a Hardhat node is started when absent. */
  rpcUrl?: string | undefined;
  host?: string;
  /** Port of the page; 0 = any free port. */
  port?: number;
  log: Logger;
  signal: AbortSignal;
  onStep?: (step: string) => void;
  /** Comparison reports for the dashboard's charts (default `./reports`). */
  reportsDir?: string;
  /** Accounting scheme of the network (default free); the page pays under it. */
  scheme?: WebConfig["scheme"];
};

/** What the devnet faucet gives a page's key: gas, and tokens for a few channel deposits. */
export const FAUCET = { eth: parseEther("1"), obol: parseEther("20") } as const;

/** The devnet faucet: the deployer (a funded Hardhat account) sends `FAUCET` to `address`, one request at a time. */
function deployerFaucet(deployer: ChainClients): (address: string) => Promise<void> {
  let queue: Promise<void> = Promise.resolve();
  return (address) => {
    if (!isAddress(address))
      return Promise.reject(new InvalidInputError("address", `not an address: ${address.slice(0, 60)}`));
    const to = address as Address;
    const give = async () => {
      const hash = await deployer.walletClient.sendTransaction({ to, value: FAUCET.eth });
      await deployer.publicClient.waitForTransactionReceipt({ hash });
      await sendContractTx(
        deployer,
        {
          address: deployer.deployment.contracts.ObolToken,
          abi: obolTokenAbi,
          functionName: "transfer",
          args: [to, FAUCET.obol],
        },
        "faucet",
      );
    };
    const run = queue.then(give);
    queue = run.catch(() => {});
    return run;
  };
}

export type RunningWeb = { url: string; net: RunningNetwork; stop(): Promise<void> };

/**
 * Starts the network and the web server; on failure everything started is stopped.
 *
 * @example
 * const web = await startWeb({ log, signal });
 * console.log(web.url);
 */
export async function startWeb({
  rpcUrl,
  host,
  port,
  log,
  signal,
  onStep = () => {},
  scheme = "free",
  reportsDir,
}: StartWebParameters): Promise<RunningWeb> {
  const dataDir = mkdtempSync(join(tmpdir(), "obol-web-net-"));
  onStep("building the web app with Vite");
  const outDir = await buildApp();
  const net = await startNetwork({
    scheme,
    dataDir,
    clients: 0,
    webSocketGateways: true,
    log,
    signal,
    onStep,
    ...(rpcUrl ? { rpcUrl } : {}),
  });
  try {
    const { deployment } = net;
    const config: WebConfig = {
      deployment: {
        chainId: deployment.chainId,
        rpcUrl: deployment.rpcUrl,
        startBlock: deployment.startBlock.toString(),
        contracts: deployment.contracts,
      },
      rpcPath: "/rpc",
      scheme,
      faucetPath: scheme === "channels" || scheme === "tickets" ? "/faucet" : undefined,
      // The devnet's issuer says where it serves, as `obol issuer` does (src/schemes/tickets/devnet.ts).
      issuer:
        scheme === "tickets"
          ? (JSON.parse(readFileSync(join(dataDir, "issuer", "issuer.json"), "utf8")) as WebConfig["issuer"])
          : undefined,
    };
    onStep("serving the web app");
    const { server, url } = await serveApp({
      outDir,
      config,
      rpcUrl: net.chain.rpcUrl,
      faucet: scheme === "channels" || scheme === "tickets" ? deployerFaucet(net.deployer) : undefined,
      ...(reportsDir ? { reportsDir } : {}),
      ...(host ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
    });
    return {
      url,
      net,
      stop: async () => {
        await server.close();
        await net.stop();
      },
    };
  } catch (error) {
    await net.stop();
    throw error;
  }
}
