/**
 * Obol on a chain it did not start: a `hardhat node` process started apart,
 * with a non-default chain id (31338), reached only through --rpc-url. The
 * operator's commands run as real processes with their key in OBOL_KEY:
 * deploy → relay (registers itself, rotates keys, serves metrics) → SIGTERM → claim.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { obolTokenAbi } from "../../src/chain/abi/ObolToken.js";
import { connectChain } from "../../src/chain/client.js";
import { readDeployment } from "../../src/chain/deployment-file.js";
import { devPrivateKey } from "../../src/chain/node.js";
import { readRelay } from "../../src/chain/registry.js";
import { sendContractTx } from "../../src/chain/tx.js";
import { scrapeRow } from "../../src/cli/watch.js";
import { Supervisor } from "../../src/sim/processes/supervisor.js";
import { lastClaim } from "../../src/store/claims.js";
import { openDatabase } from "../../src/store/db.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHAIN_ID = 31_338;
let node: ChildProcess | undefined;
const supervisor = new Supervisor();
afterAll(async () => {
  await supervisor.stopAll();
  node?.kill("SIGTERM");
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** eth_chainId over a one-off connection (node:http, no keep-alive pool shared with viem's fetch). */
async function chainId(url: string): Promise<number | null> {
  const { request } = await import("node:http");
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: "POST", agent: false, headers: { "content-type": "application/json" }, timeout: 2_000 },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += String(c)));
        res.on("end", () => {
          try {
            resolve(Number((JSON.parse(body) as { result: string }).result));
          } catch {
            resolve(null);
          }
        });
      },
    );
    req.on("error", () => resolve(null));
    req.on("timeout", () => {
      req.destroy();
      resolve(null);
    });
    req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }));
  });
}

describe("a separately started chain with a non-default chain id", () => {
  it("deploys, registers and runs a relay, and claims there, all through --rpc-url", { timeout: 600_000 }, async () => {
    const port = await freePort();
    const rpcUrl = `http://127.0.0.1:${port}`;
    node = spawn(
      process.execPath,
      [
        join(ROOT, "node_modules/.bin/hardhat"),
        "node",
        "--hostname",
        "127.0.0.1",
        "--port",
        String(port),
        "--chain-id",
        String(CHAIN_ID),
      ],
      { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
    );
    const deadline = Date.now() + 120_000;
    while ((await chainId(rpcUrl)) !== CHAIN_ID) {
      if (Date.now() > deadline || node.exitCode !== null)
        throw new Error("hardhat node did not answer with chain id 31338");
      await new Promise((r) => setTimeout(r, 500));
    }
    const dir = mkdtempSync(join(tmpdir(), "obol-other-chain-"));
    const deployDir = join(dir, "deploy");
    const relayDir = join(dir, "relay");
    const obol = (name: string, args: string[], key: `0x${string}`) =>
      supervisor.spawn({
        name,
        args: [...args, "--rpc-url", rpcUrl, "--json"],
        env: { OBOL_KEY: key },
        logFile: join(dir, `${name}.log`),
      });

    const deploy = obol("deploy", ["deploy", "--data-dir", deployDir], devPrivateKey(0));
    expect((await deploy.exited).code).toBe(0);
    const deployment = readDeployment(deployDir);
    expect(deployment.chainId).toBe(CHAIN_ID);

    const admin = await connectChain({ rpcUrl, deployment, privateKey: devPrivateKey(0) });
    const operator = await connectChain({ rpcUrl, deployment, privateKey: devPrivateKey(1) });
    await sendContractTx(
      admin,
      {
        address: deployment.contracts.ObolToken,
        abi: obolTokenAbi,
        functionName: "transfer",
        args: [operator.account, 10n ** 21n],
      },
      "fund operator",
    );

    const relay = obol(
      "relay",
      [
        "relay",
        "--role",
        "gateway",
        "--data-dir",
        relayDir,
        "--deployment-dir",
        deployDir,
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--metrics-port",
        "0",
        "--rotate-keys",
        "--stats-every",
        "0",
      ],
      devPrivateKey(1),
    );
    const summary = await relay.waitLine((l) => typeof l.multiaddr === "string", "register", 240_000);
    expect(summary.relay).toBe(operator.account);
    const record = await readRelay(operator);
    expect(record.status).toBe("active");
    expect(record.multiaddr).toBe(summary.multiaddr);
    const row = await scrapeRow({ name: "relay", url: String(summary.metrics) });
    expect(row).toMatchObject({ role: "gateway", relay: operator.account });
    const stopped = await relay.stop();
    expect(stopped.code).toBe(0);

    const claim = obol("claim", ["claim", "--data-dir", relayDir, "--deployment-dir", deployDir], devPrivateKey(1));
    expect((await claim.exited).code).toBe(0);
    expect(claim.lines.find((l) => l.paid !== undefined)).toMatchObject({
      scheme: "free",
      relay: operator.account,
      paid: "0",
    });
    const db = openDatabase(join(relayDir, "relay.sqlite"));
    expect(lastClaim(db)?.scheme).toBe("free"); // the relay's metrics will show this claim
    db.close();
  });
});
