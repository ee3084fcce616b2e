/**
 * docs/operator.md, run exactly as written, as child processes against a
 * real Hardhat node: chain, deploy, keys, fund, (channels | issuer), relays,
 * send, reply, claim, leave — once under `channels`, once under `tickets`.
 * Every wait polls a command's output with a generous deadline, so a loaded
 * 2-core machine is only slower, never flaky.
 */
import { afterEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { obol, ok, service, until, postmortem, type Service } from "./harness.js";

const RELAYS = [
  { name: "gw", role: "gateway" },
  { name: "mix1", role: "mix" },
  { name: "mix2", role: "mix" },
  { name: "mix3", role: "mix" },
] as const;

let running: Service[] = [];
let work: string | undefined;
afterEach(async () => {
  for (const s of running.reverse()) await s.stop();
  running = [];
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
});

async function walk(scheme: "channels" | "tickets"): Promise<void> {
  work = mkdtempSync(join(tmpdir(), `obol-walk-${scheme}-`));
  const W = (p: string) => join(work!, p);
  const net = ["--deployment-dir", W("net")];

  // §1 Chain: `obol chain --port 0 --data-dir net`.
  const chain = await service(["chain", "--port", "0", "--data-dir", W("net"), "--json"], /\n/);
  running.push(chain);
  const { rpcUrl } = JSON.parse(chain.stdout().split("\n")[0]!) as { rpcUrl: string };
  const rpc = ["--rpc-url", rpcUrl];

  // §2 Deploy.
  // The default 60 s epoch, as the doc: with 30 s a loaded machine could run past a reply block's window (e + 1).
  await ok(["deploy", "--scheme", scheme, "--data-dir", W("net"), ...rpc]);

  // §3 Keys and funds: a key file per relay and for Alice; OBOL and ETH from the deployer.
  const address: Record<string, `0x${string}`> = {};
  for (const who of [...RELAYS.map((r) => r.name), "alice", "bob"])
    address[who] = (await ok(["key", "new", W(`${who}/key`)])).trim() as `0x${string}`;
  expect(statSync(W("alice/key")).mode & 0o777).toBe(0o600);
  const all = Object.values(address).join(",");
  await ok([
    "token",
    "transfer",
    "--to",
    all,
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

  // §4 tickets: the issuer.
  if (scheme === "tickets") {
    const issuer = await service(
      ["issuer", "--key-file", W("net/deployer.key"), "--win-bits", "0", "--data-dir", W("issuer"), ...net, ...rpc],
      /serving \/obol\/issue\/1 on\n {2}\//,
    );
    running.push(issuer);
  }

  // §5 Relays.
  for (const r of RELAYS) {
    const extra = scheme === "tickets" ? ["--cover-rate", "0"] : [];
    running.push(
      await service(
        [
          "relay",
          "--role",
          r.role,
          "--key-file",
          W(`${r.name}/key`),
          "--data-dir",
          W(r.name),
          ...net,
          ...rpc,
          ...extra,
        ],
        /listed from epoch \d+/,
      ),
    );
  }
  const listed = await until(
    "all 4 relays listed",
    async () => {
      const s = JSON.parse(await ok(["status", "--json", "--data-dir", W("net"), ...rpc])) as {
        epoch: string;
        directoryEpoch: string | null;
        relays: { relay: string; balance: string }[];
      };
      return s.directoryEpoch === s.epoch && s.relays.length === 4 ? s : undefined;
    },
    180_000,
    2_000,
  );
  // Under channels the gateway still funds its 3 channels below.
  const gatewayBefore =
    BigInt(listed.relays.find((r) => r.relay === address.gw)!.balance) -
    (scheme === "channels" ? 60n * 10n ** 18n : 0n);

  const bob = (await ok(["inbox", "--address", "--data-dir", W("bob"), ...net, ...rpc])).trim();
  // §6a channels, opened while the relays run. Before, no route can be paid and send says so (issue 17 item 2).
  if (scheme === "channels") {
    const early = await obol([
      "send",
      bob,
      "too early",
      "--key-file",
      W("alice/key"),
      "--data-dir",
      W("alice"),
      ...net,
      ...rpc,
    ]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /^error: No route can be paid: no relay of layer 0 has a channel to a relay of layer 1\n/,
    );
    for (const r of RELAYS) {
      const others = RELAYS.filter((o) => o !== r)
        .map((o) => address[o.name])
        .join(",");
      await ok([
        "channels",
        "open",
        "--to",
        others,
        "--amount",
        "20",
        "--key-file",
        W(`${r.name}/key`),
        "--data-dir",
        W(r.name),
        ...net,
        ...rpc,
      ]);
    }
    // Both clients: the sender for its messages, the replier for its replies (a reply block names nobody).
    for (const who of ["alice", "bob"])
      await ok([
        "channels",
        "open",
        "--to",
        address.gw!,
        "--amount",
        "20",
        "--key-file",
        W(`${who}/key`),
        "--data-dir",
        W(who),
        ...net,
        ...rpc,
      ]);
  }

  // §6b Alice buys tokens (tickets): for the current epoch (the one the bank is in when she buys) and the
  // next, so a boundary between buying and sending does not matter.
  if (scheme === "tickets") {
    copyFileSync(W("issuer/issuer.json"), W("alice/issuer.json"));
    const buy = [
      "tickets",
      "buy",
      "--relays",
      RELAYS.map((r) => address[r.name]).join(","),
      "--count",
      "4",
      "--key-file",
      W("alice/key"),
      "--data-dir",
      W("alice"),
      ...net,
      ...rpc,
    ];
    const bought = await ok(buy);
    const epoch = /^bought 16 tokens for epoch (\d+) /.exec(bought)?.[1];
    expect(epoch, bought).toBeDefined();
    await ok([...buy, "--epoch", String(BigInt(epoch!) + 1n)]);
  }

  // §7 Send, read, reply, read the reply.
  const sent = await ok([
    "send",
    bob,
    "hello Bob",
    "--key-file",
    W("alice/key"),
    "--data-dir",
    W("alice"),
    ...net,
    ...rpc,
  ]);
  const id = /^sent ([0-9a-f]{32}) via gateway/.exec(sent)?.[1];
  expect(id, sent).toBeDefined();
  expect(statSync(W("alice/client.sqlite")).mode & 0o777).toBe(0o600);
  let seen = "";
  await until(
    "Bob reads Alice's message",
    async () => {
      seen += await ok(["inbox", "--data-dir", W("bob"), ...net, ...rpc]);
      return seen.includes("hello Bob") ? true : undefined;
    },
    120_000,
    1_000,
    async () => `alice's send printed: ${sent}\n${await postmortem(running)}`,
  );
  expect(seen).toContain(`message ${id!.slice(0, 12)} (reply with --reply): hello Bob`);
  const bobPays = scheme === "channels" ? ["--key-file", W("bob/key")] : [];
  await ok(["inbox", "--reply", id!.slice(0, 12), "hello Alice", ...bobPays, "--data-dir", W("bob"), ...net, ...rpc]);
  let back = "";
  await until(
    "Alice reads Bob's reply",
    async () => {
      back += await ok(["inbox", "--data-dir", W("alice"), ...net, ...rpc]);
      return back.includes("hello Alice") ? true : undefined;
    },
    120_000,
    1_000,
    () => postmortem(running),
  );
  expect(back).toContain(`reply to ${id!.slice(0, 12)}: hello Alice`);

  // §8 Claim: the gateway carried Alice's message and Bob's reply (and, under channels, relay cover loops).
  const claimed = await until(
    "the gateway's claim pays",
    async () => {
      const c = JSON.parse(
        await ok(["claim", "--key-file", W("gw/key"), "--data-dir", W("gw"), ...net, ...rpc, "--json"]),
      ) as { scheme: string; paid: string; balance: string };
      expect(c.scheme).toBe(scheme);
      return BigInt(c.balance) > gatewayBefore ? c : undefined;
    },
    300_000,
    5_000,
  );
  expect(BigInt(claimed.balance)).toBeGreaterThan(gatewayBefore);

  // §9 Leave: stop the gateway, unbond; withdraw refuses until the stake unlocks.
  const gw = running.find((s) => s.stdout().includes(address.gw!))!;
  expect(await gw.stop()).toBe(0);
  const unbond = await ok(["unbond", "--key-file", W("gw/key"), "--data-dir", W("gw"), ...net, ...rpc]);
  expect(unbond).toMatch(new RegExp(`^relay ${address.gw} unbonding: listed until epoch \\d+, stake unlocks at `));
  const early = await obol(["withdraw", "--key-file", W("gw/key"), "--data-dir", W("gw"), ...net, ...rpc]);
  expect(early.code).toBe(1);
  expect(early.stderr).toMatch(new RegExp(`^error: The stake of ${address.gw} unlocks at \\S+Z\\n`));
  for (const s of running.splice(0).reverse()) expect(await s.stop()).toBe(0);
}

describe("docs/operator.md as a user runs it", () => {
  // No retry: `obol channels open` with a relay's key once failed "Nonce too low" while that relay, running with
  // the same key, sent its own transaction; sendContractTx now takes the next nonce then (test/chain/tx.test.ts).
  it("channels: chain, deploy, fund, channels, relays, send, reply, claim, leave", { timeout: 900_000 }, () =>
    walk("channels"),
  );
  it("tickets: chain, deploy, fund, issuer, relays, buy, send, reply, claim, leave", { timeout: 900_000 }, () =>
    walk("tickets"),
  );
});
