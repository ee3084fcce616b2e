/**
 * Issue 13/16: no `node:*` module, native addon or Node-only package is
 * reachable from the browser client entry point (`src/web/app/worker.ts`).
 * esbuild bundles the entry for the browser (the `browser` condition picks
 * the `#platform/*` backends, as Vite does) and the module graph is checked.
 * A control bundles the Node crypto backend and must be caught.
 */
import { readFileSync } from "node:fs";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

const ENTRY = "src/web/app/worker.ts";

/** Bundles `entry` for browsers; returns the module graph and the resolve errors. */
async function browserGraph(entry: string): Promise<{ inputs: string[]; errors: string[] }> {
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: "browser",
      format: "esm",
      metafile: true,
      logLevel: "silent",
    });
    const inputs = (result.metafile as Metafile).inputs;
    return { inputs: Object.keys(inputs).filter((i) => !libsodiumOwnStub(i, inputs)), errors: [] };
  } catch (error) {
    return { inputs: [], errors: ((error as { errors?: { text: string }[] }).errors ?? []).map((e) => e.text) };
  }
}

/**
 * libsodium.js's randombytes falls back to `require("crypto")` only where
 * `crypto.getRandomValues` is missing; its package.json maps `crypto` to
 * `false` for browsers, so the bundle holds an empty stub, no Node code.
 * Exactly that stub is let through: `(disabled):crypto` imported by libsodium alone.
 */
function libsodiumOwnStub(input: string, inputs: Metafile["inputs"]): boolean {
  if (input !== "(disabled):crypto") return false;
  const importers = Object.entries(inputs)
    .filter(([, v]) => v.imports.some((i) => i.path === input))
    .map(([k]) => k);
  return importers.length > 0 && importers.every((k) => k.startsWith("node_modules/libsodium/"));
}

/** Why a module must not be in a browser bundle, or null. */
function forbidden(input: string): string | null {
  if (/^node:|^\(disabled\):/.test(input)) return "Node built-in";
  if (/\.node$/.test(input) || /node_modules\/(sodium-native|node-gyp-build|require-addon)\//.test(input))
    return "native addon";
  if (/node_modules\/(pino|thread-stream|sonic-boom)\//.test(input)) return "Node logger";
  if (/^src\/platform\/node\//.test(input) || input === "src/store/db.ts" || input === "src/net/node.ts")
    return "Node backend";
  if (
    /^src\/.*\.ts$/.test(input) &&
    /\bBuffer\.(from|concat|alloc)/.test(readFileSync(input, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""))
  )
    return "uses the Node Buffer global";
  return null;
}

describe("browser client bundle", () => {
  it("reaches no node:* module, native addon or Node-only backend", async () => {
    const { inputs, errors } = await browserGraph(ENTRY);
    expect(errors).toEqual([]);
    // The graph is the real client: the same client, Sphinx and sealing modules as Node, and the browser ports.
    for (const m of [
      "src/client/client.ts",
      "src/crypto/sphinx/header.ts",
      "src/client/seal.ts",
      "src/platform/browser/crypto.ts",
      "src/platform/browser/client-store.ts",
      "src/platform/browser/libp2p.ts",
      // The channels scheme's client side (issue 13: paid schemes in the page) and its browser ports.
      "src/schemes/channels/payer.ts",
      "src/schemes/channels/ticket.ts",
      "src/platform/browser/secp256k1.ts",
      "src/web/app/wallet-store.ts",
    ])
      expect(inputs).toContain(m);
    expect(inputs.map((i) => [i, forbidden(i)]).filter(([, why]) => why !== null)).toEqual([]);
  });

  it("catches a Node module when one is reachable (control)", async () => {
    const { inputs, errors } = await browserGraph("src/platform/node/crypto.ts");
    expect(errors.join("\n")).toMatch(/node:crypto|node:module/);
    expect(inputs).toEqual([]);
    expect(forbidden("node:crypto")).toBe("Node built-in");
    expect(forbidden("node_modules/sodium-native/index.js")).toBe("native addon");
    expect(forbidden("src/platform/node/sodium.ts")).toBe("Node backend");
    expect(forbidden("src/platform/node/secp256k1.ts")).toBe("Node backend");
  });
});
