/**
 * Finds a scheme's devnet hook (`src/schemes/<name>/devnet.ts`, exporting
 * `devnet: SchemeDevnet`). Schemes without contracts (`free`) have none.
 */
import { existsSync } from "node:fs";
import { SCHEME_NAMES } from "../schemes/registry.js";
import { InvalidInputError } from "../errors.js";
import type { SchemeDevnet } from "./types.js";

/**
 * Loads the devnet hook of a scheme, or null when the scheme has none.
 *
 * @param name scheme name.
 * @returns the hook (Ignition module + setup) or null.
 * @example
 * const hook = await loadSchemeDevnet("channels");
 * const modules = hook?.module ? [hook.module] : [];
 */
export async function loadSchemeDevnet(name: string): Promise<SchemeDevnet | null> {
  if (!(SCHEME_NAMES as readonly string[]).includes(name))
    throw new InvalidInputError("scheme", `unknown scheme "${name}"`, { hint: `choose one of: ${SCHEME_NAMES.join(", ")}` });
  const url = new URL(`../schemes/${name}/devnet.ts`, import.meta.url);
  if (!existsSync(url) && !existsSync(new URL(`../schemes/${name}/devnet.js`, import.meta.url))) return null;
  const mod = (await import(/* @vite-ignore */ `../schemes/${name}/devnet.js`)) as { devnet?: SchemeDevnet };
  if (!mod.devnet) throw new InvalidInputError("scheme", `src/schemes/${name}/devnet.ts exports no \`devnet\``);
  return mod.devnet;
}
