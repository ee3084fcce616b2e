/**
 * Obol on a chain it did not start: a `hardhat node` process started apart,
 * with a non-default chain id (31338), reached only through --rpc-url. The
 * operator's commands run as real processes with their key in OBOL_KEY:
 * deploy → relay (registers itself, rotates keys, serves metrics) → SIGTERM → claim.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { startHardhatNode } from "../cli/keystore-harness.js";

const CHAIN_ID = 31_338;
let node: ChildProcess | undefined;
const supervisor = new Supervisor();
afterAll(async () => {
  await supervisor.stopAll();
  node?.kill("SIGTERM");
});

describe("a separately started chain with a non-default chain id", () => {
  it("deploys, registers and runs a relay, and claims there, all through --rpc-url", { timeout: 600_000 }, async () => {
    const started = await startHardhatNode(CHAIN_ID);
    node = started.child;
    const rpcUrl = started.rpcUrl;
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
