/**
 * The browser client: `ObolClient` (the same module Node runs) in a Web
 * Worker, so Sphinx packet building, sealing and mailbox pulls never stall
 * the page. Platform ports resolve to their browser backends here
 * (`#platform/*`: noble + WebCrypto, IndexedDB, WebSockets, console logging).
 *
 * This file is the browser client entry point: test/web/bundle.test.ts fails
 * if anything it imports reaches a `node:*` module or a native addon.
 */
import { bytesToHex, hexToBytes, type Address } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { connectChain } from "../../chain/client.js";
import type { ChainClients } from "../../chain/types.js";
import { ObolClient } from "../../client/client.js";
import { obolNetwork, REPLY_EPOCH_SIZE } from "../../client/packet.js";
import type { InboxMessage } from "../../client/receive.js";
import { createLogger } from "../../log.js";
import { openClientStore } from "#platform/client-store";
import { primitives } from "#platform/crypto";
import { chainSources } from "../../relay/chain-sources.js";
import { openDirectory } from "../../chain/open-directory.js";
import { scheme as free } from "../../schemes/free/scheme.js";
import type { AccountingScheme, ClientPaymentParameters, RouteHop } from "../../schemes/scheme.js";
import { ObolError } from "../../errors.js";
import { decodeBackup, encodeBackup } from "./backup.js";
import type { ErrorView, FromWorker, HopView, InboxView, ToWorker, WalletView } from "./protocol.js";
import { sleep } from "../../sleep.js";
import { openGatewayChannel, pageChannels, walletView } from "./channels.js";
import { WalletStore } from "./wallet-store.js";
/** The tickets side (mcl-wasm and the blind-token code) loads only on a tickets network: a chunk of its own. */
const ticketsModule = () => import("./tickets.js");
import { pageShopper } from "./shopper.js";
import type { DirectorySource } from "../../chain/types.js";

const post = (message: FromWorker) =>
  (globalThis as unknown as { postMessage(m: FromWorker): void }).postMessage(message);
const log = createLogger({ level: "warn" });
/** How often the mailbox is pulled for live delivery (ms). */
const PULL_EVERY_MS = 400;
/** How often the page is told the client's packet counters (ms). */
const STATS_EVERY_MS = 1_000;
/** Running Loopix streams (`ObolClient.run`), or null when cover traffic is off. */
let cover: AbortController | null = null;

let client: ObolClient | null = null;
/** The paying side (paid schemes only): chain clients with the page's key, its wallet, the faucet path on a devnet. */
let paying: {
  chain: ChainClients;
  store: WalletStore;
  config: ToWorkerInit["config"];
  directory: DirectorySource;
} | null = null;
type ToWorkerInit = Extract<ToWorker, { type: "init" }>;
/** Routes the scheme was asked to pay for, in order: how the page learns which route a packet took. */
const paidRoutes: { kind: string; route: readonly RouteHop[] }[] = [];
/** Sends in flight: routes are recorded only while one waits (cover packets would fill the list otherwise). */
let recording = 0;

/** The scheme, observed: each `pay` call names the route of the packet (or SURB) being built. */
function observed(scheme: AccountingScheme): AccountingScheme {
  return {
    ...scheme,
    client: (deps) => {
      const inner = scheme.client(deps);
      return {
        pay: (p: ClientPaymentParameters) => {
          if (recording > 0) paidRoutes.push({ kind: p.kind, route: p.route });
          return inner.pay(p);
        },
        ...(inner.payReply ? { payReply: inner.payReply.bind(inner) } : {}),
      };
    },
  };
}

/** What to do in this page when a paid packet cannot be paid (the schemes' own hints name the CLI). */
const PAGE_HINTS: Record<string, string> = {
  ChannelMissingError:
    "press “Open channel” in the Wallet box (the key needs ETH for gas and OBOL: “Get devnet funds” on a devnet)",
  NoLotteryRoundError: "the gateway has not committed its lottery round yet; wait a few seconds and send again",
  NoTokenError:
    "press “Buy tokens” in the Wallet box (the key needs ETH for gas and OBOL: “Get devnet funds” on a devnet); tokens are bought per epoch",
};

function errorView(error: unknown): ErrorView {
  if (error instanceof ObolError)
    return {
      name: error.name,
      message: error.shortMessage,
      hint: PAGE_HINTS[error.name] ?? error.hint,
      details: error.details,
    };
  const e = error as Error;
  return { name: e?.name ?? "Error", message: e?.message ?? String(error) };
}

const hops = (route: readonly RouteHop[] | undefined): HopView[] =>
  (route ?? []).map((h) => ({ relay: h.relay, layer: h.layer }));
