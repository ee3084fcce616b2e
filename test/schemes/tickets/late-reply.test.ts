/**
 * A reply block (SURB) under tickets carries one token per hop, of the epoch
 * it was built in, and relays accept token epochs e−1 … e+1 only
 * (`checkToken`). A reply sent two or more epochs later used to leave with a
 * success for the replier and be dropped at its first hop ("tickets: wrong
 * epoch"). The client now refuses it before anything is sent, naming both
 * epochs, and keeps the block; it decides on the chain's epoch of that
 * moment, not on a shared read from before the boundary. Real network: local
 * chain, TicketBank, issuer, 2 gateways + 3 mixes on loopback, library
 * clients and the `obol` CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "viem";
import { ObolClient, type InboxMessage } from "../../../src/client/client.js";
import { ReplyExpiredError } from "../../../src/client/errors.js";
import { buildReplyBlock, checkReplyEpoch, obolNetwork, replyBlockEpoch } from "../../../src/client/packet.js";
import { x25519Group } from "../../../src/crypto/sphinx/group.js";
import { loadScheme } from "../../../src/schemes/registry.js";
import { sleep } from "../../../src/client/loopix.js";
import { advanceDevChainToEpoch } from "../../../src/chain/epochs.js";
import { silentLogger } from "../../../src/log.js";
import { chainSources } from "../../../src/relay/chain-sources.js";
import type { RunningNetwork } from "../../../src/sim/network.js";
import { obol as runObol } from "../../cli/harness.js";
import { aliceAndBob, startSmallNetwork } from "../../helpers/net-clients.js";

const log = silentLogger();
let net: RunningNetwork;
let dir: string;
let alice: ObolClient;
let bob: ObolClient;
let bobStopped = false;
/** Epoch the messages (and their reply blocks) were built in. */
let built: bigint;
/** Bob's received messages, by the text Alice sent. */
const received = new Map<string, InboxMessage>();

const prefixOf = (m: InboxMessage) => bytesToHex(m.id).slice(2, 14);

async function pullUntil(client: ObolClient, done: (got: InboxMessage[]) => boolean, timeoutMs = 90_000) {
  const got: InboxMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    got.push(...(await client.pull()));
    if (done(got)) return got;
    await sleep(250);
  }
  throw new Error(`mailbox did not fill within ${timeoutMs} ms: ${got.length} messages`);
}

/** Moves the chain to `epoch` and waits until this process's epoch source and directory follow. */
async function enterEpoch(epoch: bigint): Promise<void> {
  await advanceDevChainToEpoch(net.deployer, epoch);
  const deadline = Date.now() + 60_000;
  while ((await net.epoch()) !== epoch) {
    if (Date.now() > deadline) throw new Error(`epoch source never reached ${epoch}`);
    await sleep(100);
  }
  await net.directory(); // opens the epoch in the registry (relays do the same when they poll)
}

/** The CLI as an operator runs it (`bin/obol.js`), against this network's chain. */
const obol = (args: string[]) => runObol([...args, "--rpc-url", net.chain.rpcUrl]);

beforeAll(async () => {
  // Alice's four messages cross every relay at most twice each (message + reply block).
  process.env.OBOL_TICKETS_PER_GATEWAY = "8";
  process.env.OBOL_TICKETS_PER_MIX = "8";
  dir = mkdtempSync(join(tmpdir(), "obol-late-reply-"));
  net = await startSmallNetwork("tickets", dir, log);
  ({ alice, bob } = await aliceAndBob(net, log));
  built = await net.epoch();
  const texts = ["one epoch late", "just after the move", "two epochs late", "two epochs late, CLI"];
  for (const text of texts) await alice.send(bob.address, text);
  const got = await pullUntil(bob, (m) => m.length >= texts.length);
  for (const m of got) received.set(new TextDecoder().decode(m.content), m);
}, 300_000);

