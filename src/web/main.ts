/**
 * `npm run web [-- --port N] [-- --rpc-url URL] [-- --scheme channels|tickets|shopper]`: the local network and the
 * web client, until Ctrl-C.
 */
import { parseArgs } from "node:util";
import { createLogger } from "../log.js";
import { startWeb } from "./serve.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "5173" },
    host: { type: "string", default: "127.0.0.1" },
    "rpc-url": { type: "string" },
    scheme: { type: "string", default: "free" },
  },
});
const SCHEMES = ["free", "channels", "tickets", "shopper"] as const;
if (!SCHEMES.includes(values.scheme as never)) {
  process.stderr.write(`--scheme: the page runs under ${SCHEMES.join(", ")}, not "${values.scheme}"\n`);
  process.exit(2);
}
const log = createLogger({ level: process.env.OBOL_LOG_LEVEL ?? "warn" });
const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
process.once("SIGTERM", () => controller.abort());

const web = await startWeb({
  rpcUrl: values["rpc-url"],
  host: values.host,
  scheme: values.scheme as (typeof SCHEMES)[number],
  port: Number(values.port),
  log,
  signal: controller.signal,
  onStep: (step) => process.stderr.write(`· ${step}\n`),
});
process.stdout.write(
  `\nObol web client: ${web.url}\n(open it in two windows, or add ?identity=bob for a second identity; Ctrl-C stops)\n`,
);
await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
process.stderr.write("· shutting down\n");
await web.stop();