const view = (
  m: { kind: "message" | "reply"; id: Uint8Array; content: Uint8Array; receivedAt: number },
  canReply: boolean,
): InboxView => ({
  kind: m.kind,
  id: bytesToHex(m.id),
  text: new TextDecoder().decode(m.content),
  canReply,
  receivedAt: m.receivedAt,
});

async function init(msg: Extract<ToWorker, { type: "init" }>): Promise<void> {
  const { config } = msg;
  const deployment = { ...config.deployment, rpcUrl: msg.rpcUrl, startBlock: BigInt(config.deployment.startBlock) };
  // Free and shopper: nothing to pay, a throwaway key signs nothing. Paid: the page's own key from IndexedDB.
  const wallet = config.scheme === "free" || config.scheme === "shopper" ? null : await WalletStore.open(msg.identity);
  if (msg.importKey) {
    if (!wallet)
      throw new ObolError(`This network's scheme (${config.scheme}) pays nothing: there is no key to import`, {
        hint: "import a payment key on a channels or tickets network",
      });
    wallet.importChainKey(msg.importKey);
  }
  const privateKey = wallet ? wallet.chainKey() : generatePrivateKey();
  await wallet?.flush(); // the key is on disk before anything is paid with it
  const chain: ChainClients = await connectChain({ rpcUrl: msg.rpcUrl, deployment: deployment as never, privateKey });
  const sources = chainSources(chain, { open: false, log });
  // A page opened just after an epoch boundary waits for a relay to open the epoch (it sends no openEpoch itself).
  const directory = () => openDirectory(chain, async () => sources.directory(), { canOpen: false });
  if (msg.restore) {
    const backup = decodeBackup(msg.restore);
    const store = await openClientStore(msg.identity);
    store.importIdentity(backup);
    await store.flush();
    store.close();
  }
  const scheme = !wallet
    ? config.scheme === "shopper"
      ? pageShopper()
      : free
    : config.scheme === "tickets"
      ? (await ticketsModule()).pageTickets(wallet)
      : pageChannels(wallet);
  client = await ObolClient.create({
    dataDir: msg.identity,
    log,
    network: obolNetwork(observed(scheme)),
    chain,
    directory,
    epoch: sources.epoch,
  });
  await client.connect({ signal: AbortSignal.timeout(20_000) });
  const history = client.state.received().map((m) => view(m, m.surb !== null));
  post({
    type: "ready",
    address: client.address,
    gateway: client.gateway,
    epoch: String(await sources.epoch()),
    backend: primitives.backend,
    scheme: scheme.name,
    history,
  });
  if (wallet) {
    paying = { chain, store: wallet, config, directory };
    post({ type: "wallet", wallet: await currentView(client) });
  }
  void pullLoop(client);
  setCover(client, msg.cover);
  const c = client;
  setInterval(
    () => post({ type: "stats", cover: cover !== null, stats: { ...c.stats, sent: { ...c.stats.sent } } }),
    STATS_EVERY_MS,
  );
}

/**
 * Starts or stops the Loopix streams, the same `ObolClient.run` the Node client
 * runs: loop and drop cover at λL and λD, and the payload stream at λP in which
 * a queued message replaces the next drop (so sending shows nothing on the link).
 */
function setCover(c: ObolClient, on: boolean): void {
  const running = cover !== null && !cover.signal.aborted;
  if (on === running) return;
  if (!on) {
    cover!.abort();
    return;
  }
  const controller = new AbortController();
  cover = controller;
  // `cover` goes back to null only once every stream has returned: the page's "off" means nothing is in flight.
  void c.run({ signal: controller.signal }).finally(() => {
    if (cover === controller) cover = null;
  });
}

