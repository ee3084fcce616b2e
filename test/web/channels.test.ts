/**
 * Issue 13: a browser page pays under the channels scheme, against a real
 * Hardhat node and real relays (`startWeb({ scheme: "channels" })`, the code
 * of `npm run web -- --scheme channels`), in Debian's Chromium. The page's key
 * is generated in the worker and kept in IndexedDB; the page reaches the chain
 * through viem over HTTP (the same-origin `/rpc` proxy), gets devnet funds,
 * opens its channel to its gateway, and pays every packet with a ticket signed
 * by the same `ChannelsPayer` Node runs. Before that, the errors a user hits
 * (no channel, unfunded key) show in the page with what to do. After the
 * exchange, the gateway holds the page's tickets and a claim redeems one on
 * chain from the page's channel.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { Address, Hex } from "viem";
import { silentLogger } from "../../src/log.js";
import { readChannel } from "../../src/schemes/channels/chain.js";
import { OPEN_AMOUNT } from "../../src/web/app/channels.js";
import { errorShown, send, walletAction, webSession } from "./session.js";

/** `OBOL_WEB_SCREENSHOTS=1` refreshes docs/web-channels.png and docs/web-dashboard.png. */
const SHOTS = process.env.OBOL_WEB_SCREENSHOTS === "1" ? "docs" : mkdtempSync(join(tmpdir(), "obol-web-shots-"));
/** A comparison report directory as `npm start` leaves it (one chart), for the dashboard to find. */
const REPORTS = mkdtempSync(join(tmpdir(), "obol-web-reports-"));
const DELIVERY_MS = 120_000; // 5 hops, Poisson delays, a loaded 2-core machine
const session = webSession({ scheme: "channels", reportsDir: REPORTS }, () => {
  mkdirSync(join(REPORTS, "2026-01-01T00-00-00"));
  writeFileSync(
    join(REPORTS, "2026-01-01T00-00-00", "latency.svg"),
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="4" y="24">latency</text></svg>',
  );
});

type User = { page: Page; address: string; account: Address; gateway: Address };

// Cover traffic off (webSession): every paid packet here is one the test sends.
async function open(identity: string): Promise<User> {
  const page = await session.open(identity);
  await page.waitForSelector("#wallet:not([hidden]) #wallet-account:text-matches('^0x')", { timeout: 60_000 });
  const address = (await page.textContent("#address"))!.trim();
  const account = (await page.textContent("#wallet-account"))!.trim() as Address;
  const gateway = /gateway (0x[0-9a-fA-F]{40})/.exec((await page.textContent("#identity-meta"))!)![1] as Address;
  return { page, address, account, gateway };
}

/** Tickets of `channel` the gateway accepted (ch_seen) and won (ch_won), from its own database. */
function gatewayView(gateway: Address, channel: Hex): { seen: number; won: number } {
  const r = session.web.net.relays.find((x) => x.address.toLowerCase() === gateway.toLowerCase())!;
  const count = (sql: string) => (r.db.prepare(sql).get(channel) as { n: number }).n;
  return {
    seen: count("SELECT COUNT(*) AS n FROM ch_seen WHERE channel = ?"),
    won: count("SELECT COUNT(*) AS n FROM ch_won WHERE channel = ?"),
  };
}

