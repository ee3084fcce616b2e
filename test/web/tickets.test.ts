/**
 * Issue 13: a browser page pays under the tickets scheme, against a real
 * Hardhat node, real relays and the devnet's real issuer
 * (`startWeb({ scheme: "tickets" })`, the code of `npm run web -- --scheme tickets`),
 * in Debian's Chromium. The page's key deposits on the TicketBank through
 * viem (the same-origin `/rpc`), the page blinds its token messages with
 * mcl-wasm, the issuer signs them over libp2p on WebSockets, and the page
 * keeps the unblinded tokens in IndexedDB and pays each hop with one (the
 * same `TicketsPayer` Node runs). Before that, the errors a user hits (no
 * tokens, unfunded key) show in the page with what to do. After a message and
 * its SURB reply, the relays claim, and the chain shows the very tokens the
 * page spent as redeemed by the relays they were bound to.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { parseEventLogs, type Address, type Hex } from "viem";
import { ticketBankAbi } from "../../src/chain/abi/TicketBank.js";
import { silentLogger } from "../../src/log.js";
import { ticketBank } from "../../src/schemes/tickets/bank.js";
import { epochInfo } from "../../src/chain/epochs.js";
import { errorShown, ready, send, walletAction, webSession } from "./session.js";

/** `OBOL_WEB_SCREENSHOTS=1` refreshes docs/web-tickets.png. */
const SHOTS = process.env.OBOL_WEB_SCREENSHOTS === "1" ? "docs" : mkdtempSync(join(tmpdir(), "obol-web-shots-"));
const DELIVERY_MS = 120_000; // 5 hops, Poisson delays, a loaded 2-core machine
const session = webSession({ scheme: "tickets" });

type User = { page: Page; address: string; account: Address };

// Cover traffic off (webSession): every token spent here pays a packet the test sends.
async function open(identity: string): Promise<User> {
  const page = await session.open(identity);
  // Generous: a page starting beside a loaded suite (mcl-wasm, libsodium, libp2p) can take tens of seconds.
  await page.waitForSelector("#wallet:not([hidden]) #wallet-account:text-matches('^0x')", { timeout: 120_000 });
  const address = (await page.textContent("#address"))!.trim();
  const account = (await page.textContent("#wallet-account"))!.trim() as Address;
  return { page, address, account };
}

/** The tokens the page has spent, read from its own IndexedDB wallet (`obol-wallet:<identity>`). */
async function spentTokens(page: Page, identity: string): Promise<{ relay: Address; epoch: bigint; serial: Hex }[]> {
  // A string, so that this file type-checks without the DOM library (it runs in the page).
  const rows = (await page.evaluate(`(async () => {
    const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
    const db = await req(indexedDB.open(${JSON.stringify(`obol-wallet:${identity}`)}));
    const all = await req(db.transaction("kv").objectStore("kv").getAll());
    db.close();
    const hex = (b) => "0x" + [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return all.filter((r) => r && r.serial && r.spent).map((r) => ({ relay: r.relay, epoch: r.epoch, serial: hex(r.serial) }));
  })()`)) as { relay: string; epoch: string; serial: string }[];
  return rows.map((r) => ({ relay: r.relay as Address, epoch: BigInt(r.epoch), serial: r.serial as Hex }));
}

