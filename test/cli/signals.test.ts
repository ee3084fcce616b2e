/**
 * Issue 17 item 8: `npx obol chain` started through npm, then npm killed
 * (SIGKILL: it cannot pass anything on; SIGTERM: it passes it to its `sh -c`
 * only). The command must notice and stop its Hardhat node: no orphan keeps
 * the port. Checked by the node's RPC no longer answering.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, until } from "./harness.js";

async function answers(rpcUrl: string): Promise<boolean> {
  try {
    const r = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    return typeof ((await r.json()) as { result?: unknown }).result === "string";
  } catch {
    return false;
  }
}

async function chainUnderNpm(signal: NodeJS.Signals): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "obol-signals-"));
  const npm = spawn("npx", ["--offline", "obol", "chain", "--port", "0", "--json", "--data-dir", dir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  npm.stdout.on("data", (d) => (out += String(d)));
  try {
    const rpcUrl = await until(
      "the chain prints its URL",
      async () => /"rpcUrl":"([^"]+)"/.exec(out)?.[1],
      120_000,
      200,
    );
    expect(await answers(rpcUrl)).toBe(true);
    npm.kill(signal);
    await until(
      `the Hardhat node stops after npm got ${signal}`,
      async () => ((await answers(rpcUrl)) ? undefined : true),
      60_000,
      500,
    );
  } finally {
    npm.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("signals reach the process that owns the work", () => {
  it("killing npm (SIGKILL) stops the chain's Hardhat node", () => chainUnderNpm("SIGKILL"), 240_000);
  it("SIGTERM to npm stops the chain's Hardhat node", () => chainUnderNpm("SIGTERM"), 240_000);
});