async function pullLoop(c: ObolClient): Promise<void> {
  let failing = false;
  for (;;) {
    try {
      const got: InboxMessage[] = await c.pull({ signal: AbortSignal.timeout(15_000) });
      if (got.length > 0)
        post({ type: "inbox", messages: got.map((m) => view(m, m.kind === "message" && m.canReply)) });
      failing = false;
    } catch (error) {
      if (!failing) post({ type: "error", context: "inbox", error: errorView(error) });
      failing = true;
    }
    await sleep(PULL_EVERY_MS);
  }
}

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === "init") return init(msg);
  if (!client) throw new ObolError("The client is not running yet", { hint: "wait for the address to appear" });
  if (msg.type === "backup") {
    const { sealSecretKey, pullKey } = client.state.identity();
    return post({
      type: "backup",
      text: encodeBackup({ sealSecretKey, pullKey, gateway: client.gateway }),
      paymentKey: paying ? paying.store.chainKey() : undefined,
    });
  }
  if (msg.type === "cover") return setCover(client, msg.on);
  if (msg.type === "wallet" || msg.type === "fund" || msg.type === "open-channel" || msg.type === "buy-tokens")
    return walletAction(client, msg.type);
  if (msg.type === "send") {
    const from = paidRoutes.length;
    const queued = cover !== null && !cover.signal.aborted;
    recording++;
    const start = performance.now();
    // With cover traffic on, the message waits for the payload stream's next tick and replaces a drop.
    let id: Uint8Array;
    try {
      id = queued
        ? await client.enqueue(msg.to, msg.text, { reply: true })
        : await client.send(msg.to, msg.text, { reply: true, signal: AbortSignal.timeout(20_000) });
    } finally {
      recording--;
    }
    const buildMs = performance.now() - start;
    const paid = paidRoutes.splice(from);
    if (recording === 0) paidRoutes.length = 0;
    post({
      type: "sent",
      tag: msg.tag,
      id: bytesToHex(id),
      to: msg.to,
      buildMs,
      queued,
      at: Date.now(),
      route: hops(paid.find((p) => p.kind === "payload")?.route),
      replyRoute: hops(paid.find((p) => p.kind === "reply")?.route),
    });
    return;
  }
  const start = performance.now();
  const surbFirstHop = firstHopOf(msg.id);
  await client.reply(msg.id.slice(2), msg.text, { signal: AbortSignal.timeout(20_000) });
  post({ type: "replied", tag: msg.tag, id: msg.id, firstHop: surbFirstHop, sendMs: performance.now() - start });
}

/** The Wallet box's figures under the network's scheme. */
async function currentView(c: ObolClient): Promise<WalletView> {
  const { chain, store, config } = paying!;
  return config.scheme === "tickets"
    ? (await ticketsModule()).ticketsView(chain, store, !!config.faucetPath)
    : walletView(chain, c.gateway as Address, !!config.faucetPath);
}

/** The wallet box: refresh, devnet faucet, open or top up the channel to the entry gateway, buy tokens. */
async function walletAction(c: ObolClient, action: "wallet" | "fund" | "open-channel" | "buy-tokens"): Promise<void> {
  if (!paying)
    throw new ObolError("This network's scheme is free: there is nothing to pay", { hint: "no wallet is needed" });
  const { chain, config } = paying;
  const faucetPath = config.faucetPath;
  const gateway = c.gateway as Address;
  if (action === "fund") {
    if (!faucetPath)
      throw new ObolError("No faucet on this network", { hint: `send ETH and OBOL to ${chain.account}` });
    const res = await fetch(new URL(faucetPath, self.location.href), { method: "POST", body: chain.account });
    if (!res.ok)
      throw new ObolError("The devnet faucet refused", {
        details: await res.text(),
        hint: "is `npm run web` still running?",
      });
  }
  if (action === "open-channel") await openGatewayChannel(chain, gateway, !!faucetPath);
  if (action === "buy-tokens") {
    if (!config.issuer)
      throw new ObolError("This network names no token issuer", {
        hint: "start the page with `npm run web -- --scheme tickets`",
      });
    await (await ticketsModule()).buyPageTokens(
      chain,
      c.libp2p,
      paying.store,
      config.issuer,
      await paying.directory(),
      !!faucetPath,
    );
  }
  post({ type: "wallet", wallet: await currentView(c), done: action });
}

/** The SURB's first hop (the only hop of a reply route the replier learns). */
function firstHopOf(id: string): string {
  const m = client!.state.received().find((r) => r.kind === "message" && bytesToHex(r.id) === id);
  if (!m?.surb) return "";
  // The block starts with the epoch it was built in (REPLY_EPOCH_SIZE bytes), then the SURB, first hop first.
  return bytesToHex(m.surb.subarray(REPLY_EPOCH_SIZE, REPLY_EPOCH_SIZE + 20));
}

globalThis.addEventListener("message", (event: Event) => {
  const msg = (event as MessageEvent<ToWorker>).data;
  handle(msg).catch((error: unknown) =>
    post({ type: "error", tag: "tag" in msg ? msg.tag : undefined, context: msg.type, error: errorView(error) }),
  );
});

// The crypto backend awaits its WASM at top level, so this module finishes loading late: the page
// posts nothing before this (a message sent to a module worker still loading can be lost).
post({ type: "loaded" });

export { hexToBytes }; // keeps viem's hex helpers in one chunk with the page's