describe("web client under the tickets scheme, in Chromium", () => {
  it("shows what to do without tokens or funds, buys blind tokens from the issuer, pays every hop with one; relays redeem them on chain", async () => {
    const alice = await open("alice");
    const bob = await open("bob");
    await expect(alice.page.textContent("#identity-meta")).resolves.toContain("scheme tickets");
    expect(alice.account).not.toBe(bob.account);
    await expect(alice.page.isVisible("#wallet-buy")).resolves.toBe(true);
    await expect(alice.page.isVisible("#wallet-open")).resolves.toBe(false);

    // No tokens: the packet cannot be paid, the page says how to fix it.
    await alice.page.fill("#to", bob.address);
    await alice.page.fill("#text", "unpaid");
    await alice.page.click("#send");
    const noToken = await errorShown(alice.page);
    expect(noToken.name).toBe("NoTokenError");
    expect(noToken.text).toContain("Buy tokens");

    // A fresh key has no gas and no OBOL: buying fails before any transaction, with what to do.
    await alice.page.click("#wallet-buy");
    const unfunded = await errorShown(alice.page);
    expect(unfunded.name).toBe("UnfundedKeyError");
    expect(unfunded.text).toContain("Get devnet funds");

    const bank = ticketBank(session.web.net.deployer);
    const relays = session.web.net.relays;
    let expected = 0;
    for (const u of [alice, bob]) {
      await walletAction(u.page, "#wallet-fund", "fund");
      await walletAction(u.page, "#wallet-buy", "buy-tokens");
      // The deposits are the page key's own, on chain, and the page holds a token for each deposited one.
      const deposits = await session.web.net.deployer.publicClient.getContractEvents({
        address: bank.address,
        abi: ticketBankAbi,
        eventName: "Deposited",
        args: { owner: u.account },
        fromBlock: session.web.net.deployment.startBlock,
      });
      expected = deposits.reduce((n, e) => n + Number(e.args.count), 0);
      expect(expected).toBeGreaterThanOrEqual(relays.length); // at least one token for every relay
      await expect(u.page.getAttribute("#wallet", "data-tokens")).resolves.toBe(String(expected));
    }

    // Message and SURB reply through 5 hops each: Alice's tokens pay her packet and the SURB's route.
    await send(alice.page, bob.address, "hello paid with blind tokens");
    const received = bob.page.locator("#inbox li[data-kind=message]").first();
    await received.waitFor({ timeout: DELIVERY_MS });
    await expect(received.locator(".text").textContent()).resolves.toBe("hello paid with blind tokens");
    await received.locator("input").fill("reply through your SURB");
    await received.locator("button.reply").click();
    const reply = alice.page.locator("#inbox li[data-kind=reply]").first();
    await reply.waitFor({ timeout: DELIVERY_MS });
    await expect(reply.locator(".text").textContent()).resolves.toBe("reply through your SURB");
    const spent = await spentTokens(alice.page, "alice");
    expect(spent).toHaveLength(10); // 5 hops out, 5 on the reply block
    await expect(alice.page.getAttribute("#wallet", "data-tokens")).resolves.toBe(String(expected)); // not refreshed yet
    await alice.page.click("#wallet-refresh");
    await alice.page.waitForSelector(`#wallet[data-tokens="${expected - 10}"]`, { timeout: 60_000 });
    await alice.page.screenshot({ path: join(SHOTS, "web-tickets.png"), fullPage: true });

    // Every relay claims; each token Alice spent is redeemed on chain by the relay it was bound to.
    const issuer = session.web.net.deployer.account;
    const redeemed = async () =>
      (await Promise.all(spent.map((t) => bank.read.isSpent([issuer, t.relay, t.epoch, t.serial])))).filter(Boolean)
        .length;
    let redeemedEvents = 0;
    const deadline = Date.now() + 180_000;
    while ((await redeemed()) < spent.length) {
      expect(Date.now(), "the page's tokens were not all redeemed in time").toBeLessThan(deadline);
      for (const r of relays) {
        const claim = await session.web.net.scheme
          .settle({ chain: r.chain, db: r.db, log: silentLogger(), libp2p: r.node, relay: r.address })
          .claim();
        const receipts = await Promise.all(
          claim.transactions.map((hash) => session.web.net.deployer.publicClient.getTransactionReceipt({ hash })),
        );
        redeemedEvents += receipts.flatMap((x) =>
          parseEventLogs({ abi: ticketBankAbi, logs: x.logs, eventName: "Redeemed" }),
        ).length;
      }
    }
    expect(redeemedEvents).toBeGreaterThanOrEqual(1);
    expect(await redeemed()).toBe(10);
  }, 900_000);

  it("restores an identity and imports a payment key in a fresh browser profile; a bad key is refused in the page", async () => {
    const alice = await open("alice");
    await alice.page.click("#show-backup");
    await alice.page.waitForSelector("#backup:not([hidden])");
    const backup = (await alice.page.textContent("#backup"))!;
    const identityBackup = /obolkey1\w+/.exec(backup)?.[0];
    const paymentKey = /0x[0-9a-f]{64}/.exec(backup)?.[0];
    expect(identityBackup, backup).toBeDefined();
    expect(paymentKey, backup).toBeDefined();

    // A fresh profile starts with its own identity and key.
    const other = await open("elsewhere");
    expect(other.address).not.toBe(alice.address);
    expect(other.account).not.toBe(alice.account);

    // Restore the identity: same obol1 address (the same mailbox and sealing key).
    await other.page.fill("#identity-name", "alice-here");
    await other.page.fill("#restore-text", identityBackup!);
    await other.page.click("#restore");
    await ready(other.page);
    await expect(other.page.textContent("#address")).resolves.toBe(alice.address);

    // A key that is not one is refused, with what to do.
    await other.page.fill("#wallet-import-text", "0x1234");
    await other.page.click("#wallet-import");
    const refused = await errorShown(other.page);
    expect(refused.name).toBe("InvalidPaymentKeyError");
    expect(refused.text).toContain("64 hex digits");

    // Import the payment key: the page now pays from Alice's account (its funds on chain).
    await other.page.fill("#wallet-import-text", paymentKey!);
    await other.page.click("#wallet-import");
    await ready(other.page);
    await other.page.waitForSelector(`#wallet-account:text-is("${alice.account}")`, { timeout: 60_000 });
    // Both stay when the page is opened again (kept in this profile's IndexedDB).
    await other.page.goto(`${session.web.url}?identity=alice-here&cover=off`);
    await ready(other.page);
    await other.page.waitForSelector(`#wallet-account:text-is("${alice.account}")`, { timeout: 60_000 });
    await expect(other.page.textContent("#address")).resolves.toBe(alice.address);
  }, 600_000);

  it("an expired reply block is refused in the page, with both epochs and what to do; the block is kept", async () => {
    const alice = await open("alice");
    const bob = await open("bob");
    await walletAction(alice.page, "#wallet-fund", "fund");
    await walletAction(alice.page, "#wallet-buy", "buy-tokens");
    await send(alice.page, bob.address, "answer me later");
    const late = bob.page.locator("#inbox li[data-kind=message]", { hasText: "answer me later" }).first();
    await late.waitFor({ timeout: DELIVERY_MS });

    // Two epochs pass on the chain: the block's tokens are of an epoch its hops no longer take.
    const chain = session.web.net.deployer;
    const { duration } = await epochInfo(chain);
    await chain.publicClient.request({ method: "evm_increaseTime", params: [Number(2n * duration)] } as never);
    await chain.publicClient.request({ method: "evm_mine", params: [] } as never);
    // The page shares epoch reads for 500 ms (EPOCH_CACHE_MS, src/relay/chain-sources.ts) and reads every 400 ms:
    // a click right after the jump could meet the epoch read before it (seen in a clean-clone CI: the reply went out).
    // Past that wall-clock window any read is the chain's, however loaded the machine.
    await new Promise((r) => setTimeout(r, 1_500));

    await late.locator("input").fill("too late");
    await late.locator("button.reply").click();
    const refused = await errorShown(bob.page, 120_000);
    expect(refused.name).toBe("ReplyExpiredError");
    expect(refused.text).toMatch(/built in epoch (\d+) and the network is in epoch (\d+)/);
    const [, built, now] = /built in epoch (\d+) and the network is in epoch (\d+)/.exec(refused.text)!;
    expect(BigInt(now!) - BigInt(built!)).toBeGreaterThanOrEqual(2n);
    expect(refused.text).toContain("write again");
    // Nothing was sent and the single-use block was not taken: after a reload the message is still answerable.
    await bob.page.reload();
    await ready(bob.page);
    const again = bob.page.locator("#inbox li[data-kind=message]", { hasText: "answer me later" }).first();
    await again.waitFor({ timeout: 60_000 });
    await expect(again.locator("button.reply").count()).resolves.toBe(1);
  }, 600_000);
});
