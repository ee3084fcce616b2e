/**
 * `obol relay` against a real local chain: registers on first start, keeps
 * its keys in the data dir, updates its multiaddr on restart, stops on abort.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { startLocalChain, devPrivateKey } from "../../src/chain/node.js";
import { deployObol } from "../../src/chain/deploy.js";
import { connectChain } from "../../src/chain/client.js";
import { readDeployment } from "../../src/chain/deployment-file.js";
import { readRelay } from "../../src/chain/registry.js";
import { silentLogger } from "../../src/log.js";
import { command } from "../../src/cli/commands/relay.js";
import { waitFor } from "./harness.js";

let chain: Awaited<ReturnType<typeof startLocalChain>>;
const dataDir = mkdtempSync(join(tmpdir(), "obol-relay-cli-"));

beforeAll(async () => {
  chain = await startLocalChain({ port: 0 });
  await deployObol({ rpcUrl: chain.rpcUrl, dataDir });
});
afterAll(async () => {
  await chain?.stop();
});

async function runRelay(extra: string[] = []) {
  const controller = new AbortController();
  const out = new PassThrough();
  let printed = "";
  out.on("data", (d) => (printed += String(d)));
  const key = devPrivateKey(0); // the deployer holds the tokens to stake
  const done = command.run(
    [
      "--role",
      "gateway",
      "--data-dir",
      dataDir,
      "--rpc-url",
      chain.rpcUrl,
      "--key",
      key,
      "--json",
      "--cover-rate",
      "0",
      ...extra,
    ],
    { log: silentLogger(), out, signal: controller.signal },
  );
  await waitFor(() => printed.includes("\n"), 60_000);
  return {
    summary: JSON.parse(printed.trim()) as Record<string, string>,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

describe("obol relay", () => {
  it("registers on first start, reuses its keys and updates its multiaddr on restart, exits 0 on abort", async () => {
    const first = await runRelay();
    const clients = await connectChain({
      rpcUrl: chain.rpcUrl,
      privateKey: devPrivateKey(0),
      deployment: readDeployment(dataDir),
    });
    const record = await readRelay(clients);
    expect(record.status).toBe("active");
    expect(record.role).toBe("gateway");
    expect(record.multiaddr).toBe(first.summary.multiaddr);
    expect(await first.stop()).toBe(0);

    const second = await runRelay();
    expect(second.summary.mixKey).toBe(first.summary.mixKey);
    expect(second.summary.peerId).toBe(first.summary.peerId);
    expect((await readRelay(clients)).multiaddr).toBe(second.summary.multiaddr); // new port, updated
    expect(await second.stop()).toBe(0);
  });

  it("refuses a missing --role with a usage error", async () => {
    await expect(
      command.run(["--data-dir", dataDir, "--key", devPrivateKey(0)], {
        log: silentLogger(),
        out: new PassThrough(),
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow(/--role/);
  });
});
