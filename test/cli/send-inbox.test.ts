/**
 * `obol inbox --address`, `obol send`, `obol inbox`, `obol inbox --reply` as
 * real child processes against a real network (local chain, 2 gateways +
 * 3 mixes on loopback, started in this process).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { silentLogger } from "../../src/log.js";
import { devPrivateKey } from "../../src/chain/node.js";
import { startNetwork, type RunningNetwork } from "../../src/sim/network.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");
let net: RunningNetwork;
let dir: string;

function obol(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, join(ROOT, "src/cli/main.ts"), ...args, "--rpc-url", net.chain.rpcUrl],
      { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function inboxUntil(dataDir: string, pattern: RegExp): Promise<string> {
  let seen = "";
  for (let i = 0; i < 10; i++) {
    const r = await obol(["inbox", "--data-dir", dataDir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    seen += r.stdout;
    if (pattern.test(seen)) return seen;
  }
  throw new Error(`inbox never matched ${pattern}: ${seen}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "obol-cli-net-"));
  net = await startNetwork({
    scheme: "free",
    dataDir: join(dir, "net"),
    mixesPerLayer: 1,
    clients: 0,
    relayLoopPerS: 0,
    log: silentLogger(),
    signal: new AbortController().signal,
  });
  for (const who of ["alice", "bob"]) {
    mkdirSync(join(dir, who));
    copyFileSync(join(dir, "net/deployer/deployment.json"), join(dir, who, "deployment.json"));
  }
}, 120_000);

afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("obol send / inbox / status on a live network", () => {
  it("status lists the epoch and the 5 relays by layer", async () => {
    const r = await obol(["status", "--data-dir", join(dir, "alice"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(Number(status.epoch)).toBeGreaterThan(0);
    expect(status.relays).toHaveLength(5);
    expect(status.relays.map((x: { layer: number }) => x.layer).sort()).toEqual([0, 0, 1, 2, 3]);
    const human = await obol(["status", "--data-dir", join(dir, "alice")]);
    expect(human.stdout).toMatch(/5 relays listed/);
  }, 60_000);

  it("claim runs the relay's settlement and prints paid, gas and balance (free: nothing owed)", async () => {
    const gatewayDir = join(dir, "net", "gateway-0");
    copyFileSync(join(dir, "net/deployer/deployment.json"), join(gatewayDir, "deployment.json"));
    const r = await obol(["claim", "--scheme", "free", "--key", devPrivateKey(1), "--data-dir", gatewayDir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const claim = JSON.parse(r.stdout);
    expect(claim).toMatchObject({
      scheme: "free",
      relay: net.relays[0]!.address,
      paid: "0",
      gasUsed: "0",
      transactions: [],
    });
    expect(BigInt(claim.balance)).toBeGreaterThanOrEqual(0n);
    const noKey = await obol(["claim", "--scheme", "free", "--data-dir", gatewayDir]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/a private key is required/);
  }, 60_000);

  it("Bob prints his address, Alice sends, Bob reads and replies through the SURB, Alice reads the reply", async () => {
    const bob = join(dir, "bob");
    const alice = join(dir, "alice");
    const address = await obol(["inbox", "--address", "--data-dir", bob]);
    expect(address.code, address.stderr).toBe(0);
    const bobAddress = address.stdout.trim();
    expect(bobAddress).toMatch(/^obol1[a-z2-7]{143}$/);

    const sent = await obol(["send", bobAddress, "hello from the CLI", "--data-dir", alice]);
    expect(sent.code, sent.stderr).toBe(0);
    const id = /^sent ([0-9a-f]{32}) via gateway 0x/.exec(sent.stdout)?.[1];
    expect(id).toBeDefined();

    const inbox = await inboxUntil(bob, /hello from the CLI/);
    const message = inbox
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((m) => m.kind === "message");
    expect(message).toMatchObject({ id, text: "hello from the CLI", canReply: true });

    const replied = await obol(["inbox", "--reply", id!.slice(0, 10), "hello back", "--data-dir", bob]);
    expect(replied.code, replied.stderr).toBe(0);
    const again = await obol(["inbox", "--reply", id!.slice(0, 10), "twice?", "--data-dir", bob]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already answered|carried no SURB/);

    const replies = await inboxUntil(alice, /hello back/);
    expect(
      replies
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toContainEqual(expect.objectContaining({ kind: "reply", id, text: "hello back" }));
  }, 180_000);
});
