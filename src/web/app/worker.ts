/**
 * The browser client: `ObolClient` (the same module Node runs) in a Web
 * Worker, so Sphinx packet building, sealing and mailbox pulls never stall
 * the page. Platform ports resolve to their browser backends here
 * (`#platform/*`: noble + WebCrypto, IndexedDB, WebSockets, console logging).
 *
 * This file is the browser client entry point: test/web/bundle.test.ts fails
 * if anything it imports reaches a `node:*` module or a native addon.
 */
import { bytesToHex, hexToBytes } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { connectChain } from "../../chain/client.js";
import type { ChainClients } from "../../chain/types.js";
import { ObolClient } from "../../client/client.js";
import { obolNetwork } from "../../client/packet.js";
import type { InboxMessage } from "../../client/receive.js";
import { createLogger } from "../../log.js";
import { openClientStore } from "#platform/client-store";
import { primitives } from "#platform/crypto";
import { chainSources } from "../../relay/chain-sources.js";
import { scheme as free } from "../../schemes/free/scheme.js";
import type { AccountingScheme, ClientPaymentParameters, RouteHop } from "../../schemes/scheme.js";
import { ObolError } from "../../errors.js";
import { decodeBackup, encodeBackup } from "./backup.js";
import type { ErrorView, FromWorker, HopView, InboxView, ToWorker } from "./protocol.js";
import { sleep } from "../../sleep.js";

const post = (message: FromWorker) => (globalThis as unknown as { postMessage(m: FromWorker): void }).postMessage(message);
const log = createLogger({ level: "warn" });
/** How often the mailbox is pulled for live delivery (ms). */
const PULL_EVERY_MS = 400;

let client: ObolClient | null = null;
/** Routes the scheme was asked to pay for, in order: how the page learns which route a packet took. */
const paidRoutes: { kind: string; route: readonly RouteHop[] }[] = [];

/** The free scheme, observed: each `pay` call names the route of the packet (or SURB) being built. */
function observed(scheme: AccountingScheme): AccountingScheme {
  return {
    ...scheme,
    client: (deps) => {
      const inner = scheme.client(deps);
      return { pay: (p: ClientPaymentParameters) => {
          paidRoutes.push({ kind: p.kind, route: p.route });
          return inner.pay(p);
        },
      };
    },
  };
}

function errorView(error: unknown): ErrorView {
  if (error instanceof ObolError) return { name: error.name, message: error.shortMessage, hint: error.hint, details: error.details };
  const e = error as Error;
  return { name: e?.name ?? "Error", message: e?.message ?? String(error) };
}

const hops = (route: readonly RouteHop[] | undefined): HopView[] => (route ?? []).map((h) => ({ relay: h.relay, layer: h.layer }));
const view = (m: { kind: "message" | "reply"; id: Uint8Array; content: Uint8Array; receivedAt: number }, canReply: boolean): InboxView => ({
  kind: m.kind, id: bytesToHex(m.id), text: new TextDecoder().decode(m.content), canReply, receivedAt: m.receivedAt,
});

async function init(msg: Extract<ToWorker, { type: "init" }>): Promise<void> {
  const { config } = msg;
  const deployment = { ...config.deployment, rpcUrl: msg.rpcUrl, startBlock: BigInt(config.deployment.startBlock) };
  // Reads only: a throwaway key signs nothing (the free scheme pays nothing).
  const chain: ChainClients = await connectChain({ rpcUrl: msg.rpcUrl, deployment: deployment as never, privateKey: generatePrivateKey() });
  const sources = chainSources(chain, { open: false, log });
  if (msg.restore) {
    const backup = decodeBackup(msg.restore);
    const store = await openClientStore(msg.identity);
    store.importIdentity(backup);
    await store.flush();
    store.close();
  }
  client = await ObolClient.create({ dataDir: msg.identity, log, network: obolNetwork(observed(free)), chain, directory: sources.directory, epoch: sources.epoch });
  await client.connect({ signal: AbortSignal.timeout(20_000) });
  const history = client.state.received().map((m) => view(m, m.surb !== null));
  post({ type: "ready", address: client.address, gateway: client.gateway, epoch: String(await sources.epoch()), backend: primitives.backend, history });
  void pullLoop(client);
}

async function pullLoop(c: ObolClient): Promise<void> {
  let failing = false;
  for (;;) {
    try {
      const got: InboxMessage[] = await c.pull({ signal: AbortSignal.timeout(15_000) });
      if (got.length > 0) post({ type: "inbox", messages: got.map((m) => view(m, m.kind === "message" && m.canReply)) });
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
    return post({ type: "backup", text: encodeBackup({ sealSecretKey, pullKey, gateway: client.gateway }) });
  }
  if (msg.type === "send") {
    const from = paidRoutes.length;
    const start = performance.now();
    const id = await client.send(msg.to, msg.text, { reply: true, signal: AbortSignal.timeout(20_000) });
    const buildMs = performance.now() - start;
    const paid = paidRoutes.splice(from);
    post({
      type: "sent", tag: msg.tag, id: bytesToHex(id), to: msg.to, buildMs, at: Date.now(),
      route: hops(paid.find((p) => p.kind === "payload")?.route), replyRoute: hops(paid.find((p) => p.kind === "reply")?.route),
    });
    return;
  }
  const start = performance.now();
  const surbFirstHop = firstHopOf(msg.id);
  await client.reply(msg.id.slice(2), msg.text, { signal: AbortSignal.timeout(20_000) });
  post({ type: "replied", tag: msg.tag, id: msg.id, firstHop: surbFirstHop, sendMs: performance.now() - start });
}

/** The SURB's first hop (the only hop of a reply route the replier learns). */
function firstHopOf(id: string): string {
  const m = client!.state.received().find((r) => r.kind === "message" && bytesToHex(r.id) === id);
  if (!m?.surb) return "";
  return bytesToHex(m.surb.subarray(0, 20));
}

globalThis.addEventListener("message", (event: Event) => {
  const msg = (event as MessageEvent<ToWorker>).data;
  handle(msg).catch((error: unknown) =>
    post({ type: "error", tag: "tag" in msg ? msg.tag : undefined, context: msg.type, error: errorView(error) }),
  );
});

export { hexToBytes }; // keeps viem's hex helpers in one chunk with the page's
