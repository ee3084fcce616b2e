/**
 * `npm run web`: starts (or joins, with `rpcUrl`) a local chain, deploys,
 * registers and runs relays as `obol devnet` does (`startNetwork`, gateways on
 * WebSockets so browsers can reach them), builds the web app and serves it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
};

export type RunningWeb = { url: string; net: RunningNetwork; stop(): Promise<void> };

/**
 * Starts the network and the web server; on failure everything started is stopped.
 *
 * @example
 * const web = await startWeb({ log, signal });
 * console.log(web.url);
 */
export async function startWeb({ rpcUrl, host, port, log, signal, onStep = () => {} }: StartWebParameters): Promise<RunningWeb> {
  const dataDir = mkdtempSync(join(tmpdir(), "obol-web-net-"));
  onStep("building the web app with Vite");
  const outDir = await buildApp();
  const net = await startNetwork({ scheme: "free", dataDir, clients: 0, webSocketGateways: true, log, signal, onStep, ...(rpcUrl ? { rpcUrl } : {}) });
  try {
    const { deployment } = net;
    const config: WebConfig = {
      deployment: { chainId: deployment.chainId, rpcUrl: deployment.rpcUrl, startBlock: deployment.startBlock.toString(), contracts: deployment.contracts },
      rpcPath: "/rpc",
      scheme: "free",
    };
    onStep("serving the web app");
    const { server, url } = await serveApp({ outDir, config, rpcUrl: net.chain.rpcUrl, ...(host ? { host } : {}), ...(port !== undefined ? { port } : {}) });
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
