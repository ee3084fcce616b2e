/**
 * The committed typed ABIs (src/chain/abi/*.ts) must equal what
 * scripts/gen-abis.ts writes from the freshly built artifacts, so they never
 * go stale: rebuild (`npx hardhat build`) and regenerate when this fails.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { abiModules, renderAbiModule } from "../../scripts/gen-abis.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const ABI_DIR = join(ROOT, "src", "chain", "abi");
const modules = abiModules(ROOT);
const HINT = "run `npx hardhat build && npx tsx scripts/gen-abis.ts` and commit the result";

describe("typed ABIs", () => {
  it("cover at least the core contracts", () => {
    expect(modules.map((m) => m.contractName)).toEqual(expect.arrayContaining(["ObolToken", "RelayRegistry"]));
  });

  it.each(modules.map((m) => [m.contractName, m] as const))("%s.ts matches its artifact", (_, m) => {
    const path = join(ROOT, m.outputPath);
    expect(existsSync(path), `${m.outputPath} missing: ${HINT}`).toBe(true);
    expect(readFileSync(path, "utf8") === m.text, `${m.outputPath} is stale: ${HINT}`).toBe(true);
  });

  it("has no committed module without a deployable artifact", () => {
    const generated = new Set(modules.map((m) => `${m.contractName}.ts`));
    const orphans = readdirSync(ABI_DIR).filter((f) => f.endsWith(".ts") && !generated.has(f));
    expect(orphans, `ABI modules whose contract is gone or not built: ${HINT}`).toEqual([]);
  });

  it("renders deterministically, one ABI item per line, as a const-asserted export", () => {
    const abi = [{ type: "fallback" }, { type: "receive", stateMutability: "payable" }];
    const text = renderAbiModule({ contractName: "FooBar", sourceName: "contracts/FooBar.sol", abi });
    expect(text).toContain(
      'export const fooBarAbi = [\n  {"type":"fallback"},\n  {"type":"receive","stateMutability":"payable"},\n] as const;',
    );
    expect(renderAbiModule({ contractName: "FooBar", sourceName: "contracts/FooBar.sol", abi })).toBe(text);
  });
});
