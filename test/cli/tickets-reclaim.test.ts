/**
 * `obol tickets reclaim` and the tickets relay's no-token warning, as an
 * operator runs them: child processes against a real Hardhat node (`obol
 * chain`), a tickets deployment with 1-hour epochs (nothing here depends on
 * wall-clock epochs) and a running `obol issuer`. The redemption window is
 * closed by moving the node's clock (`evm_increaseTime`), as waiting 12
 * epochs would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { obol, ok, service, type Service } from "./harness.js";

let work: string;
let rpc: string[];
const running: Service[] = [];
const address: Record<string, string> = {};
const W = (p: string) => join(work, p);
const net = (dir = "net") => ["--deployment-dir", W(dir), ...rpc];

async function rpcCall(method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(rpc[1]!, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "obol-reclaim-"));
  const chain = await service(["chain", "--port", "0", "--data-dir", W("net"), "--json"], /\n/);
  running.push(chain);
  rpc = ["--rpc-url", (JSON.parse(chain.stdout().split("\n")[0]!) as { rpcUrl: string }).rpcUrl];
  await ok(["deploy", "--scheme", "tickets", "--epoch-seconds", "3600", "--data-dir", W("net"), ...rpc]);
  for (const who of ["gw", "alice", "bob"]) address[who] = (await ok(["key", "new", W(`${who}/key`)])).trim();
  await ok([
    "token",
    "transfer",
    "--to",
    Object.values(address).join(","),
    "--amount",
    "1000",
    "--eth",
    "10",
    "--key-file",
    W("net/deployer.key"),
    "--data-dir",
    W("net"),
    ...rpc,
  ]);
  running.push(
    await service(
      ["issuer", "--key-file", W("net/deployer.key"), "--win-bits", "0", "--data-dir", W("issuer"), ...net()],
      /serving \/obol\/issue\/1 on\n {2}\//,
    ),
  );
  copyFileSync(W("issuer/issuer.json"), W("alice/issuer.json"));
}, 600_000);

afterAll(async () => {
  for (const s of running.reverse()) await s.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("tickets relay: the no-token warning", () => {
  it("warns a relay with cover loops and an empty wallet once at start, and not once it holds tokens", {
    timeout: 600_000,
  }, async () => {
    const relay = ["relay", "--role", "gateway", "--key-file", W("gw/key"), "--data-dir", W("gw"), ...net()];
    const first = await service(relay, /listed from epoch \d+/);
    expect(await first.stop()).toBe(0);
    const warning =
      /^warning: this tickets relay holds no tokens for epoch (\d+) or later, so its cover loops cannot go out; buy some with `obol tickets buy --data-dir (\S+) …` each epoch, or run with --cover-rate 0 \(docs\/operator\.md §5\)$/m;
    const [, epoch, dir] = warning.exec(first.stderr()) ?? [];
    expect(first.stderr()).toMatch(warning);
    expect(dir).toBe(W("gw"));
    // The relay's own wallet (relay.sqlite, since gw holds relay.json) gets tokens for this epoch: no warning.
    copyFileSync(W("issuer/issuer.json"), W("gw/issuer.json"));
    expect(
      await ok([
        "tickets",
        "buy",
        "--relays",
        address.gw!,
        "--count",
        "2",
        "--key-file",
        W("gw/key"),
        "--data-dir",
        W("gw"),
        ...net(),
      ]),
    ).toMatch(new RegExp(`^bought 2 tokens for epoch ${epoch} `));
    const second = await service(relay, /listed from epoch \d+/);
    expect(await second.stop()).toBe(0);
    expect(second.stderr()).not.toMatch(/warning: this tickets relay holds no tokens/);
  });
});

describe("obol tickets reclaim", () => {
  it("refuses while the window is open (saying when it closes), then pays back exactly the unspent tokens, once", {
    timeout: 600_000,
  }, async () => {
    const alice = ["--key-file", W("alice/key"), "--data-dir", W("alice"), ...net()];
    const bought = await ok(["tickets", "buy", "--relays", address.gw!, "--count", "3", ...alice]);
    const epoch = /^bought 3 tokens for epoch (\d+) \(deposit \d+, paid 0\.003 OBOL\)$/m.exec(bought)?.[1];
    expect(epoch, bought).toBeDefined();

    const early = await obol(["tickets", "reclaim", ...alice]);
    expect(early.code).toBe(1);
    const open = new RegExp(
      `^error: Relays may still redeem the 3 unspent tokens of epoch ${epoch} until (\\S+Z)\\n {2}details: the redemption window closes (\\d+) s from now \\(chain time\\); tokens of later epochs wait longer\\n {2}hint: run \`obol tickets reclaim\` again after that time\\n$`,
    );
    expect(early.stderr).toMatch(open);
    const [, closesIso, inSeconds] = open.exec(early.stderr)!;
    // 1-hour epochs: the window closes redeemWindow (10) + 2 epochs after the epoch's start.
    expect(Number(inSeconds)).toBeGreaterThan(10 * 3600);

    // Close the window on the node's clock.
    const latest = (await rpcCall("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    await rpcCall("evm_increaseTime", [Date.parse(closesIso!) / 1000 - Number(BigInt(latest.timestamp)) + 1]);
    await rpcCall("evm_mine");

    const before = JSON.parse(
      await ok(["token", "balance", "--of", address.alice!, "--json", "--data-dir", W("net"), ...rpc]),
    ) as { obol: string };
    const paid = JSON.parse(await ok(["tickets", "reclaim", "--json", ...alice])) as {
      account: string;
      reclaimed: number;
      paid: string;
      alreadySpent: number;
      foreign: number;
      open: unknown[];
      transactions: string[];
    };
    expect(paid).toMatchObject({ reclaimed: 3, paid: String(3n * 10n ** 15n), alreadySpent: 0, foreign: 0, open: [] });
    expect(paid.account.toLowerCase()).toBe(address.alice!.toLowerCase());
    expect(paid.transactions).toHaveLength(1);
    const after = JSON.parse(
      await ok(["token", "balance", "--of", address.alice!, "--json", "--data-dir", W("net"), ...rpc]),
    ) as { obol: string };
    expect(BigInt(after.obol) - BigInt(before.obol)).toBe(3n * 10n ** 15n);
    expect(await ok(["tickets", "list", "--data-dir", W("alice")])).toBe(
      `epoch ${epoch}  ${address.gw}  unspent 0  spent 3\n`,
    );

    const again = await obol(["tickets", "reclaim", ...alice]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `error: The wallet ${W("alice")} holds no unspent tokens: there is nothing to reclaim\n  hint: \`obol tickets list\` shows its tokens; spent ones were paid to relays or reclaimed already\n`,
    );
  });

  it("bad paths: no key, an empty wallet, a deployment without a TicketBank, another tickets deployment", {
    timeout: 600_000,
  }, async () => {
    const noKey = await obol(["tickets", "reclaim", "--data-dir", W("bob"), ...net()]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^error: a private key is required\n/);

    const empty = await obol(["tickets", "reclaim", "--key-file", W("bob/key"), "--data-dir", W("bob"), ...net()]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(
      new RegExp(`^error: The wallet ${W("bob")} holds no unspent tokens: there is nothing to reclaim\\n`),
    );

    // Bob holds tokens of this deployment; two other deployments on the same chain cannot pay them.
    copyFileSync(W("issuer/issuer.json"), W("bob/issuer.json"));
    await ok([
      "tickets",
      "buy",
      "--relays",
      address.gw!,
      "--count",
      "1",
      "--key-file",
      W("bob/key"),
      "--data-dir",
      W("bob"),
      ...net(),
    ]);
    await ok(["deploy", "--scheme", "channels", "--epoch-seconds", "3600", "--data-dir", W("net-channels"), ...rpc]);
    const channels = await obol([
      "tickets",
      "reclaim",
      "--key-file",
      W("bob/key"),
      "--data-dir",
      W("bob"),
      ...net("net-channels"),
    ]);
    expect(channels.code).toBe(1);
    expect(channels.stderr).toBe(
      "error: This deployment has no TicketBank: tokens are reclaimed on the deployment they were bought on\n  details: the deployment holds: free, channels\n  hint: pass the --deployment-dir of the tickets deployment you bought them on\n",
    );
    await ok(["deploy", "--scheme", "tickets", "--epoch-seconds", "3600", "--data-dir", W("net-other"), ...rpc]);
    const other = await obol([
      "tickets",
      "reclaim",
      "--key-file",
      W("bob/key"),
      "--data-dir",
      W("bob"),
      ...net("net-other"),
    ]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(
      /^error: 1 unspent tokens of this wallet were not issued for this deployment \(TicketBank 0x[0-9a-fA-F]{40} on chain 31337, where their issuer 0x[0-9a-fA-F]{40} is not registered\)\n {2}hint: pass the --deployment-dir of the deployment you bought them on\n$/,
    );

    const help = await ok(["tickets", "--help"]);
    expect(help).toContain("Usage: obol tickets <buy|list|reclaim> [options]");
    expect(help).toContain("present the unspent tokens of every epoch whose redemption window has");
  });
});
