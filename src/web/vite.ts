/**
 * Builds the web app (`src/web/app`) with Vite and serves it with Vite's
 * preview server: the static bundle, `/obol-config.json` (the deployment the
 * page reads from the chain) and `/rpc`, a same-origin proxy to the chain's
 * JSON-RPC (so the page needs no CORS from the node).
 */
import { mkdtempSync } from "node:fs";
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
    build: { outDir, emptyOutDir: true, target: "es2023", reportCompressedSize: false },
    worker: { format: "es" },
  };
}

/** Builds the app into `outDir` (a fresh temporary directory by default). */
export async function buildApp({ outDir = mkdtempSync(join(tmpdir(), "obol-web-")) }: { outDir?: string } = {}): Promise<string> {
  await build(appConfig({ outDir }));
  return outDir;
}

function configEndpoint(config: WebConfig): Plugin {
  return {
    name: "obol-config",
    configurePreviewServer(server) {
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
export async function serveApp({ outDir, config, rpcUrl, host = "127.0.0.1", port = 0 }: {
  outDir: string; config: WebConfig; rpcUrl: string; host?: string; port?: number;
}): Promise<{ server: PreviewServer; url: string }> {
  const server = await preview({
    ...appConfig({ outDir }),
    plugins: [configEndpoint(config)],
    preview: {
      host, port, strictPort: port !== 0, open: false,
      proxy: { [config.rpcPath]: { target: rpcUrl, changeOrigin: true, rewrite: () => "/" } },
    },
  });
  const address = server.httpServer.address();
  const actual = typeof address === "object" && address ? address.port : port;
  return { server, url: `http://${host}:${actual}/` };
}
