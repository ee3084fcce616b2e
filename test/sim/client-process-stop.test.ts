/**
 * A client process stopped while it is still starting (the soak stops or
 * restarts clients while an RPC outage or a loaded machine keeps them in their
 * start retries) exits cleanly: code 0, well inside the supervisor's SIGTERM
 * grace. Before, it exited with code 1 or was killed after the grace, and the
 * soak counted an unclean shutdown (issue 14, session 5: 2 of 20 clients).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { DEFAULT_RATES } from "../../src/client/loopix.js";
import type { ClientProcessConfig } from "../../src/sim/processes/client-main.js";
import { Supervisor } from "../../src/sim/processes/supervisor.js";

const CLIENT_MAIN = fileURLToPath(new URL("../../src/sim/processes/client-main.ts", import.meta.url));

it("a client stopped during its start retries exits with code 0", async () => {
  const dir = mkdtempSync(join(tmpdir(), "obol-client-stop-"));
  const config: ClientProcessConfig = {
    name: "client-0",
    dataDir: join(dir, "data"),
    deploymentDir: join(dir, "no-deployment-here"), // every start step fails and is retried
    rpcUrl: "http://127.0.0.1:9",
    scheme: "free",
    gatewayIndex: 0,
    rates: DEFAULT_RATES,
    messagesPerS: 1,
    pollMs: 1_000,
    seed: "stop",
  };
  const logFile = join(dir, "client.log");
  const supervisor = new Supervisor();
  const child = supervisor.spawn({
    name: "client-0",
    script: CLIENT_MAIN,
    args: [JSON.stringify(config)],
    logFile,
    ipc: true,
  });
  const log = () => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  await expect.poll(log, { timeout: 120_000, interval: 250 }).toContain("start step failed");
  const exit = await child.stop(60_000);
  expect({ code: exit.code, signal: exit.signal }, log()).toEqual({ code: 0, signal: null });
  expect(log()).toContain("stopped while starting");
}, 240_000);
