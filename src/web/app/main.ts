/**
 * The page: shows the identity, composes messages, lists the inbox (live)
 * and what was sent with its route and timings, and shows every error the
 * client reports in a banner. All packet work happens in `worker.ts`.
 */
import type { ErrorView, FromWorker, HopView, InboxView, ToWorker, WebConfig } from "./protocol.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const IDENTITY_KEY = "obol.identity";
let worker: Worker | null = null;
let tags = 0;
const sentById = new Map<string, HTMLLIElement>();
const WALLET_BUTTONS = ["wallet-fund", "wallet-open", "wallet-buy"] as const;

function showError(context: string, e: ErrorView): void {
  const box = $("error");
  box.hidden = false;
  box.dataset.name = e.name;
  box.innerHTML = "";
  const title = document.createElement("strong");
  title.textContent = `${e.name} (${context}): ${e.message}`;
  box.append(title);
  for (const [cls, text] of [
    ["details", e.details],
    ["hint", e.hint && `What to do: ${e.hint}`],
  ] as const) {
    if (!text) continue;
    const p = document.createElement("div");
    p.className = cls;
    p.textContent = text;
    box.append(p);
  }
}

function status(text: string, state: "starting" | "ready" | "error"): void {
  const s = $("status");
  s.textContent = text;
  s.dataset.state = state;
}

const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const routeText = (route: HopView[]) =>
  route.map((h) => `${h.layer === 0 || h.layer === 4 ? "gw" : `L${h.layer}`} ${short(h.relay)}`).join(" → ");

function addInbox(m: InboxView): void {
  const li = document.createElement("li");
  li.dataset.kind = m.kind;
  li.dataset.id = m.id;
  const time = new Date(m.receivedAt).toLocaleTimeString();
  li.innerHTML = `<span class="kind"></span> <span class="text"></span><div class="route"></div>`;
  li.querySelector(".kind")!.textContent = m.kind === "reply" ? "Reply" : "Message";
  li.querySelector(".text")!.textContent = m.text;
  li.querySelector(".route")!.textContent = `id ${m.id.slice(0, 14)}… · received ${time}`;
  if (m.kind === "reply") {
    const sent = sentById.get(m.id);
    if (sent) {
      const rtt = m.receivedAt - Number(sent.dataset.at);
      sent.querySelector(".rtt")!.textContent = ` · reply came back after ${rtt} ms (10 hops)`;
      li.querySelector(".route")!.textContent += ` · round trip ${rtt} ms`;
    }
  }
  if (m.canReply) {
    const box = document.createElement("div");
    box.className = "row";
    const input = document.createElement("input");
    input.placeholder = "reply through the SURB";
    const button = document.createElement("button");
    button.textContent = "Reply";
    button.className = "reply";
    button.onclick = () => {
      const tag = ++tags;
      button.disabled = true;
      li.dataset.replyTag = String(tag);
      call({ type: "reply", id: m.id, text: input.value || `re: ${m.text.slice(0, 40)}`, tag });
    };
    box.append(input, button);
    li.append(box);
  }
  $("inbox").prepend(li);
}

function onMessage(msg: FromWorker): void {
  switch (msg.type) {
    case "loaded":
      return;
    case "ready":
      $("address").textContent = msg.address;
      $("identity-meta").textContent =
        `gateway ${msg.gateway} · epoch ${msg.epoch} · crypto backend ${msg.backend} · scheme ${msg.scheme}`;
      $("wallet").hidden = msg.scheme === "free" || msg.scheme === "shopper";
      ($("wallet-open") as HTMLButtonElement).hidden = msg.scheme !== "channels";
      ($("wallet-buy") as HTMLButtonElement).hidden = msg.scheme !== "tickets";
      $("wallet-holding-label").textContent = msg.scheme === "tickets" ? "Blind tokens" : "Channel to your gateway";
      $("wallet-how").textContent =
        msg.scheme === "tickets"
          ? "This page's key (kept in IndexedDB, it never leaves the worker) buys blind tokens from the issuer; each hop of a packet is paid with one, and the issuer cannot link a token to its purchase."
          : "This page's key (kept in IndexedDB, it never leaves the worker) pays the entry gateway with a ticket per packet on a payment channel.";
      status("connected to the gateway over WebSockets", "ready");
      document.body.dataset.ready = "true";
      for (const m of msg.history) addInbox(m);
      return;
    case "inbox":
      for (const m of msg.messages) addInbox(m);
      return;
    case "sent": {
      const li = document.createElement("li");
      li.dataset.id = msg.id;
      li.dataset.at = String(msg.at - Math.round(msg.buildMs));
      li.innerHTML = `<span class="text"></span><div class="route"></div><div class="route"></div><div class="route"><span class="timing"></span><span class="rtt"></span></div>`;
      li.querySelector(".text")!.textContent =
        `to ${short(msg.to.replace(/^obol1/, ""))}: ${($("text") as HTMLTextAreaElement).value}`;
      const routes = li.querySelectorAll(".route");
      routes[0]!.textContent = `route: ${routeText(msg.route)}`;
      routes[1]!.textContent = `reply block: ${routeText(msg.replyRoute)}`;
      li.querySelector(".timing")!.textContent = msg.queued
        ? `left with the payload stream (replacing a drop) ${msg.buildMs.toFixed(0)} ms after Send`
        : `built, sealed and handed to the gateway in ${msg.buildMs.toFixed(1)} ms`;
      sentById.set(msg.id, li);
      $("sent").prepend(li);
      ($("send") as HTMLButtonElement).disabled = false;
      return;
    }
    case "replied": {
      const li = document.querySelector<HTMLLIElement>(`li[data-reply-tag="${msg.tag}"]`);
      if (li)
        li.querySelector(".route")!.textContent +=
          ` · replied via SURB (first hop ${short(msg.firstHop)}) in ${msg.sendMs.toFixed(1)} ms`;
      li?.setAttribute("data-replied", "true");
      return;
    }
    case "wallet": {
      const w = msg.wallet;
      $("wallet-account").textContent = w.account;
      $("wallet-balances").textContent = `${w.eth} ETH (gas) · ${w.obol} OBOL`;
      if (w.channel) {
        const ch = w.channel;
        $("wallet-channel").textContent =
          ch.status === "open"
            ? `open · ${ch.balance} OBOL · about ${ch.packetsLeft} packets`
            : `${ch.status} (open one to send)`;
        $("wallet").dataset.channel = ch.status;
      }
      if (w.tokens) {
        $("wallet-channel").textContent =
          `${w.tokens.unspent} unspent for epoch ${w.tokens.epoch} (one per hop: about ${Math.floor(w.tokens.unspent / 5)} packets)`;
        $("wallet").dataset.tokens = String(w.tokens.unspent);
      }
      $("wallet").dataset.funded = String(Number(w.eth) > 0);
      if (msg.done) $("wallet").dataset.done = msg.done;
      ($("wallet-fund") as HTMLButtonElement).hidden = !w.faucet;
      for (const id of WALLET_BUTTONS) ($(id) as HTMLButtonElement).disabled = false;
      return;
    }
    case "stats": {
      const { sent, receipts, errors } = msg.stats;
      const box = $("stats");
      for (const [k, v] of Object.entries({ ...sent, receipts, errors })) box.dataset[k] = String(v);
      box.dataset.cover = String(msg.cover);
      box.textContent = `${msg.cover ? "Loopix cover on" : "cover off"} · sent: ${sent.payload} payload, ${sent.loop} loop, ${sent.drop} drop, ${sent.reply} reply · ${receipts} gateway receipts · ${errors} failed`;
      return;
    }
    case "backup":
      $("backup").hidden = false;
      $("backup").textContent = `Anyone holding this text reads your mail: ${msg.text}`;
      if (msg.paymentKey)
        $("backup").textContent += ` · Payment key (anyone holding it spends your funds): ${msg.paymentKey}`;
      return;
    case "error":
      showError(msg.context, msg.error);
      if (msg.context === "init") status("client not running", "error");
      if (msg.context === "send") ($("send") as HTMLButtonElement).disabled = false;
      if (msg.context === "fund" || msg.context === "open-channel" || msg.context === "buy-tokens")
        for (const id of WALLET_BUTTONS) ($(id) as HTMLButtonElement).disabled = false;
      return;
  }
}

