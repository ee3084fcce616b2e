/**
 * A devnet client as its own OS process (`obol devnet --processes`, the
 * soak): `node --import tsx client-main.ts '<json config>'` with the key in
 * `OBOL_KEY`. It finds gateways only through the chain's directory, runs
 * Loopix cover traffic, sends real messages at a Poisson rate to the peer the
 * parent names over IPC, pulls its mailbox and reports every message sent and
 * received over IPC (`{ type: "sent" | "received", id, at }`), so the parent
 * can count deliveries across processes. SIGTERM stops it cleanly.
 */
import { bytesToHex, type Hex } from "viem";
import { connectChain } from "../../chain/client.js";
import { ChainUnreachableError } from "../../chain/errors.js";
import { readDeployment } from "../../chain/deployment-file.js";
import { ObolClient } from "../../client/client.js";
import { poissonStream, sleep, type LoopixRates } from "../../client/loopix.js";
import { obolNetwork } from "../../client/packet.js";
import { createLogger, forComponent } from "../../log.js";
import { chainSources } from "../../relay/chain-sources.js";
import { loadScheme } from "../../schemes/registry.js";
import type { SchemeName } from "../../schemes/scheme.js";
import { seededRandom } from "../random.js";

export type ClientProcessConfig = {
  name: string;
  dataDir: string;
  deploymentDir: string;
  rpcUrl: string;
  scheme: SchemeName;
  /** Index into the directory's gateways sorted by address. */
  gatewayIndex: number;
  rates: LoopixRates;
  messagesPerS: number;
  pollMs: number;
  seed: string;
};

type FromParent = { type: "peer"; address: string } | { type: "stop-sending" };

const config = JSON.parse(process.argv[2]!) as ClientProcessConfig;
const log = createLogger({ level: process.env.OBOL_LOG_LEVEL ?? "info" });
const clog = forComponent(log, "obol:client-process");
const report = (message: Record<string, unknown>) => process.send?.(message);

const stop = new AbortController();
const sending = new AbortController();
// Until the client's store is open there is nothing to save: a stop then (a soak stopping a client that a loaded
// machine or an RPC outage keeps in its start retries) exits at once with code 0 instead of waiting out a chain read.
let opened = false;
const onStop = () => {
  stop.abort();
  if (opened) return;
  clog.info("stopped while starting");
  process.exit(0);
};
process.on("SIGTERM", onStop);
process.on("SIGINT", onStop);
process.on("disconnect", onStop); // the parent died: do not linger

async function retry<T>(fn: () => Promise<T>, untilMs = Date.now() + 120_000): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > untilMs || stop.signal.aborted) throw error;
      clog.warn(
        { err: error, unreachable: error instanceof ChainUnreachableError },
        "start step failed; retrying in 2 s",
      );
      await sleep(2_000, stop.signal);
    }
  }
}

const scheme = await loadScheme(config.scheme);
// Like a service manager's restart: start steps that time out (a loaded machine, an RPC outage) are retried for 2 minutes.
const chain = await retry(() =>
  connectChain({
    rpcUrl: config.rpcUrl,
    privateKey: process.env.OBOL_KEY as Hex,
    deployment: readDeployment(config.deploymentDir),
  }),
);
const { directory, epoch } = chainSources(chain, { log: clog, open: false });
const gateways = (await retry(async () => directory())).entries
  .filter((e) => e.role === "gateway")
  .map((e) => e.relay)
  .sort();
const client = await ObolClient.create({
  dataDir: config.dataDir,
  log,
  network: obolNetwork(scheme),
  chain,
  directory,
  epoch,
  rates: config.rates,
  gateway: gateways[config.gatewayIndex % gateways.length],
});
opened = true;
try {
  await retry(() => client.connect({ signal: stop.signal })); // a loaded gateway may miss the 5 s dial budget
} catch (error) {
  if (!stop.signal.aborted) throw error;
  await client.stop(); // stopped while connecting: close the store, exit cleanly
  process.exit(0);
}

let peer: string | null = null;
process.on("message", (m: FromParent) => {
  if (m.type === "peer") peer = m.address;
  else if (m.type === "stop-sending") sending.abort();
});
report({ type: "ready", address: client.address });
// Memory every 10 s (the soak's RSS slope per client, split into the V8 heap and memory outside it).
const memory = setInterval(() => report({ type: "memory", at: Date.now(), ...process.memoryUsage() }), 10_000);
memory.unref();

const random = seededRandom(`${config.seed}/${config.name}`);
let n = 0;
const tasks = [
  client.run({ signal: stop.signal }),
  poissonStream({
    ratePerS: config.messagesPerS,
    signal: AbortSignal.any([stop.signal, sending.signal]),
    random,
    onError: (err) => clog.warn({ err }, "message not queued"),
    tick: async () => {
      if (!peer) return;
      const text = `message ${++n} from ${config.name}`;
      void client.enqueue(peer, text).then(
        (id) => report({ type: "sent", id: bytesToHex(id), at: Date.now() }),
        (err) => clog.debug({ err }, "queued message not sent"),
      );
    },
  }),
  (async () => {
    while (!stop.signal.aborted) {
      try {
        for (const m of await client.pull({ signal: stop.signal }))
          if (m.kind === "message") report({ type: "received", id: bytesToHex(m.id), at: m.receivedAt });
      } catch (err) {
        if (!stop.signal.aborted) clog.warn({ err }, "pull failed");
      }
      await sleep(config.pollMs, stop.signal);
    }
  })(),
];
await Promise.allSettled(tasks);
clearInterval(memory);
await client.stop();
report({ type: "stopped", stats: client.stats });
clog.info({ stats: client.stats }, "client stopped");
process.disconnect?.();
