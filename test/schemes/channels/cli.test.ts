/**
 * `obol channels open|fund|close|list` against a Hardhat node on 127.0.0.1
 * with an Ignition deployment (ObolCore + PaymentChannels), through the
 * command's real `run` (argument parsing, deployment file, chain, output).
 */
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { startLocalChain, devPrivateKey, devAccounts, type LocalChain } from "../../../src/chain/node.js";
import { deployObol } from "../../../src/chain/deploy.js";
import { silentLogger } from "../../../src/log.js";
import { command } from "../../../src/cli/commands/channels.js";
import PaymentChannelsModule from "../../../ignition/modules/PaymentChannels.js";

let chain: LocalChain;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "obol-channels-cli-"));
  chain = await startLocalChain({ port: 0 });
  await deployObol({ rpcUrl: chain.rpcUrl, dataDir, modules: [PaymentChannelsModule] });
}, 180_000);

afterAll(async () => {
  await chain?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function obol(...argv: string[]): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const code = await command.run([...argv, "--rpc-url", chain.rpcUrl, "--data-dir", dataDir], {
    out,
    log: silentLogger(),
    signal: new AbortController().signal,
  });
  return { code, text: Buffer.concat(chunks).toString() };
}

describe("obol channels", () => {
  it("opens, funds, lists from both sides, and closes (destination at once)", async () => {
    const owner = devPrivateKey(0); // the deployer holds the token supply
    const [, relay] = devAccounts(2);
    const relayKey = devPrivateKey(1);
    const opened = JSON.parse(
      (await obol("open", "--to", relay!.address, "--amount", "5", "--key", owner, "--json")).text,
    );
    expect(opened.balance).toBe(String(5n * 10n ** 18n));
    expect(opened.epoch).toBe("1");
    const funded = JSON.parse(
      (await obol("fund", "--to", relay!.address, "--amount", "2.5", "--key", owner, "--json")).text,
    );
    expect(funded.balance).toBe(String(75n * 10n ** 17n));
    const asSource = JSON.parse((await obol("list", "--key", owner, "--json")).text);
    const asDestination = JSON.parse((await obol("list", "--key", relayKey, "--json")).text);
    expect(asSource).toHaveLength(1);
    expect(asDestination).toHaveLength(1);
    expect(asDestination[0].status).toBe("open");
    const closed = await obol("close", "--with", devAccounts(1)[0]!.address, "--key", relayKey);
    expect(closed.text).toMatch(/closed-by-destination/);
    expect((await obol("list", "--key", owner)).text).toMatch(/closed/);
  });

  it("as source, close starts the notice period and refuses to finalize early with the contract's error", async () => {
    const owner = devPrivateKey(0);
    const other = devAccounts(3)[2]!.address;
    await obol("open", "--to", other, "--amount", "1", "--key", owner);
    expect((await obol("close", "--with", other, "--key", owner)).text).toMatch(/closure-initiated/);
    await expect(obol("close", "--with", other, "--key", owner)).rejects.toThrow(
      /PaymentChannelsNoticePeriodNotElapsed/,
    );
  });

  it("rejects bad input naming it", async () => {
    const owner = devPrivateKey(0);
    await expect(obol("open", "--to", "0x1234", "--amount", "1", "--key", owner)).rejects.toThrow(
      /--to must be an 0x address/,
    );
    await expect(obol("open", "--to", devAccounts(2)[1]!.address, "--amount", "-1", "--key", owner)).rejects.toThrow(
      /--amount/,
    );
    await expect(obol("dance", "--key", owner)).rejects.toThrow(/unknown action/);
    await expect(obol("list")).rejects.toThrow(/private key is required/);
  });
});
