/**
 * The page setup the per-scheme Chromium tests share: one web server
 * (`startWeb`, the code of `npm run web`) and one headless Chromium for the
 * file, a fresh browser context (own IndexedDB, own worker) per user, and the
 * waits that fail with the page's own error text instead of a bare timeout.
 */
import { afterAll, beforeAll } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { silentLogger } from "../../src/log.js";
import { startWeb, type RunningWeb, type StartWebParameters } from "../../src/web/serve.js";
import { launchChromium } from "./chromium.js";

export type WebSession = {
  /** The running server (set once `beforeAll` has run). */
  readonly web: RunningWeb;
  /** A new user: its own context, the page at `?identity=…&cover=off`, waited until the client runs. */
  open(identity: string): Promise<Page>;
};

/**
 * Registers the file's `beforeAll` (server, then Chromium; `prepare` runs first) and `afterAll` (every context,
 * Chromium, the server).
 */
export function webSession(
  options: Omit<StartWebParameters, "port" | "log" | "signal">,
  prepare: () => void = () => {},
): WebSession {
  const controller = new AbortController();
  let web: RunningWeb;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    prepare();
    web = await startWeb({ ...options, port: 0, log: silentLogger(), signal: controller.signal });
    browser = await launchChromium();
  }, 400_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    controller.abort();
    await web?.stop();
  }, 120_000);
  return {
    get web() {
      return web;
    },
    async open(identity) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      keepConsole(page);
      // Cover traffic off: every paid packet is one the test sends (cover is tested in browser.test.ts).
      await page.goto(`${web.url}?identity=${identity}&cover=off`);
      await ready(page);
      return page;
    },
  };
}

/** Waits until the client runs, or fails with the page's own error text. */
export async function ready(page: Page): Promise<void> {
  await Promise.race([
    page.waitForSelector("body[data-ready=true]", { timeout: 180_000 }),
    page.waitForSelector("#error:not([hidden])", { timeout: 180_000 }),
  ]);
  if ((await page.getAttribute("body", "data-ready")) !== "true")
    throw new Error(`the page did not start: ${await page.textContent("#error")}`);
}

/** The last lines the page and its worker logged, so a wait that times out says what the client was doing. */
const consoles = new WeakMap<Page, string[]>();
function keepConsole(page: Page): void {
  const lines: string[] = [];
  consoles.set(page, lines);
  const keep = (from: string) => (m: { text(): string }) => {
    lines.push(`${from}: ${m.text().slice(0, 400)}`);
    if (lines.length > 30) lines.shift();
  };
  page.on("console", keep("page"));
  page.on("worker", (w) => w.on("console", keep("worker")));
}

/** What the page shows and logged: for the message of a failed wait. */
export async function pageState(page: Page): Promise<string> {
  const body = await page.evaluate("document.body.innerText").catch((e: unknown) => String(e));
  return `page text:\n${String(body).slice(0, 1500)}\nlast console lines:\n${(consoles.get(page) ?? []).join("\n")}`;
}

/** The error the page shows: its class name and text. */
export async function errorShown(page: Page, timeout = 60_000): Promise<{ name: string | null; text: string }> {
  try {
    await page.waitForSelector("#error:not([hidden])", { timeout });
  } catch (error) {
    throw new Error(`no error showed in the page within ${timeout} ms\n${await pageState(page)}`, { cause: error });
  }
  return { name: await page.getAttribute("#error", "data-name"), text: (await page.textContent("#error"))! };
}

/** Presses a wallet button and waits until the worker reports that action done (or fails with the page's words). */
export async function walletAction(page: Page, button: string, done: string): Promise<void> {
  await page.click(button);
  const ok = page.locator(`#wallet[data-done="${done}"]`);
  await Promise.race([
    ok.waitFor({ state: "attached", timeout: 180_000 }),
    page.locator("#error:not([hidden])").waitFor({ timeout: 180_000 }),
  ]);
  if ((await ok.count()) === 0) throw new Error(`${done} failed in the page: ${await page.textContent("#error")}`);
}

/** Sends `text` to `to`; waits until the packet left, or fails with the page's own words. */
export async function send(page: Page, to: string, text: string): Promise<void> {
  const before = await page.locator("#sent li").count();
  await page.fill("#to", to);
  await page.fill("#text", text);
  await page.click("#send");
  const sent = page.locator("#sent li").nth(before);
  await Promise.race([
    sent.waitFor({ timeout: 180_000 }),
    page.locator("#error:not([hidden])").waitFor({ timeout: 180_000 }),
  ]);
  if (!(await sent.isVisible())) throw new Error(`send failed in the page: ${await page.textContent("#error")}`);
}
