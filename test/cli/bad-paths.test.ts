/**
 * Issue 17, one bad path per item, each with the exact message a newcomer
 * reads: real child processes (`node bin/obol.js`) against one real Hardhat
 * node started with `obol chain --port 0`, and a channels deployment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { obol, ok, service, until, type Service } from "./harness.js";
import { buildReplyBlock, maxContentSize, obolNetwork } from "../../src/client/packet.js";
import { loadScheme } from "../../src/schemes/registry.js";
import { ClientState } from "../../src/client/state.js";
import { ChannelsClient } from "../../src/schemes/channels/client.js";
import { privateKeySigner } from "../../src/schemes/channels/ticket.js";
import { x25519Group } from "../../src/crypto/sphinx/group.js";
import { openDatabase } from "../../src/store/db.js";
import { silentLogger } from "../../src/log.js";
import type { RouteHop } from "../../src/schemes/scheme.js";
import { getAddress, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

let work: string;
let chain: Service;
let gateway: Service;
let rpc: string[];
const W = (p: string) => join(work, p);
const net = () => ["--deployment-dir", W("net"), ...rpc];
const addr: Record<string, string> = {};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "obol-bad-"));
  chain = await service(["chain", "--port", "0", "--data-dir", W("net"), "--json"], /\n/);
  rpc = ["--rpc-url", (JSON.parse(chain.stdout().split("\n")[0]!) as { rpcUrl: string }).rpcUrl];
  await ok(["deploy", "--scheme", "channels", "--data-dir", W("net"), ...rpc]);
  for (const who of ["gw", "other", "poor", "broke"]) addr[who] = (await ok(["key", "new", W(`${who}/key`)])).trim();
  await ok([
    "token",
    "transfer",
    "--to",
    `${addr.gw},${addr.other}`,
    "--amount",
    "500",
    "--eth",
    "5",
    "--key-file",
    W("net/deployer.key"),
    "--data-dir",
    W("net"),
    ...rpc,
  ]);
  await ok([
    "token",
    "transfer",
    "--to",
    addr.poor!,
    "--eth",
    "1",
    "--key-file",
    W("net/deployer.key"),
    "--data-dir",
    W("net"),
    ...rpc,
  ]);
  // A real gateway runs in gw/ (it wrote relay.json and relay.sqlite) and opens each epoch.
  gateway = await service(
    ["relay", "--role", "gateway", "--cover-rate", "0", "--key-file", W("gw/key"), "--data-dir", W("gw"), ...net()],
    /listed from epoch/,
  );
}, 600_000);

afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await chain?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("1. claim never pays 0 silently", () => {
  it("refuses a data dir that does not exist, and does not create it", async () => {
    const r = await obol(["claim", "--key-file", W("gw/key"), "--data-dir", W("gw-typo"), ...net()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: No relay in ${W("gw-typo")}: the directory does not exist\n  hint: pass the --data-dir your \`obol relay\` ran with\n`,
    );
    expect(existsSync(W("gw-typo"))).toBe(false);
  });
  it("refuses a directory that holds no relay", async () => {
    mkdirSync(W("empty"));
    const r = await obol(["claim", "--key-file", W("gw/key"), "--data-dir", W("empty"), ...net()]);
    expect(r.stderr).toMatch(/^error: No relay in \S+empty: it holds no relay.json or relay.sqlite\n/);
    expect(existsSync(W("empty/relay.sqlite"))).toBe(false);
  });
  it("refuses a --scheme other than the relay's own", async () => {
    const r = await obol(["claim", "--scheme", "free", "--key-file", W("gw/key"), "--data-dir", W("gw"), ...net()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: --scheme free does not match the relay's scheme channels\n/);
    expect(r.stderr).toContain("hint: drop --scheme; claim reads the relay's scheme from its data dir");
  });
  it("refuses another account's key", async () => {
    const r = await obol(["claim", "--key-file", W("other/key"), "--data-dir", W("gw"), ...net()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: The key is account ${addr.other}, but the relay in ${W("gw")} is ${addr.gw}\n`);
  });
  it("without --scheme claims under the relay's scheme", async () => {
    const c = JSON.parse(await ok(["claim", "--key-file", W("gw/key"), "--data-dir", W("gw"), ...net(), "--json"])) as {
      scheme: string;
    };
    expect(c.scheme).toBe("channels");
  });
});

describe("2-3. schemes that do not fit the deployment", () => {
  it("send under channels without a key says the payment needs the user's own account", async () => {
    const bob = await until(
      "Bob's address (the gateway is listed)",
      async () => {
        const r = await obol(["inbox", "--address", "--data-dir", W("bob"), ...net()]);
        return r.code === 0 ? r.stdout.trim() : undefined;
      },
      180_000,
      3_000,
    );
    const r = await obol(["send", bob, "hi", "--data-dir", W("alice"), ...net()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: Sending under channels pays from your own account, and no key was given\n  hint: pass --key-file <your key> (the account that opened your channel or bought your tokens)\n",
    );
  });
  it("a free relay on a channels deployment is warned", async () => {
    const free = await service(
      [
        "relay",
        "--role",
        "mix",
        "--scheme",
        "free",
        "--cover-rate",
        "0",
        "--key-file",
        W("other/key"),
        "--data-dir",
        W("other"),
        ...net(),
      ],
      /listed from epoch/,
    );
    expect(free.stderr()).toContain(
      "warning: this relay runs the free scheme on a deployment with channels: clients paying with it will be refused and it earns nothing; drop --scheme free to use the deployment's scheme\n",
    );
    expect(await free.stop()).toBe(0);
  });
  it("a paid relay's data dir is not reused under another scheme", async () => {
    const r = await obol([
      "relay",
      "--role",
      "gateway",
      "--scheme",
      "free",
      "--key-file",
      W("gw/key"),
      "--data-dir",
      W("gw"),
      ...net(),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: this relay ran the channels scheme; running it under free would strand what it earned\n  hint: claim first (\`obol claim --data-dir ${W("gw")}\`), then use a new --data-dir for the other scheme\n`,
    );
  });
  it("a scheme the deployment lacks is an error", async () => {
    const r = await obol(["status", "--scheme", "tickets", ...net()]);
    // status does not depend on the scheme; claim/relay/send do.
    expect(r.code).toBe(0);
    const relay = await obol([
      "relay",
      "--role",
      "mix",
      "--scheme",
      "tickets",
      "--key-file",
      W("gw/key"),
      "--data-dir",
      W("gw2"),
      ...net(),
    ]);
    expect(relay.stderr).toMatch(
      /^error: Scheme tickets is not deployed on this chain\n {2}details: the deployment holds: free, channels\n {2}hint: deploy it with `obol deploy --scheme tickets`, or drop --scheme\n$/,
    );
  });
  it("deploy refuses a corrupt deployment.json instead of changing the start block", async () => {
    mkdirSync(W("corrupt"));
    writeFileSync(W("corrupt/deployment.json"), "{ not json");
    const r = await obol(["deploy", "--data-dir", W("corrupt"), ...rpc]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: \S+corrupt\/deployment.json is corrupt; deploying over it would change the deployment's start block\n/,
    );
    expect(readFileSync(W("corrupt/deployment.json"), "utf8")).toBe("{ not json");
  });
});

describe("4. funding a relay key", () => {
  it("a relay key without OBOL is told how to get it", async () => {
    const r = await obol(["relay", "--role", "mix", "--key-file", W("poor/key"), "--data-dir", W("poor"), ...net()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: Account ${addr.poor} holds 0 OBOL; registering a relay (the stake) needs 100\n  hint: send it OBOL from a funded account: \`obol token transfer --to ${addr.poor} --amount <OBOL> --key-file <funded key>\``,
    );
  });
  it("a key without ETH is one sentence, not a request dump", async () => {
    const r = await obol(["relay", "--role", "mix", "--key-file", W("broke/key"), "--data-dir", W("broke"), ...net()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: Account ${addr.broke} has no ETH to pay gas\\n {2}hint: send it ETH: \`obol token transfer --to ${addr.broke} --eth 1 --key-file <funded key>\``,
      ),
    );
    expect(r.stderr).not.toMatch(/Request Arguments| {4}at /);
  });
  it("token transfer moves OBOL, and refuses a bad --to", async () => {
    const bad = await obol([
      "token",
      "transfer",
      "--to",
      "0x12",
      "--amount",
      "1",
      "--key-file",
      W("net/deployer.key"),
      "--data-dir",
      W("net"),
      ...rpc,
    ]);
    expect(bad.stderr).toMatch(/^error: --to must be an 0x address, or several separated by commas\n/);
    await ok([
      "token",
      "transfer",
      "--to",
      addr.poor!,
      "--amount",
      "2.5",
      "--key-file",
      W("net/deployer.key"),
      "--data-dir",
      W("net"),
      ...rpc,
    ]);
    expect(await ok(["token", "balance", "--of", addr.poor!, ...net()])).toMatch(
      new RegExp(`^${addr.poor}: 2.5 OBOL, `),
    );
  });
});

describe("5. the directory before an epoch is opened", () => {
  it("status shows the epoch length and time left", async () => {
    const r = await ok(["status", ...net()]);
    expect(r).toMatch(/^chain 31337 at \S+, epoch \d+ \(60 s per epoch, \d+ s left\)\n/);
    const json = JSON.parse(await ok(["status", "--json", ...net()])) as { epochSeconds: string; secondsLeft: string };
    expect(json.epochSeconds).toBe("60");
    expect(Number(json.secondsLeft)).toBeGreaterThan(0);
    expect(Number(json.secondsLeft)).toBeLessThanOrEqual(60);
  });

  it("on a network where no relay opened the epoch: status reads, a client is told to start relays, --open-epoch opens it", async () => {
    await ok(["deploy", "--data-dir", W("empty-net"), ...rpc]); // core only: a registry no relay uses
    const empty = ["--deployment-dir", W("empty-net"), ...rpc];
    const status = await ok(["status", ...empty]);
    expect(status).toMatch(
      /\nepoch \d+ is not open yet: running relays open it on entering it, or run `obol status --open-epoch`; no opened epoch to show\n/,
    );
    expect(status).toContain("0 relays listed");
    const r = await obol(["inbox", "--address", "--data-dir", W("carol"), ...empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: Epoch \d+ is not open: no relay has entered it\n {2}details: the registry lists relays per epoch once someone calls openEpoch\(\); running relays do\n {2}hint: start the relays \(`obol relay`\), or open it yourself: `obol status --open-epoch --key-file <key with ETH>`\n$/,
    );
    const noKey = await obol(["status", "--open-epoch", ...empty]);
    expect(noKey.stderr).toMatch(/^error: a private key is required\n/);
    // The directory of the epoch just opened (or, right after a boundary, the one before) is readable now.
    const opened = JSON.parse(await ok(["status", "--open-epoch", "--key-file", W("gw/key"), "--json", ...empty])) as {
      epoch: string;
      directoryEpoch: string | null;
    };
    expect(opened.directoryEpoch).not.toBeNull();
    expect(BigInt(opened.epoch) - BigInt(opened.directoryEpoch!)).toBeLessThanOrEqual(1n);
  });
});

describe("7. leaving", () => {
  it("unbond and withdraw name what is missing", async () => {
    const none = await obol(["unbond", "--key-file", W("poor/key"), ...net()]);
    expect(none.stderr).toMatch(new RegExp(`^error: Account ${addr.poor} has no relay registered\\n`));
    const active = await obol(["withdraw", "--key-file", W("gw/key"), ...net()]);
    expect(active.stderr).toMatch(
      new RegExp(`^error: The relay of ${addr.gw} is still active\\n {2}hint: run \`obol unbond\` first`),
    );
  });
});

describe("8. the obol binary", () => {
  it("--version prints the package version", async () => {
    const version = (
      JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
    ).version;
    expect(await ok(["--version"])).toBe(`obol ${version}\n`);
  });
});

describe("9. messages a newcomer can act on", () => {
  let taken: Server;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it("a relay port in use is one sentence", async () => {
    const port = (taken.address() as { port: number }).port;
    const r = await obol([
      "relay",
      "--role",
      "gateway",
      "--cover-rate",
      "0",
      "--listen",
      `/ip4/127.0.0.1/tcp/${port}`,
      "--key-file",
      W("gw/key"),
      "--data-dir",
      W("gw-port"),
      ...net(),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: Cannot listen( on \S+)?: the port is in use\n {2}hint: stop the process using it, or pass another --listen address \(port 0 picks a free one\)\n$/,
    );
  });
  it("deploy prints no log lines without --verbose", async () => {
    const r = await obol(["deploy", "--scheme", "channels", "--data-dir", W("net"), ...rpc]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^deployed on chain 31337/);
  });
  it("a reply to an unknown id points at the inbox, not at --address", async () => {
    const r = await obol(["inbox", "--reply", "ffff", "hi", "--data-dir", W("bob"), ...net()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: Cannot reply: no received message with id ffff\n  hint: list the messages you received, with their ids, with `obol inbox --all`\n",
    );
  });
  it("a paid reply without a key, or without a channel to the gateway, is refused before anything is sent (issue 9)", async () => {
    await until(
      "Bob's client (the gateway is listed)",
      async () => {
        const r = await obol(["inbox", "--address", "--data-dir", W("bob"), ...net()]);
        return r.code === 0 ? r.stdout.trim() : undefined;
      },
      180_000,
      3_000,
    );
    // A message with a reply block back to Alice arrived in Bob's inbox; the block starts at Bob's gateway.
    const network = obolNetwork(await loadScheme("channels"));
    // Alice's payer: a reply block's attachment is a blank template, so her key never enters it.
    const signer = privateKeySigner(generatePrivateKey());
    const payer = new ChannelsClient(
      { chain: null as never, db: openDatabase(":memory:"), log: silentLogger(), libp2p: null as never },
      { signer },
    );
    const hop = (relay: Address, layer: number): RouteHop => ({
      relay,
      mixKey: x25519Group.publicKey(x25519Group.randomSecretKey()),
      layer,
    });
    const others = [1, 2, 3, 4].map((i) => hop(privateKeyToAccount(generatePrivateKey()).address, i));
    const { block } = await buildReplyBlock({
      network,
      payer,
      route: [hop(addr.gw as Address, 0), ...others],
      epoch: 1n,
      kind: "reply",
      delays: [0, 0, 0, 0, 0],
      mailbox: new Uint8Array(32),
    });
    const bobState = ClientState.open(W("bob"));
    bobState.saveReceived({
      id: new Uint8Array(16).fill(0xab),
      kind: "message",
      content: new TextEncoder().encode("hi Bob"),
      surb: block,
      receivedAt: Date.now(),
    });
    bobState.close();

    const noKey = await obol(["inbox", "--reply", "abab", "hello", "--data-dir", W("bob"), ...net()]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toBe(
      "error: Replying under channels pays for the reply from your own account, and no key was given\n" +
        "  hint: pass --key-file <your key>: the account with an open channel to your gateway (`obol channels open --to <gateway> --amount <OBOL>`)\n",
    );
    const noChannel = await obol([
      "inbox",
      "--reply",
      "abab",
      "hello",
      "--key-file",
      W("poor/key"),
      "--data-dir",
      W("bob"),
      ...net(),
    ]);
    expect(noChannel.code).toBe(1);
    const gw = getAddress(addr.gw!);
    expect(noChannel.stderr).toContain(
      `error: Cannot reply: your account ${getAddress(addr.poor!)} has no open channel to your gateway ${gw}\n`,
    );
    expect(noChannel.stderr).toContain(
      `hint: open one with \`obol channels open --to ${gw} --amount <OBOL> --key-file <your key>\`, then reply again\n`,
    );
    // Neither refusal took the single-use reply block: Bob can still answer once he has a channel.
    const after = ClientState.open(W("bob"));
    expect(after.received().find((m) => m.id[0] === 0xab)?.surb).toEqual(block);
    after.close();
  });
  it("a truncated address says it was cut", async () => {
    const r = await obol(["send", `obol1${"a".repeat(100)}`, "hi", "--data-dir", W("alice"), ...net()]);
    expect(r.stderr).toBe(
      "error: the address has 105 characters, an obol1… address has 148: it was cut when copied\n  hint: copy the whole address the recipient got from `obol inbox --address`\n",
    );
  });
});

describe("10-11. message input, keys", () => {
  it("refuses the empty message, from an argument and from stdin", async () => {
    const to = `obol1${"a".repeat(143)}`;
    const arg = await obol(["send", to, "", "--data-dir", W("alice"), ...net()]);
    expect(arg.stderr).toBe("error: the message is empty; there is nothing to send\n  hint: see `obol send --help`\n");
    const stdin = await obol(["send", to, "--file", "-", "--data-dir", W("alice"), ...net()], { input: "" });
    expect(stdin.stderr).toBe(
      "error: the message is empty; there is nothing to send\n  hint: see `obol send --help`\n",
    );
  });
  it("send --help states the size limits the code enforces", async () => {
    const help = await ok(["send", "--help"]);
    const limit = async (s: string, withReply: boolean) =>
      maxContentSize(obolNetwork(await loadScheme(s)), { withReply }).toLocaleString("en-US");
    expect(help).toContain(`at most ${await limit("free", true)} bytes under free`);
    expect(help).toContain(
      `${await limit("tickets", true)} under tickets, ${await limit("channels", true)} under channels`,
    );
    expect(help).toContain(`with --no-reply: ${await limit("free", false)}`);
  });
  it("keys come from a file; a missing one is named, a new one is 0600", async () => {
    const r = await obol(["status", "--key-file", W("nope.key"), ...net()]);
    expect(r.stderr).toBe(
      `error: cannot read --key-file ${W("nope.key")}: ENOENT\n  hint: see \`obol status --help\`\n`,
    );
    expect(statSync(W("gw/key")).mode & 0o777).toBe(0o600);
    const again = await obol(["key", "new", W("gw/key")]);
    expect(again.stderr).toMatch(/already exists/);
    expect(statSync(W("gw/relay.json")).mode & 0o777).toBe(0o600);
  });
});