describe("web client under the channels scheme, in Chromium", () => {
  it("shows what to do without a channel or funds, then pays every hop from the page's channel; the gateway can claim", async () => {
    const alice = await open("alice");
    const bob = await open("bob");
    await expect(alice.page.textContent("#identity-meta")).resolves.toContain("scheme channels");
    expect(alice.account).not.toBe(bob.account);
    await expect(alice.page.getAttribute("#wallet", "data-channel")).resolves.toBe("closed");

    // No channel: the packet cannot be paid, the page says how to fix it.
    await alice.page.fill("#to", bob.address);
    await alice.page.fill("#text", "unpaid");
    await alice.page.click("#send");
    const noChannel = await errorShown(alice.page);
    expect(noChannel.name).toBe("ChannelMissingError");
    expect(noChannel.text).toContain("Open channel");

    // A fresh key has no gas and no tokens: opening fails before any transaction, with what to do.
    await alice.page.click("#wallet-open");
    const unfunded = await errorShown(alice.page);
    expect(unfunded.name).toBe("UnfundedKeyError");
    expect(unfunded.text).toContain("Get devnet funds");

    for (const u of [alice, bob]) {
      await walletAction(u.page, "#wallet-fund", "fund");
      await walletAction(u.page, "#wallet-open", "open-channel");
      await expect(u.page.getAttribute("#wallet", "data-channel")).resolves.toBe("open");
      const ch = await readChannel(session.web.net.deployer, u.account, u.gateway);
      expect(ch.status).toBe("open");
      expect(ch.balance).toBe(OPEN_AMOUNT);
    }
    const aliceChannel = (await readChannel(session.web.net.deployer, alice.account, alice.gateway)).id;
    const bobChannel = (await readChannel(session.web.net.deployer, bob.account, bob.gateway)).id;

    // Message and SURB reply through 5 hops each; Bob pays his reply on his own channel.
    await send(alice.page, bob.address, "paid hello from a browser");
    const received = bob.page.locator("#inbox li[data-kind=message]").first();
    await received.waitFor({ timeout: DELIVERY_MS });
    await expect(received.locator(".text").textContent()).resolves.toBe("paid hello from a browser");
    await received.locator("input").fill("paid reply through your SURB");
    await received.locator("button.reply").click();
    const reply = alice.page.locator("#inbox li[data-kind=reply]").first();
    await reply.waitFor({ timeout: DELIVERY_MS });
    await expect(reply.locator(".text").textContent()).resolves.toBe("paid reply through your SURB");
    expect(gatewayView(alice.gateway, aliceChannel).seen).toBeGreaterThanOrEqual(1);
    expect(gatewayView(bob.gateway, bobChannel).seen).toBeGreaterThanOrEqual(1);

    // Tickets win with probability 1/8: Alice sends until her gateway holds a winner from her channel
    // (it knows only once the next hop's receipt came back), then the gateway claims it on chain.
    const deadline = Date.now() + 300_000;
    for (let i = 0; gatewayView(alice.gateway, aliceChannel).won === 0; i++) {
      expect(Date.now(), "no winning ticket from the page's channel in time").toBeLessThan(deadline);
      if (i < 120) await send(alice.page, bob.address, `more ${i}`);
      else await new Promise((r) => setTimeout(r, 1_000));
    }
    const gw = session.web.net.relays.find((r) => r.address.toLowerCase() === alice.gateway.toLowerCase())!;
    const claim = await session.web.net.scheme
      .settle({ chain: gw.chain, db: gw.db, log: silentLogger(), libp2p: gw.node, relay: gw.address })
      .claim();
    expect(claim.paid).toBeGreaterThan(0n);
    const after = await readChannel(session.web.net.deployer, alice.account, alice.gateway);
    expect(after.balance).toBeLessThan(OPEN_AMOUNT);
    expect(after.ticketIndex).toBeGreaterThan(0n);
    await alice.page.screenshot({ path: join(SHOTS, "web-channels.png"), fullPage: true });

    // The dashboard, read from the chain: the gateway's claim shows in its row (earned under channels,
    // at least one claim); the directory lists every layer; the report's chart loads.
    const dash = await alice.page.context().newPage();
    await dash.goto(`${session.web.url}dashboard.html`);
    await dash.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    const row = dash.locator(`tr[data-relay="${alice.gateway.toLowerCase()}"]`);
    await expect(row.locator(".earned").textContent()).resolves.toMatch(/channels [1-9]|channels 0\.0*[1-9]/);
    expect(Number(await row.locator(".claims").textContent())).toBeGreaterThanOrEqual(1);
    await expect(dash.locator("#layers h3").allTextContents()).resolves.toEqual([
      "Gateways (entry and exit) (2)",
      "Mix layer 1 (3)",
      "Mix layer 2 (3)",
      "Mix layer 3 (3)",
    ]);
    await expect(dash.textContent("#epoch")).resolves.toMatch(/^epoch \d+ · \d+ s per epoch/);
    await expect(dash.locator("#timeline li").count()).resolves.toBeGreaterThanOrEqual(1);
    await dash.waitForFunction("document.querySelector('#charts img')?.naturalWidth > 0", null, { timeout: 30_000 });
    await dash.screenshot({ path: join(SHOTS, "web-dashboard.png"), fullPage: true });
  }, 900_000);
});