function call(msg: ToWorker): void {
  $("error").hidden = true;
  worker!.postMessage(msg);
}

async function start(identity: string, restore?: string, importKey?: string): Promise<void> {
  worker?.terminate();
  $("inbox").innerHTML = "";
  $("sent").innerHTML = "";
  delete document.body.dataset.ready;
  $("error").hidden = true; // an error of the client being replaced says nothing about the new one
  status("starting the client…", "starting");
  localStorage.setItem(IDENTITY_KEY, identity);
  ($("identity-name") as HTMLInputElement).value = identity;
  let config: WebConfig;
  try {
    const res = await fetch("./obol-config.json");
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    config = (await res.json()) as WebConfig;
  } catch (cause) {
    showError("init", {
      name: "ConfigUnavailable",
      message: `cannot load the network configuration (${String(cause)})`,
      hint: "start the page with `npm run web`",
    });
    return status("client not running", "error");
  }
  worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  worker.onerror = (e) => showError("worker", { name: "WorkerError", message: e.message });
  const cover = ($("cover") as HTMLInputElement).checked;
  const init: ToWorker = {
    type: "init",
    config,
    rpcUrl: new URL(config.rpcPath, location.href).toString(),
    identity,
    restore,
    importKey,
    cover,
  };
  worker.onmessage = (e: MessageEvent<FromWorker>) => (e.data.type === "loaded" ? call(init) : onMessage(e.data));
}

$("send").onclick = () => {
  ($("send") as HTMLButtonElement).disabled = true;
  call({
    type: "send",
    to: ($("to") as HTMLInputElement).value.trim(),
    text: ($("text") as HTMLTextAreaElement).value,
    tag: ++tags,
  });
};
$("switch-identity").onclick = () => void start(($("identity-name") as HTMLInputElement).value.trim() || "default");
const walletCall = (type: "fund" | "open-channel" | "buy-tokens" | "wallet") => {
  for (const id of WALLET_BUTTONS) ($(id) as HTMLButtonElement).disabled = type !== "wallet";
  delete $("wallet").dataset.done;
  call({ type });
};
$("wallet-fund").onclick = () => walletCall("fund");
$("wallet-open").onclick = () => walletCall("open-channel");
$("wallet-buy").onclick = () => walletCall("buy-tokens");
$("wallet-refresh").onclick = () => walletCall("wallet");
$("cover").onchange = () => call({ type: "cover", on: ($("cover") as HTMLInputElement).checked });
($("cover") as HTMLInputElement).checked = new URLSearchParams(location.search).get("cover") !== "off";
$("show-backup").onclick = () => call({ type: "backup" });
$("wallet-import").onclick = () =>
  void start(
    ($("identity-name") as HTMLInputElement).value.trim() || "default",
    undefined,
    ($("wallet-import-text") as HTMLInputElement).value,
  );
$("restore").onclick = () =>
  void start(
    ($("identity-name") as HTMLInputElement).value.trim() || "restored",
    ($("restore-text") as HTMLInputElement).value,
  );

void start(new URLSearchParams(location.search).get("identity") ?? localStorage.getItem(IDENTITY_KEY) ?? "default");
