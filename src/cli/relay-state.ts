/**
 * `<data-dir>/relay.json`: who a relay data directory belongs to, written by
 * `obol relay` at start. `obol claim` reads it so the scheme, the account and
 * the deployment of a claim are the relay's own, not whatever the command
 * line says.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getAddress, isAddress, type Address } from "viem";
import type { RelayRole } from "../chain/types.js";
import type { SchemeName } from "../schemes/scheme.js";
import { SCHEME_NAMES } from "../schemes/registry.js";
import { CliStateError } from "./errors.js";

export const RELAY_STATE_FILE = "relay.json";
export const RELAY_STATE_FORMAT = "obol-relay/1";

export type RelayState = {
  relay: Address;
  role: RelayRole;
  scheme: SchemeName;
  /** RelayRegistry address of the deployment the relay registered in. */
  registry: Address;
  chainId: number;
};

/** Writes `<dataDir>/relay.json` (mode 0600, like the keys beside it). */
export function writeRelayState(dataDir: string, state: RelayState): void {
  writeFileSync(
    join(dataDir, RELAY_STATE_FILE),
    `${JSON.stringify({ format: RELAY_STATE_FORMAT, ...state }, null, 2)}\n`,
    { mode: 0o600 },
  );
}

/**
 * Reads `<dataDir>/relay.json`, or undefined when absent.
 *
 * @throws CliStateError when the file is not a relay state file.
 */
export function readRelayState(dataDir: string): RelayState | undefined {
  const path = join(dataDir, RELAY_STATE_FILE);
  if (!existsSync(path)) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (cause) {
    throw new CliStateError(`${path} is not valid JSON`, {
      cause,
      hint: "restart the relay with `obol relay` to rewrite it",
    });
  }
  const { relay, role, scheme, registry, chainId } = raw;
  if (
    raw.format !== RELAY_STATE_FORMAT ||
    typeof relay !== "string" ||
    !isAddress(relay) ||
    (role !== "mix" && role !== "gateway") ||
    !(SCHEME_NAMES as readonly unknown[]).includes(scheme) ||
    typeof registry !== "string" ||
    !isAddress(registry) ||
    typeof chainId !== "number"
  )
    throw new CliStateError(`${path} is not an ${RELAY_STATE_FORMAT} file`, {
      hint: "restart the relay with `obol relay` to rewrite it",
    });
  return { relay: getAddress(relay), role, scheme: scheme as SchemeName, registry: getAddress(registry), chainId };
}
