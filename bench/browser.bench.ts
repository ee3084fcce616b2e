/**
 * The browser client's figures (issue 13), in Debian's Chromium through playwright-core:
 * - `browser.client.send.per_s`: route + seal + pay(free) + 5-hop Sphinx build in
 *   the page (noble + WebCrypto backend), next to the same code in Node in the same run;
 * - `browser.bundle_kib_gzip`: the client entry (the Web Worker chunk Vite builds);
 * - `browser.first_message_ms`: from opening the sender's page to the message
 *   showing in the recipient's page, on a local devnet (`startWeb`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { silentLogger } from "../src/log.js";
import { measureSendRate } from "../src/web/app/send-bench.js";
import { startWeb } from "../src/web/serve.js";
import { buildApp } from "../src/web/vite.js";
import { launchChromium } from "../test/web/chromium.js";
import type { BenchOptions, Metric } from "./metric.js";

const kib = (bytes: number) => bytes / 1024;

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const ms = quick ? 1_000 : 4_000;
  const out: Metric[] = [];
  const browser = await launchChromium();
  try {
    // Same module, bundled for the browser (browser condition → noble/WebCrypto backend).
    // An ES module (the crypto backend awaits its WASM at top level), which publishes the bench on globalThis.
    const bundle = await build({
      stdin: {
        contents:
          'import { measureSendRate } from "./src/web/app/send-bench.ts"; globalThis.obolBench = { measureSendRate };',
        resolveDir: process.cwd(),
        loader: "ts",
      },
      bundle: true,
      write: false,
      platform: "browser",
      format: "esm",
      target: "es2023",
    });
    const page = await browser.newPage();
    await page.setContent("<!doctype html><title>bench</title>");
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text, type: "module" });
    await page.waitForFunction("globalThis.obolBench !== undefined", null, { timeout: 60_000 });
    type Bench = { obolBench: { measureSendRate: typeof measureSendRate } };
    const inPage = await page.evaluate((t) => (globalThis as unknown as Bench).obolBench.measureSendRate(t), ms);
    const inNode = await measureSendRate(ms);
    out.push(
      {
        metric: "browser.client.send.per_s",
        value: inPage.perS,
        unit: "messages/s",
        note: `Chromium page, ${inPage.backend} crypto backend; route + seal + pay(free) + 5-hop Sphinx build, 256-byte content (X25519 in libsodium WASM)`,
      },
      {
        metric: "browser.node.client.send.per_s",
        value: inNode.perS,
        unit: "messages/s",
        note: `same code in Node (${inNode.backend} backend: node:crypto + libsodium), same run`,
      },
    );

    const outDir = await buildApp();
    const assets = readdirSync(join(outDir, "assets"));
    const worker = assets.find((f) => f.startsWith("worker-") && f.endsWith(".js"))!;
    const tickets = assets.find((f) => f.startsWith("tickets-") && f.endsWith(".js"));
    const gz = (f: string) => gzipSync(readFileSync(join(outDir, "assets", f)), { level: 9 }).length;
    const sum = (files: Iterable<string>) => [...files].reduce((s, f) => s + gz(f), 0);
    // The worker chunk alone undercounts: it statically imports shared chunks the browser must also fetch.
    const client = staticClosure(join(outDir, "assets"), worker);
    const ticketsExtra = tickets
      ? [...staticClosure(join(outDir, "assets"), tickets)].filter((f) => !client.has(f))
      : [];
    out.push(
      {
        metric: "browser.bundle_kib_gzip",
        value: kib(sum(client)),
        unit: "KiB",
        note: `client entry: the Web Worker chunk and every chunk it imports statically (${client.size} files: client, Sphinx, libp2p, viem), gzip -9; goal ≤ 600`,
      },
      {
        metric: "browser.bundle_kib_gzip.tickets_extra",
        value: kib(sum(ticketsExtra)),
        unit: "KiB",
        note: "loaded only on a tickets network: the tickets chunk (blind tokens, mcl-wasm) beyond the client entry, gzip -9",
      },
      {
        metric: "browser.app_kib_gzip",
        value: kib(assets.filter((f) => f.endsWith(".js")).reduce((s, f) => s + gz(f), 0)),
        unit: "KiB",
        note: "all JavaScript of the app, gzip -9",
      },
    );

    const first = await firstMessageMs(browser);
    out.push(
      {
        metric: "browser.first_message_ms",
        value: first.total,
        unit: "ms",
        note: "open the sender's page → message shown in the recipient's page, devnet on loopback, free scheme, cover on",
      },
      {
        metric: "browser.first_message.ready_ms",
        value: first.ready,
        unit: "ms",
        note: "of which: open the sender's page → client running (worker, WASM, IndexedDB, chain reads, gateway connection)",
      },
      {
        metric: "browser.first_message.send_ms",
        value: first.send,
        unit: "ms",
        note: "of which: Send → the packet left (cover on: waits for the payload stream's next tick)",
      },
      {
        metric: "browser.first_message.deliver_ms",
        value: first.total - first.ready - first.send,
        unit: "ms",
        note: "of which: the packet left → shown in the recipient's page (5 hops of Poisson delay, mailbox polling)",
      },
    );
  } finally {
    await browser.close();
  }
  return out;
}

/** Page load → first delivered message, split where the time goes (issue 13: the total rose from 9.3 s to 22.6 s). */
async function firstMessageMs(
  browser: Awaited<ReturnType<typeof launchChromium>>,
): Promise<{ total: number; ready: number; send: number }> {
  const controller = new AbortController();
  const web = await startWeb({ port: 0, log: silentLogger(), signal: controller.signal });
  try {
    const bob = await (await browser.newContext()).newPage();
    await bob.goto(`${web.url}?identity=bob`);
    await bob.waitForSelector("body[data-ready=true]", { timeout: 120_000 });
    const address = (await bob.textContent("#address"))!.trim();
    const alice = await (await browser.newContext()).newPage();
    const start = Date.now();
    await alice.goto(`${web.url}?identity=alice`);
    await alice.waitForSelector("body[data-ready=true]", { timeout: 120_000 });
    const ready = Date.now() - start;
    await alice.fill("#to", address);
    await alice.fill("#text", "first");
    const clicked = Date.now();
    await alice.click("#send");
    await alice.locator("#sent li").first().waitFor({ timeout: 180_000 });
    const send = Date.now() - clicked;
    await bob.locator("#inbox li[data-kind=message]").first().waitFor({ timeout: 180_000 });
    return { total: Date.now() - start, ready, send };
  } finally {
    controller.abort();
    await web.stop();
  }
}

/** `entry` and every chunk it imports statically (`import … from "./x.js"`, transitively), as the browser fetches them. */
function staticClosure(dir: string, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(dir, file), "utf8");
    for (const m of text.matchAll(/(?:^|[;\s}])import\s*(?:[\w$*{}\s,]*?from\s*)?["']\.\/([^"']+\.js)["']/g))
      visit(m[1]!);
  };
  visit(entry);
  return seen;
}
