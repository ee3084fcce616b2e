/**
 * Schemes own their devnet and settlement (issue 16, item 1): the comparison
 * and devnet under `src/sim/` never name a scheme, and each scheme's devnet
 * hook depends on neither the simulator nor the client, so adding a scheme
 * means adding `src/schemes/<name>/` and one line in the registry.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSchemeDevnet } from "../../src/schemes/devnet.js";
import { SCHEME_NAMES } from "../../src/schemes/registry.js";

const root = new URL("../../", import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe("scheme seam", () => {
  it("src/sim names no paid scheme", () => {
    const paid = SCHEME_NAMES.filter((n) => n !== "free");
    expect(paid.length).toBeGreaterThan(0);
    const pattern = new RegExp(paid.join("|"), "i");
    const hits = files(join(root, "src/sim")).flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .flatMap((line, i) => (pattern.test(line) ? [`${f.slice(root.length)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it("no scheme's devnet hook imports from src/sim or src/client", () => {
    for (const name of SCHEME_NAMES) {
      const text = readFileSync(join(root, `src/schemes/${name}/devnet.ts`), "utf8");
      const imports = [...text.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);
      expect(
        imports.filter((p) => /\/(sim|client)\//.test(p)),
        name,
      ).toEqual([]);
    }
  });

  it("every scheme declares the comparison's inputs: its contracts by deployment name, sampled operations, phase estimates", async () => {
    for (const name of SCHEME_NAMES) {
      const devnet = await loadSchemeDevnet(name);
      expect(devnet.expectedSeconds.setup, name).toBeGreaterThanOrEqual(0);
      // A scheme with a module deploys contracts the comparison must attribute gas to; sampled operations name only them.
      expect(devnet.contracts.length > 0, name).toBe(devnet.module !== undefined);
      const own = new Set(devnet.contracts.map((c) => c.name));
      for (const op of Object.keys(devnet.sampled ?? {}))
        expect(own.has(op.split(".")[0]!), `${name}: ${op}`).toBe(true);
      if (devnet.sampled) expect(devnet.scaleEpoch, name).toBeDefined();
    }
  });

  it("refuses an unknown scheme", async () => {
    await expect(loadSchemeDevnet("barter")).rejects.toThrow(/unknown scheme "barter"/);
  });
});
