/**
 * The web client in a real Chromium against a real local network: a Hardhat
 * node, Ignition deployment and 11 relays started here (`startWeb`, the same
 * code as `npm run web`), the app built by Vite and served by its preview
 * server. Two browser contexts (separate IndexedDB, separate workers) are
 * two users. `OBOL_WEB_SCREENSHOTS=1` saves the screenshots as docs/web-*.png.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { silentLogger } from "../../src/log.js";
import { startWeb, type RunningWeb } from "../../src/web/serve.js";
import { launchChromium } from "./chromium.js";

/** `OBOL_WEB_SCREENSHOTS=1` refreshes docs/web-*.png; otherwise screenshots go to a temporary directory. */
const SHOTS = process.env.OBOL_WEB_SCREENSHOTS === "1" ? "docs" : mkdtempSync(join(tmpdir(), "obol-web-shots-"));
const DELIVERY_MS = 90_000; // 5 hops with Poisson delays on a loaded 2-core machine
const controller = new AbortController();
let web: RunningWeb;
let browser: Browser;
let alice: BrowserContext;
let bob: BrowserContext;

async function open(context: BrowserContext, identity: string): Promise<{ page: Page; address: string }> {
  const page = await context.newPage();
  await page.goto(`${web.url}?identity=${identity}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  const address = (await page.textContent("#address"))!.trim();
  return { page, address };
}

/** The page's packet counters (the `data-*` attributes of #stats). */
async function statsOf(page: Page): Promise<Record<string, string | null>> {
  const names = ["cover", "payload", "loop", "drop", "receipts"] as const;
  const values = await Promise.all(names.map((n) => page.getAttribute("#stats", `data-${n}`)));
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

beforeAll(async () => {
  web = await startWeb({ port: 0, log: silentLogger(), signal: controller.signal });
  browser = await launchChromium();
  alice = await browser.newContext();
  bob = await browser.newContext();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  controller.abort();
  await web?.stop();
}, 120_000);

describe("web client in Chromium", () => {
  it("exchanges a message and a SURB reply through 5 hops, survives a reload, gets mail sent while closed", async () => {
    const a = await open(alice, "alice");
    let b = await open(bob, "bob");
    expect(a.address).toMatch(/^obol1[a-z2-7]+$/);
    expect(b.address).toMatch(/^obol1[a-z2-7]+$/);
    expect(a.address).not.toBe(b.address);
    await expect(a.page.textContent("#identity-meta")).resolves.toContain("crypto backend browser");

    await a.page.fill("#to", b.address);
    await a.page.fill("#text", "hello bob, from a browser");
    await a.page.click("#send");
    const sent = a.page.locator("#sent li").first();
    await sent.waitFor({ timeout: 60_000 });
    // The route the packet took: entry gateway, three mix layers, exit gateway; and the SURB's way back.
    const [route, back] = await sent.locator(".route").allTextContents();
    expect(route).toMatch(/^route: gw 0x\w+…\w+ → L1 \S+ → L2 \S+ → L3 \S+ → gw \S+$/);
    expect(back).toMatch(/^reply block: gw \S+ → L1 \S+ → L2 \S+ → L3 \S+ → gw \S+$/);

    const received = b.page.locator("#inbox li[data-kind=message]").first();
    await received.waitFor({ timeout: DELIVERY_MS });
    await expect(received.locator(".text").textContent()).resolves.toBe("hello bob, from a browser");

    await received.locator("input").fill("hi alice, through your SURB");
    await received.locator("button.reply").click();
    const reply = a.page.locator("#inbox li[data-kind=reply]").first();
    await reply.waitFor({ timeout: DELIVERY_MS });
    await expect(reply.locator(".text").textContent()).resolves.toBe("hi alice, through your SURB");
    await expect(sent.locator(".rtt").textContent()).resolves.toMatch(/reply came back after \d+ ms/);
    await a.page.screenshot({ path: join(SHOTS, "web-alice.png"), fullPage: true });
    await b.page.screenshot({ path: join(SHOTS, "web-bob.png"), fullPage: true });

    // Reload: same identity from IndexedDB, same address, the inbox is still there; the SURB is spent.
    await b.page.reload();
    await b.page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    await expect(b.page.textContent("#address")).resolves.toBe(b.address);
    await expect(b.page.locator("#inbox li[data-kind=message] .text").first().textContent()).resolves.toBe(
      "hello bob, from a browser",
    );
    await expect(b.page.locator("#inbox li[data-kind=message] button.reply").count()).resolves.toBe(0);

    // Bob closes his page; Alice writes; Bob's gateway keeps it in his mailbox until he opens the page.
    await b.page.close();
    await a.page.fill("#text", "while you were away");
    await a.page.click("#send");
    await a.page.locator("#sent li").nth(1).waitFor({ timeout: 60_000 });
    b = await open(bob, "bob");
    await b.page
      .locator("#inbox li[data-kind=message] .text", { hasText: "while you were away" })
      .waitFor({ timeout: DELIVERY_MS });
  }, 400_000);

  it("runs Loopix cover traffic from the page (ObolClient.run): loops and drops reach the gateway, off stops them", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${web.url}?identity=erin`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    await expect(page.isChecked("#cover")).resolves.toBe(true);
    const gateway = /gateway (0x[0-9a-fA-F]{40})/.exec((await page.textContent("#identity-meta"))!)![1]!.toLowerCase();
    const relay = web.net.relays.find((r) => r.address.toLowerCase() === gateway)!.relay;
    const receivedBefore = relay.stats.received;
    // λL = λD = 0.5/s and λP = 2/s (drops when nothing is queued): wait on the page's counters, no timing assumed.
    await page.waitForSelector("#stats[data-loop]:not([data-loop='0']):not([data-loop='1'])", { timeout: 120_000 });
    await page.waitForFunction(
      "Number(document.getElementById('stats').dataset.drop) >= 2 && Number(document.getElementById('stats').dataset.receipts) >= 4",
      null,
      { timeout: 120_000 },
    );
    const counted = await statsOf(page);
    expect(counted.cover).toBe("true");
    expect(Number(counted.payload)).toBe(0); // nothing was sent: every packet so far is cover
    // The gateway saw them: each receipt answers a packet it received from this page.
    expect(relay.stats.received - receivedBefore).toBeGreaterThanOrEqual(Number(counted.receipts));

    // Off: the page says so once every stream has returned; the counters then stay put across several
    // mean inter-arrival times (1/λ = 2 s for loops and drops).
    await page.uncheck("#cover");
    await page.waitForSelector("#stats[data-cover=false]", { timeout: 30_000 });
    const stopped = await statsOf(page);
    await page.waitForTimeout(6_000);
    const later = await statsOf(page);
    expect([later.loop, later.drop]).toEqual([stopped.loop, stopped.drop]);
    await context.close();
  }, 300_000);

  it("shows typed errors in the page: bad address, chain unreachable, no gateway", async () => {
    const { page } = await open(alice, "alice");
    await page.fill("#to", "obol1notanaddress");
    await page.fill("#text", "x");
    await page.click("#send");
    await page.waitForSelector("#error:not([hidden])", { timeout: 30_000 });
    await expect(page.getAttribute("#error", "data-name")).resolves.toBe("InvalidAddressError");

    // Chain unreachable: the page's JSON-RPC requests (through the same-origin proxy) fail.
    const noChain = await browser.newContext();
    await noChain.route("**/rpc", (route) => route.abort("connectionrefused"));
    const p3 = await noChain.newPage();
    await p3.goto(`${web.url}?identity=dave`);
    await p3.waitForSelector("#error:not([hidden])", { timeout: 90_000 });
    await expect(p3.getAttribute("#error", "data-name")).resolves.toBe("ChainUnreachableError");
    await expect(p3.getAttribute("#status", "data-state")).resolves.toBe("error");
    await noChain.close();

    // No gateway: both gateways go down (last, as the network cannot carry mail after this).
    for (const r of web.net.relays.filter((r) => r.role === "gateway")) await r.node.stop();
    const p2 = await (await browser.newContext()).newPage();
    await p2.goto(`${web.url}?identity=carol`);
    await p2.waitForSelector("#error:not([hidden])", { timeout: 90_000 });
    await expect(p2.getAttribute("#error", "data-name")).resolves.toBe("GatewayUnreachableError");
    await expect(p2.textContent("#error")).resolves.toContain("What to do:");
    await p2.screenshot({ path: join(SHOTS, "web-error.png"), fullPage: true });
  }, 300_000);
});