afterAll(async () => {
  await alice?.stop();
  if (!bobStopped) await bob?.stop();
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("replying through a tickets reply block after its epoch", () => {
  it("one epoch later the reply is paid and delivered", async () => {
    await enterEpoch(built + 1n);
    await bob.reply(prefixOf(received.get("one epoch late")!), "reply at e+1");
    const replies = await pullUntil(alice, (m) => m.some((x) => x.kind === "reply"));
    expect(replies.map((m) => new TextDecoder().decode(m.content))).toContain("reply at e+1");
  }, 240_000);

  it("right after the chain moves past the window the reply is refused, though the epoch read Bob shares is older", async () => {
    // Bob again, on chain sources that share an epoch read for an hour: the 500 ms of the real ones, made
    // wide enough that no scheduling on a loaded machine lets it expire between the move and the reply.
    await bob.stop();
    const shared = chainSources(net.clients[1]!.chain, { log, open: false, epochCacheMs: 3_600_000 });
    bob = await ObolClient.create({
      dataDir: net.clients[1]!.dataDir,
      log,
      network: net.network,
      chain: net.clients[1]!.chain,
      directory: net.directory,
      epoch: shared.epoch,
    });
    expect(await shared.epoch()).toBe(built + 1n); // the block is still usable in this read
    await advanceDevChainToEpoch(net.deployer, built + 2n);
    expect(await shared.epoch()).toBe(built + 1n); // the shared read predates the move

    const late = received.get("just after the move")!;
    const bobGateway = net.relays.find((r) => r.address === bob.gateway)!;
    const arrivedBefore = bobGateway.relay.stats.received;
    await expect(bob.reply(prefixOf(late), "reply just after the move")).rejects.toMatchObject({
      name: "ReplyExpiredError",
      blockEpoch: built,
      epoch: built + 2n,
    });
    expect(bobGateway.relay.stats.received).toBe(arrivedBefore);
    expect(bob.state.received().find((m) => bytesToHex(m.id) === bytesToHex(late.id))?.surb).not.toBeNull();
  }, 240_000);

  it("two epochs later the client refuses it, with both epochs, and keeps the block", async () => {
    await enterEpoch(built + 2n);
    const late = received.get("two epochs late")!;
    const bobGateway = net.relays.find((r) => r.address === bob.gateway)!;
    const arrivedBefore = bobGateway.relay.stats.received;
    await expect(bob.reply(prefixOf(late), "reply at e+2")).rejects.toMatchObject({
      name: "ReplyExpiredError",
      message: expect.stringContaining(`built in epoch ${built}`),
    });
    await expect(bob.reply(prefixOf(late), "reply at e+2")).rejects.toThrow(
      new RegExp(`the network is in epoch ${built + 2n}`),
    );
    // Nothing left Bob's client, and the block was not used up: the refusal has no side effect.
    expect(bobGateway.relay.stats.received).toBe(arrivedBefore);
    expect(bob.state.received().find((m) => bytesToHex(m.id) === bytesToHex(late.id))?.surb).not.toBeNull();
  }, 240_000);

  it("`obol inbox --reply` refuses it too, with both epochs and what to do, and exits 1", async () => {
    await bob.stop();
    bobStopped = true;
    const bobDir = net.clients[1]!.dataDir;
    copyFileSync(join(dir, "deployer", "deployment.json"), join(bobDir, "deployment.json"));
    const id = prefixOf(received.get("two epochs late, CLI")!);
    const r = await obol(["inbox", "--reply", id, "reply at e+2 from the CLI", "--data-dir", bobDir]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toBe(
      `error: Cannot reply to message ${id}: its reply block was built in epoch ${built} and the network is in epoch ${built + 2n}\n` +
        `  details: the block carries the payment of its hops, which they accept only until epoch ${built + 1n}; the reply would be dropped on its way\n` +
        "  hint: a reply block cannot be renewed by the replier: the sender has to write again (a new message carries a fresh reply block), then reply soon after reading it\n",
    );
    expect(r.stdout).not.toMatch(/replied/);
    // The block is still there (nothing was taken or sent).
    const all = await obol(["inbox", "--all", "--json", "--data-dir", bobDir]);
    expect(all.code, all.stderr).toBe(0);
    const listed = all.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(listed).toContainEqual(expect.objectContaining({ text: "two epochs late, CLI", canReply: true }));
  }, 180_000);
});

describe("the reply window, per scheme", () => {
  const route = [0, 1, 2, 3, 4].map((layer) => ({
    relay: `0x${String(layer + 1).padStart(40, "0")}` as `0x${string}`,
    mixKey: x25519Group.publicKey(x25519Group.randomSecretKey()),
    layer,
  }));
  const blockAt = async (network: ReturnType<typeof obolNetwork>, epoch: bigint) =>
    (
      await buildReplyBlock({
        network,
        payer: {
          pay: async () => ({
            slots: route.map(() => new Uint8Array(network.scheme.slotSize)),
            attachment: new Uint8Array(network.scheme.attachmentSize),
          }),
        },
        route,
        epoch,
        kind: "reply",
        delays: [0, 0, 0, 0, 0],
        mailbox: new Uint8Array(32),
      })
    ).block;

  it("tickets: usable in its epoch and the next, refused from the one after", async () => {
    const network = obolNetwork(await loadScheme("tickets"));
    const block = await blockAt(network, 7n);
    expect(replyBlockEpoch(block)).toBe(7n);
    for (const epoch of [7n, 8n]) expect(() => checkReplyEpoch({ network, block, epoch, message: "m" })).not.toThrow();
    expect(() => checkReplyEpoch({ network, block, epoch: 9n, message: "m" })).toThrow(ReplyExpiredError);
  });

  it("schemes whose reply block carries no epoch-bound payment never refuse (free, shopper, channels)", async () => {
    for (const name of ["free", "shopper", "channels"] as const) {
      const network = obolNetwork(await loadScheme(name));
      expect(network.scheme.replyWindow).toBeUndefined();
      const block = await blockAt(network, 7n);
      expect(() => checkReplyEpoch({ network, block, epoch: 1_000n, message: "m" })).not.toThrow();
    }
  });
});
