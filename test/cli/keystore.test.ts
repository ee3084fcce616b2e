/**
 * Operator keys from Hardhat's encrypted keystore and the chain from a named
 * network (issue 14 item 3, issue 17 item 11), as an operator runs them:
 * `npx hardhat keystore set` answers its prompts, then `obol` processes get
 * the password on stdin. A `hardhat node` with chain id 31339 is started apart
 * and reached only through `--network obolTest` (test/fixtures/keystore).
 * Hardhat never reads the keystore when CI is set, so every child runs without it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateKeyToAddress } from "viem/accounts";
import { obolTokenAbi } from "../../src/chain/abi/ObolToken.js";
import { connectChain } from "../../src/chain/client.js";
import { readDeployment } from "../../src/chain/deployment-file.js";
import { devPrivateKey } from "../../src/chain/node.js";
import { ROOT } from "./harness.js";
import { keystoreEnv, keystoreSet, PASSWORD, runProcess, startHardhatNode, type Run } from "./keystore-harness.js";

const CLI = join(ROOT, "src/cli/main.ts");
const CHAIN_ID = 31_339;
const dir = mkdtempSync(join(tmpdir(), "obol-keystore-"));
let rpcUrl = "";
let node: ChildProcess | undefined;

const obol = (args: string[], stdin?: string) =>
  runProcess(keystoreEnv(dir, rpcUrl), ["--import", "tsx", CLI, ...args], { stdin: stdin ?? "" });

beforeAll(async () => {
  // Not waited for: the keystore is set while the node starts, and the deploy case retries while it is unreachable.
  ({ rpcUrl, child: node } = await startHardhatNode(CHAIN_ID, { wait: false }));
  const env = keystoreEnv(dir, rpcUrl);
  await keystoreSet(env, "OBOL_TEST_DEPLOYER", devPrivateKey(0));
  await keystoreSet(env, "OBOL_TEST_OPERATOR", devPrivateKey(1));
  await keystoreSet(env, "OBOL_TEST_NOT_A_KEY", "hello");
  expect(existsSync(join(dir, "config/hardhat-nodejs/keystore.json"))).toBe(true);
}, 300_000);
afterAll(() => void node?.kill("SIGTERM"));

describe("keys from the Hardhat keystore, chains from named networks", () => {
  it("--keystore-key reads the key with the password from stdin; the key is not in argv", {
    timeout: 300_000,
  }, async () => {
    const run = await obol(["key", "address", "--keystore-key", "OBOL_TEST_OPERATOR", "--json"], `${PASSWORD}\n`);
    expect(run.stderr).toContain("Enter the password");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ address: privateKeyToAddress(devPrivateKey(1)) }); // stdout holds only the result
  });

  it("--network deploys to the network's URL with its first account from the keystore", {
    timeout: 300_000,
  }, async () => {
    const deadline = Date.now() + 120_000;
    let deploy: Run;
    // The node started in beforeAll may still be starting on a loaded machine.
    do
      deploy = await obol(
        ["deploy", "--network", "obolTest", "--data-dir", join(dir, "deploy"), "--json"],
        `${PASSWORD}\n`,
      );
    while (deploy.code !== 0 && /unreachable|ECONNREFUSED|fetch failed/i.test(deploy.stderr) && Date.now() < deadline);
    expect(deploy.code, deploy.stderr).toBe(0);
    const deployment = readDeployment(join(dir, "deploy"));
    expect(deployment.chainId).toBe(CHAIN_ID);
    expect(deployment.rpcUrl).toBe(rpcUrl);
    // The deployer holds the token supply: the network's first account (the keystore's OBOL_TEST_DEPLOYER) deployed.
    const reader = await connectChain({ rpcUrl, deployment, privateKey: devPrivateKey(5) });
    const held = (address: `0x${string}`) =>
      reader.publicClient.readContract({
        address: deployment.contracts.ObolToken,
        abi: obolTokenAbi,
        functionName: "balanceOf",
        args: [address],
      });
    expect(await held(privateKeyToAddress(devPrivateKey(0)))).toBeGreaterThan(0n);
  });

  it("a wrong password is a KeystorePasswordError, and nothing runs", { timeout: 300_000 }, async () => {
    const run = await obol(["key", "address", "--keystore-key", "OBOL_TEST_OPERATOR"], "not the password\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: wrong password for the Hardhat keystore");
    expect(run.stdout).toBe("");
  });

  it("no password on stdin says so", { timeout: 300_000 }, async () => {
    const run = await obol(["key", "address", "--keystore-key", "OBOL_TEST_OPERATOR"], "");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: no password for the Hardhat keystore");
  });

  it("a key name the keystore does not hold is a KeystoreKeyMissingError naming it", { timeout: 300_000 }, async () => {
    const run = await obol(["key", "address", "--keystore-key", "OBOL_NO_SUCH_KEY"], `${PASSWORD}\n`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: no key "OBOL_NO_SUCH_KEY" in the Hardhat keystore');
    expect(run.stderr).toContain("npx hardhat keystore set OBOL_NO_SUCH_KEY");
  });

  it("a secret that is not a private key is refused", { timeout: 300_000 }, async () => {
    const run = await obol(["key", "address", "--keystore-key", "OBOL_TEST_NOT_A_KEY"], `${PASSWORD}\n`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: keystore key "OBOL_TEST_NOT_A_KEY" is not a private key');
  });

  it("an unknown network names the networks there are", { timeout: 300_000 }, async () => {
    const run = await obol(["status", "--network", "mainnet"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: no network "mainnet" in');
    expect(run.stderr).toContain("networks obol can use (type http): obolTest");
  });

  it("an in-process network, and --network beside --rpc-url, are usage errors", { timeout: 300_000 }, async () => {
    const simulated = await obol(["status", "--network", "simulated"]);
    expect(simulated.code).toBe(1);
    expect(simulated.stderr).toContain('error: network "simulated" is an in-process simulated network');
    const both = await obol(["status", "--network", "obolTest", "--rpc-url", rpcUrl]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("error: pass --network or --rpc-url, not both");
  });
});
