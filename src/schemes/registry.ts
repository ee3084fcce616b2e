import type { AccountingScheme, SchemeName } from "./scheme.js";
import { InvalidInputError } from "../errors.js";

export const SCHEME_NAMES: readonly SchemeName[] = ["free", "channels", "tickets", "shopper"];

/**
 * Loads a scheme by name. Each scheme lives in `src/schemes/<name>/scheme.ts`
 * and exports `scheme`; loading lazily keeps, e.g., BLS code out of a relay
 * that runs channels.
 *
 * @example
 * const scheme = await loadScheme("free");
 */
export async function loadScheme(name: string): Promise<AccountingScheme> {
  if (!(SCHEME_NAMES as readonly string[]).includes(name))
    throw new InvalidInputError("scheme", `unknown scheme "${name}"`, {
      hint: `choose one of: ${SCHEME_NAMES.join(", ")}`,
    });
  const mod = (await import(/* @vite-ignore */ `./${name}/scheme.js`)) as { scheme: AccountingScheme };
  return mod.scheme;
}
