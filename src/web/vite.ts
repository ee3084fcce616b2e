/**
 * Builds the web app (`src/web/app`) with Vite and serves it with Vite's
 * preview server: the static bundle, `/obol-config.json` (the deployment the
 * page reads from the chain) and `/rpc`, a same-origin proxy to the chain's
 * JSON-RPC (so the page needs no CORS from the node), and on a devnet under a
 * paid scheme `/faucet` (gas and tokens for a page's key).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, preview, type InlineConfig, type Plugin, type PreviewServer } from "vite";
import type { WebConfig } from "./app/protocol.js";

export const APP_ROOT = fileURLToPath(new URL("./app", import.meta.url));

/** Vite configuration of the app, shared by `npm run web`, the tests and the bundle-size bench. */
export function appConfig({ outDir }: { outDir: string }): InlineConfig {
  return {
    root: APP_ROOT,
    logLevel: "warn",
    configFile: false,
    build: {
      outDir,
      emptyOutDir: true,
      target: "es2023",
      reportCompressedSize: false,
      // Two pages: the client (index.html) and the network dashboard (dashboard.html).
      rollupOptions: { input: { main: join(APP_ROOT, "index.html"), dashboard: join(APP_ROOT, "dashboard.html") } },
    },
    worker: { format: "es" },
  };
}

/** Builds the app into `outDir` (a fresh temporary directory by default). */
export async function buildApp({
  outDir = mkdtempSync(join(tmpdir(), "obol-web-")),
}: {
  outDir?: string;
} = {}): Promise<string> {
  await build(appConfig({ outDir }));
  return outDir;
}

/** Devnet faucet: gives the key named in a POST body gas and tokens; resolves when they are on chain. */
export type Faucet = (address: string) => Promise<void>;

/** The newest `reports/<timestamp>/` holding SVG charts, or null. */
function latestReport(reportsDir: string): { name: string; charts: string[] } | null {
  if (!existsSync(reportsDir)) return null;
  const names = readdirSync(reportsDir)
    .filter((n) => /^[\w.-]+$/.test(n))
    .sort()
    .reverse();
  for (const name of names) {
    const dir = join(reportsDir, name);
    if (!statSync(dir).isDirectory()) continue;
    const charts = readdirSync(dir)
      .filter((f) => f.endsWith(".svg"))
      .sort();
    if (charts.length > 0) return { name, charts };
  }
  return null;
}

function configEndpoint(config: WebConfig, faucet: Faucet | undefined, reportsDir: string): Plugin {
  return {
    name: "obol-config",
    configurePreviewServer(server) {
      // The dashboard's charts: the latest comparison report's SVGs, by name only (no path from the request).
      server.middlewares.use("/report/", (req, res) => {
        const latest = latestReport(reportsDir);
        const path = (req.url ?? "").split("?")[0]!.replace(/^\//, "");
        res.setHeader("cache-control", "no-store");
        if (path === "latest.json") {
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(latest));
          return;
        }
        const [name, chart] = path.split("/");
        if (!latest || name !== latest.name || !chart || !latest.charts.includes(chart)) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.setHeader("content-type", "image/svg+xml");
        res.end(readFileSync(join(reportsDir, name, chart)));
      });
      if (faucet && config.faucetPath)
        server.middlewares.use(config.faucetPath, (req, res) => {
          if (req.method !== "POST") {
            res.statusCode = 405;
            res.end("POST an address");
            return;
          }
          let body = "";
          req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
          req.on("end", () => {
            faucet(body.trim()).then(
              () => res.end("ok"),
              (error: unknown) => {
                res.statusCode = 400;
                res.end(String((error as Error)?.message ?? error));
              },
            );
          });
        });
      server.middlewares.use("/obol-config.json", (_req, res) => {
        res.setHeader("content-type", "application/json");
        res.setHeader("cache-control", "no-store");
        res.end(JSON.stringify(config));
      });
    },
  };
}

/**
 * Serves a built app on `host:port` (port 0: any free port).
 *
 * @returns the server and the URL to open.
 */
export async function serveApp({
  outDir,
  config,
  rpcUrl,
  host = "127.0.0.1",
  port = 0,
  faucet,
  reportsDir = join(process.cwd(), "reports"),
}: {
  outDir: string;
  config: WebConfig;
  rpcUrl: string;
  host?: string;
  port?: number;
  faucet?: Faucet | undefined;
  /** Where `npm start` writes comparison reports; the dashboard shows the newest one's charts. */
  reportsDir?: string;
}): Promise<{ server: PreviewServer; url: string }> {
  const server = await preview({
    ...appConfig({ outDir }),
    plugins: [configEndpoint(config, faucet, reportsDir)],
    preview: {
      host,
      port,
      strictPort: port !== 0,
      open: false,
      proxy: { [config.rpcPath]: { target: rpcUrl, changeOrigin: true, rewrite: () => "/" } },
    },
  });
  const address = server.httpServer.address();
  const actual = typeof address === "object" && address ? address.port : port;
  return { server, url: `http://${host}:${actual}/` };
}
