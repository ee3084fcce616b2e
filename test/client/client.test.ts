/**
 * ObolClient on a real network: local chain, 2 gateways + 3 mixes registered
 * and running on loopback, two clients with their own data directories.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "viem";
import { ObolClient, type InboxMessage } from "../../src/client/client.js";
import { formatAddress, parseAddress } from "../../src/client/address.js";
import { ClientStateError, UnknownGatewayError } from "../../src/client/errors.js";
import { sleep } from "../../src/client/loopix.js";
import { silentLogger } from "../../src/log.js";
import type { RunningNetwork } from "../../src/sim/network.js";
import { aliceAndBob, startSmallNetwork } from "../helpers/net-clients.js";

const log = silentLogger();
let net: RunningNetwork;
let dir: string;
let alice: ObolClient;
let bob: ObolClient;

async function waitFor(client: ObolClient, kind: InboxMessage["kind"], timeoutMs = 60_000): Promise<InboxMessage> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const got = (await client.pull()).find((m) => m.kind === kind);
    if (got) return got;
    await sleep(200);
  }
  throw new Error(`no ${kind} within ${timeoutMs} ms`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "obol-client-net-"));
  net = await startSmallNetwork("free", dir, log);
  ({ alice, bob } = await aliceAndBob(net, log));
}, 120_000);

afterAll(async () => {
  await alice?.stop();
  await bob?.stop();
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("ObolClient over a real 5-relay network", () => {
  it("sends a sealed message, receives the SURB reply, and refuses a second reply", async () => {
    const id = await alice.send(bob.address, "hello bob");
    const got = await waitFor(bob, "message");
    expect(new TextDecoder().decode(got.content)).toBe("hello bob");
    expect(got.id).toEqual(id);
    expect(got.kind === "message" && got.canReply).toBe(true);

    const prefix = bytesToHex(got.id).slice(2, 14);
    await bob.reply(prefix, "hi alice");
    const reply = await waitFor(alice, "reply");
    expect(new TextDecoder().decode(reply.content)).toBe("hi alice");
    expect(reply.id).toEqual(id);
    await expect(bob.reply(prefix, "again")).rejects.toBeInstanceOf(ClientStateError);
    expect(alice.state.openSurbs()).toEqual([]); // the SURB secret is closed once used
    expect(alice.stats.receipts).toBeGreaterThan(0); // the entry gateway acknowledged the hop
  });

  it("acknowledged() resolves once the gateway's receipt is in (what `obol send` waits for before it stops)", async () => {
    await alice.send(bob.address, "acked?", { reply: false });
    await alice.acknowledged({ timeoutMs: 60_000 });
    expect(alice.awaitingReceipts).toBe(0);
    expect(new TextDecoder().decode((await waitFor(bob, "message")).content)).toBe("acked?");
  });

  it("keeps its identity across restarts: same address, same mailbox", async () => {
    const before = bob.address;
    await bob.stop();
    bob = await ObolClient.create({
      dataDir: net.clients[1]!.dataDir,
      log,
      network: net.network,
      chain: net.clients[1]!.chain,
      directory: net.directory,
      epoch: net.epoch,
    });
    expect(bob.address).toBe(before);
    await alice.send(bob.address, "still you?", { reply: false });
    const got = await waitFor(bob, "message");
    expect(got.kind === "message" && got.canReply).toBe(false);
  });

  it("refuses an address whose gateway is not in the directory", async () => {
    const parsed = parseAddress(bob.address);
    const elsewhere = formatAddress({ ...parsed, gateway: "0x000000000000000000000000000000000000dEaD" });
    await expect(alice.send(elsewhere, "lost")).rejects.toBeInstanceOf(UnknownGatewayError);
  });
});
