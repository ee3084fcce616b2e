/**
 * The network dashboard page: reads the chain (viem over `/rpc`, read only)
 * every few seconds and shows the epoch and its timeline, the directory by
 * layer with stakes, and each relay's earnings, claims and faults per scheme;
 * below, the SVG charts of the latest comparison report the server found.
 */
import { generatePrivateKey } from "viem/accounts";
import { connectChain } from "../../chain/client.js";
import type { ChainClients } from "../../chain/types.js";
import { ObolError } from "../../errors.js";
import { readDashboard, type DashboardView } from "./dashboard-data.js";
import type { WebConfig } from "./protocol.js";

const $ = (id: string) => document.getElementById(id)!;
const REFRESH_MS = 3_000;
const LAYERS: [string, (l: number, role: string) => boolean][] = [
  ["Gateways (entry and exit)", (_l, role) => role === "gateway"],
  ["Mix layer 1", (l, role) => role === "mix" && l === 1],
  ["Mix layer 2", (l, role) => role === "mix" && l === 2],
  ["Mix layer 3", (l, role) => role === "mix" && l === 3],
];

function el(tag: string, text?: string, attrs: Record<string, string> = {}): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function showError(error: unknown): void {
  const box = $("error");
  box.hidden = false;
  const e = error as ObolError;
  box.dataset.name = e?.name ?? "Error";
  box.textContent = `${e?.name ?? "Error"}: ${e instanceof ObolError ? e.shortMessage : String((e as Error)?.message ?? error)}`;
  if (e instanceof ObolError && e.hint) box.append(el("div", `What to do: ${e.hint}`, { class: "hint" }));
  $("status").textContent = "chain not readable";
  $("status").dataset.state = "error";
}

function render(v: DashboardView): void {
  $("epoch").textContent = `epoch ${v.epoch} · ${v.epochSeconds} s per epoch · next in ${v.epochLeft} s (chain time)`;
  $("timeline").replaceChildren(
    ...v.timeline.map((t) => el("li", `epoch ${t.epoch} opened ${t.at} · seed ${t.seed.slice(0, 12)}…`)),
  );
  const blocks = LAYERS.map(([title, match]) => {
    const rows = v.relays.filter((r) => match(r.layer, r.role));
    const table = el("table");
    const head = el("tr");
    head.append(...["relay", "stake (OBOL)", "earned (OBOL)", "claims", "faults"].map((h) => el("th", h)));
    table.append(head);
    for (const r of rows) {
      const tr = el("tr", undefined, { "data-relay": r.relay.toLowerCase() });
      const schemes = Object.entries(r.schemes);
      const earned =
        schemes
          .filter(([n]) => n !== "registry")
          .map(([n, t]) => `${n} ${t.earned}`)
          .join(" · ") || "0";
      const claims = schemes.reduce((n, [, t]) => n + t.claims, 0);
      const faults =
        schemes
          .filter(([, t]) => t.faults > 0)
          .map(([n, t]) => `${n} ${t.faults}`)
          .join(" · ") || "0";
      tr.append(
        el("td", r.relay, { title: r.multiaddr }),
        el("td", r.stake),
        el("td", earned, { class: "earned" }),
        el("td", String(claims), { class: "claims" }),
        el("td", faults, { class: "faults" }),
      );
      table.append(tr);
    }
    const div = el("div");
    div.append(el("h3", `${title} (${rows.length})`), table);
    return div;
  });
  $("layers").replaceChildren(...blocks);
}

async function loadReport(): Promise<void> {
  const res = await fetch("./report/latest.json", { cache: "no-store" });
  const report = res.ok ? ((await res.json()) as { name: string; charts: string[] } | null) : null;
  if (!report) {
    $("report-meta").textContent = "No comparison report yet: `npm start` writes one to reports/<timestamp>/.";
    return;
  }
  $("report-meta").textContent = `reports/${report.name}/`;
  $("charts").replaceChildren(
    ...report.charts.map((c) => el("img", undefined, { src: `./report/${report.name}/${c}`, alt: c })),
  );
}

async function main(): Promise<void> {
  let chain: ChainClients;
  try {
    const config = (await (await fetch("./obol-config.json")).json()) as WebConfig;
    const deployment = { ...config.deployment, startBlock: BigInt(config.deployment.startBlock) };
    const rpcUrl = new URL(config.rpcPath, location.href).toString();
    chain = await connectChain({
      rpcUrl,
      deployment: { ...deployment, rpcUrl } as never,
      privateKey: generatePrivateKey(),
    });
  } catch (error) {
    return showError(error);
  }
  void loadReport().catch(() => ($("report-meta").textContent = "The report could not be loaded."));
  for (;;) {
    try {
      render(await readDashboard(chain));
      $("error").hidden = true;
      $("status").textContent = `read at ${new Date().toLocaleTimeString()}`;
      $("status").dataset.state = "ready";
      document.body.dataset.ready = "true";
    } catch (error) {
      showError(error);
    }
    await new Promise((r) => setTimeout(r, REFRESH_MS));
  }
}

void main();
