/**
 * Options every `obol` command understands, parsed with `node:util` parseArgs.
 * A command declares its own options and calls `parseCommandArgs`, which adds
 * the common ones and turns parse failures into a `UsageError`.
 */
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { isHex, type Hex } from "viem";
import { SCHEME_NAMES } from "../schemes/registry.js";
import type { SchemeName } from "../schemes/scheme.js";
import { UsageError } from "./errors.js";
import { NETWORK_USAGE } from "./network.js";

export const DEFAULT_DATA_DIR = ".obol";
export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

/** parseArgs configuration of the common options. */
export const commonOptions = {
  "data-dir": { type: "string", default: DEFAULT_DATA_DIR },
  "rpc-url": { type: "string", default: DEFAULT_RPC_URL },
  key: { type: "string" },
  "key-file": { type: "string" },
  scheme: { type: "string" },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", short: "v", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsOptionsConfig;

/** The common options, validated. */
export type CommonOptions = {
  /** `--data-dir`: state of this participant (keys, sqlite, deployment.json). */
  dataDir: string;
  /** `--rpc-url`: JSON-RPC endpoint of the chain. */
  rpcUrl: string;
  /** `--key`, `--key-file` or `OBOL_KEY`: 0x-prefixed 32-byte private key of the on-chain account. */
  key: Hex | undefined;
  /** `--scheme`: accounting scheme of the network ("free" when not given; see `schemeGiven`). */
  scheme: SchemeName;
  /** Whether `--scheme` was on the command line; commands that can read the scheme from state or the deployment do when not. */
  schemeGiven: boolean;
  /** `--json`: machine-readable output on stdout. */
  json: boolean;
  /** `--verbose`: debug logs and stack traces. */
  verbose: boolean;
  help: boolean;
};

/** Usage lines of the common options, appended to every command's usage. */
export const COMMON_USAGE = `Common options:
  --data-dir <dir>   state directory (default ${DEFAULT_DATA_DIR})
  --rpc-url <url>    chain JSON-RPC endpoint (default ${DEFAULT_RPC_URL})
  --key-file <path>  file holding the private key of your account (0x + 64 hex digits)
  --key <0x…>        the key itself (visible in \`ps\`: prefer --key-file or env OBOL_KEY)
${NETWORK_USAGE}
  --scheme <name>    accounting scheme: ${SCHEME_NAMES.join(" | ")} (default: the one
                     the deployment holds, else free)
  --json             machine-readable output
  -v, --verbose      debug logs and stack traces
  -h, --help         this help`;

/**
 * Parses a command's argv: its own options plus the common ones.
 *
 * @param command command name, for error hints.
 * @param argv arguments after the command name.
 * @param config.options the command's own parseArgs options.
 * @param config.positionals how many positionals are required (exactly; default 0).
 * @returns validated common options, the command's values and positionals.
 * @throws UsageError naming the bad option or argument.
 * @example
 * const { common, values, positionals } = parseCommandArgs("send", argv, { options: { reply: { type: "boolean" } }, positionals: 2 });
 */
export function parseCommandArgs<T extends ParseArgsOptionsConfig>(
  command: string,
  argv: string[],
  {
    options,
    positionals = 0,
    maxPositionals = positionals,
  }: { options: T; positionals?: number; maxPositionals?: number },
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...commonOptions, ...options }, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new UsageError((cause as Error).message, command, { cause });
  }
  const values = parsed.values as unknown as ParsedValues<typeof commonOptions & T>;
  const common = toCommon(values as unknown as Record<string, unknown>, command);
  if (!common.help && (parsed.positionals.length < positionals || parsed.positionals.length > maxPositionals))
    throw new UsageError(
      `expected ${positionals === maxPositionals ? positionals : `${positionals}..${maxPositionals}`} argument(s), got ${parsed.positionals.length}`,
      command,
    );
  return { common, values, positionals: parsed.positionals };
}

/**
 * The private key from `--key` or `OBOL_KEY`, or a usage error naming both.
 *
 * @example
 * const key = requireKey(common, "claim");
 */
export function requireKey(common: CommonOptions, command: string): Hex {
  if (!common.key)
    throw new UsageError("a private key is required", command, {
      details: "pass --key-file <path>, set OBOL_KEY, or pass --key 0x…",
    });
  return common.key;
}

/**
 * Parses a positive number option, naming it on failure.
 *
 * @example
 * const seconds = numberOption(values.duration, "--duration", "devnet", 30);
 */
export function numberOption(value: unknown, name: string, command: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`${name} must be a number ≥ 0, got "${String(value)}"`, command);
  return n;
}

function toCommon(values: Record<string, unknown>, command: string): CommonOptions {
  const schemeGiven = values.scheme !== undefined;
  const scheme = schemeGiven ? String(values.scheme) : "free";
  if (!(SCHEME_NAMES as readonly string[]).includes(scheme))
    throw new UsageError(`unknown scheme "${scheme}"`, command, {
      details: `choose one of: ${SCHEME_NAMES.join(", ")}`,
    });
  const keyFile = values["key-file"] as string | undefined;
  if (keyFile !== undefined && values.key !== undefined)
    throw new UsageError("pass --key or --key-file, not both", command);
  const key =
    keyFile !== undefined
      ? readKeyFile(keyFile, command)
      : ((values.key as string | undefined) ?? process.env.OBOL_KEY);
  if (key !== undefined && !(isHex(key) && key.length === 66))
    throw new UsageError(
      keyFile !== undefined
        ? `${keyFile} must hold 0x followed by 64 hex digits`
        : "--key must be 0x followed by 64 hex digits",
      command,
    );
  const rpcUrl = String(values["rpc-url"]);
  if (!/^(https?|wss?):\/\//.test(rpcUrl))
    throw new UsageError(`--rpc-url must be an http(s) or ws(s) URL, got "${rpcUrl}"`, command);
  return {
    dataDir: String(values["data-dir"]),
    rpcUrl,
    key: key as Hex | undefined,
    scheme: scheme as SchemeName,
    schemeGiven,
    json: values.json === true,
    verbose: values.verbose === true,
    help: values.help === true,
  };
}

/** Reads a key file (surrounding whitespace ignored); the key never appears in `ps`. */
function readKeyFile(path: string, command: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (cause) {
    throw new UsageError(
      `cannot read --key-file ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      command,
      { cause },
    );
  }
}

/** The value types parseArgs yields for an options config. */
type ParsedValues<T extends ParseArgsOptionsConfig> = {
  [K in keyof T]: T[K] extends { type: "boolean" }
    ? T[K] extends { multiple: true }
      ? boolean[]
      : boolean
    : T[K] extends { multiple: true }
      ? string[]
      : T[K] extends { default: string }
        ? string
        : string | undefined;
};
