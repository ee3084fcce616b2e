/**
 * `--network <name>` and `--keystore-key <NAME>` (docs/operator.md §Keys in
 * the Hardhat keystore): the chain and the operator key come from the
 * project's `hardhat.config.ts` and Hardhat's encrypted keystore instead of
 * `--rpc-url` and a key on the command line or in a file.
 *
 * `main` resolves both before a command parses its options and hands the
 * result on as `--rpc-url <url>` and an in-process `OBOL_KEY`: the key is in
 * neither argv (`ps`) nor the environment the process was started with
 * (`/proc/<pid>/environ`), and every command gets it without knowing where
 * it came from. The keystore's password is asked on stderr (stdout stays
 * clean for `--json`) and read from stdin, so a service manager can pipe it.
 */
import { createInterface } from "node:readline";
import { dirname } from "node:path";
import { isHex, type Hex } from "viem";
import { ObolError, type ObolErrorOptions } from "../errors.js";
import { UsageError } from "./errors.js";

/** `--network <name>` names no network of the Hardhat config, or one obol cannot use. */
export class UnknownNetworkError extends ObolError {
  override name = "UnknownNetworkError";
}

/** The Hardhat config could not be found or loaded. */
export class HardhatConfigError extends ObolError {
  override name = "HardhatConfigError";
}

/** `--keystore-key <NAME>` (or the network's account) is not in the Hardhat keystore. */
export class KeystoreKeyMissingError extends ObolError {
  override name = "KeystoreKeyMissingError";
}

/** The keystore's password was wrong (or the keystore file is corrupt). */
export class KeystorePasswordError extends ObolError {
  override name = "KeystorePasswordError";
}

/** The secret in the keystore is not a private key. */
export class KeystoreValueError extends ObolError {
  override name = "KeystoreValueError";
}

/** Usage lines of the two options, appended to the common options' usage. */
export const NETWORK_USAGE = `  --network <name>   a network of hardhat.config.ts (http): its url replaces --rpc-url,
                     and its first account is the key when no other key is given
  --keystore-key <NAME>
                     the key is the secret NAME in the Hardhat keystore
                     (\`npx hardhat keystore set NAME\`); the password is read from stdin`;

type Found = { value: string | undefined; index: number; width: number };

/** Finds `--name value` or `--name=value` in argv (the last one wins, like parseArgs). */
function findOption(argv: readonly string[], name: string, command: string): Found | null {
  let found: Found | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    if (a === `--${name}`) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`, command);
      found = { value, index: i, width: 2 };
      i++;
    } else if (a.startsWith(`--${name}=`)) found = { value: a.slice(name.length + 3), index: i, width: 1 };
  }
  return found;
}

function without(argv: readonly string[], ...found: (Found | null)[]): string[] {
  const drop = new Set<number>();
  for (const f of found) if (f) for (let k = 0; k < f.width; k++) drop.add(f.index + k);
  return argv.filter((_, i) => !drop.has(i));
}

/**
 * Resolves `--network` and `--keystore-key` in a command's argv.
 *
 * @param command command name, for error hints.
 * @param argv arguments after the command name.
 * @returns the argv without the two options (with `--rpc-url` added for a network), and the key if one was resolved.
 * @throws UsageError, UnknownNetworkError, HardhatConfigError, KeystoreKeyMissingError, KeystorePasswordError
 * @example
 * const { argv, key } = await resolveNetworkOptions("relay", ["--network", "sepolia", "--keystore-key", "OBOL_RELAY_KEY"]);
 */
export async function resolveNetworkOptions(
  command: string,
  argv: readonly string[],
): Promise<{ argv: string[]; key: Hex | undefined }> {
  const network = findOption(argv, "network", command);
  const keystoreKey = findOption(argv, "keystore-key", command);
  if (!network && !keystoreKey) return { argv: [...argv], key: undefined };
  const has = (name: string) => argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (network && has("rpc-url")) throw new UsageError("pass --network or --rpc-url, not both", command);
  if (keystoreKey && (has("key") || has("key-file")))
    throw new UsageError("pass one of --keystore-key, --key-file and --key", command);
  const hre = await loadHardhat();
  const rest = without(argv, network, keystoreKey);
  let key: Hex | undefined;
  if (keystoreKey) key = await readKeystoreKey(hre, keystoreKey.value!);
  if (network) {
    const config = hre.config.networks[network.value!];
    const known = Object.entries(hre.config.networks)
      .filter(([, n]) => n.type === "http")
      .map(([name]) => name);
    if (!config)
      throw new UnknownNetworkError(`no network "${network.value}" in ${hre.config.paths.config}`, {
        details: `networks obol can use (type http): ${known.join(", ") || "none"}`,
        hint: "add it under `networks` in hardhat.config.ts, or pass --rpc-url <url>",
      });
    if (config.type !== "http")
      throw new UnknownNetworkError(`network "${network.value}" is an in-process simulated network`, {
        details: `obol needs a JSON-RPC endpoint; networks of type http: ${known.join(", ") || "none"}`,
        hint: "start one with `obol chain` and use `--network localhost`, or pass --rpc-url <url>",
      });
    rest.push("--rpc-url", await config.url.getUrl());
    // Hardhat's own way to hold a key: `accounts: [configVariable("NAME")]`, resolved through the keystore.
    const hasOtherKey = keystoreKey || has("key") || has("key-file") || process.env.OBOL_KEY !== undefined;
    const accounts = config.accounts as unknown;
    const first = Array.isArray(accounts) ? (accounts[0] as { get(): Promise<string> } | undefined) : undefined;
    if (!hasOtherKey && first)
      key = asKey(
        await guard(() => first.get(), `the first account of network "${network.value}"`),
        `network "${network.value}"'s first account`,
      );
  }
  return { argv: rest, key };
}

type Hre = Awaited<ReturnType<typeof import("hardhat/hre").createHardhatRuntimeEnvironment>>;

/** The project's Hardhat runtime (hardhat.config.ts found from the working directory up, or OBOL_HARDHAT_CONFIG). */
async function loadHardhat(): Promise<Hre> {
  const { createHardhatRuntimeEnvironment, importUserConfig, resolveHardhatConfigPath } = await import("hardhat/hre");
  let path: string;
  try {
    path = process.env.OBOL_HARDHAT_CONFIG ?? (await resolveHardhatConfigPath());
  } catch (cause) {
    throw new HardhatConfigError("no hardhat.config.ts found from this directory up", {
      details: (cause as Error).message.split("\n")[0],
      hint: "run obol in the project directory, or set OBOL_HARDHAT_CONFIG=<path>",
      cause,
    });
  }
  let hre: Hre;
  try {
    hre = await createHardhatRuntimeEnvironment(await importUserConfig(path), { config: path }, dirname(path));
  } catch (cause) {
    throw new HardhatConfigError(`cannot load ${path}`, {
      details: (cause as Error).message.split("\n")[0],
      hint: "fix the config (`npx hardhat --help` shows the error too)",
      cause,
    });
  }
  // The keystore asks its password through this hook; ask on stderr so --json output stays clean.
  hre.hooks.registerHandlers("userInterruptions", {
    requestSecretInput: async (_context, interruptor, description) => askSecret(`[${interruptor}] ${description}: `),
  });
  return hre;
}

/** Reads one secret `NAME` through Hardhat's configuration-variable hooks: env var NAME, else the keystore (dev, then production). */
async function readKeystoreKey(hre: Hre, name: string): Promise<Hex> {
  const { configVariable } = await import("hardhat/config");
  const value = await guard(
    () =>
      hre.hooks.runHandlerChain(
        "configurationVariables",
        "fetchValue",
        [configVariable(name)],
        async (_context, variable) => {
          const fromEnv = process.env[variable.name];
          if (fromEnv !== undefined) return fromEnv;
          throw new KeystoreKeyMissingError(`no key "${name}" in the Hardhat keystore`, {
            details: process.env.CI
              ? "CI is set in the environment, and Hardhat never reads the keystore under CI"
              : `keystore: ${(hre.config as { keystore?: { filePath: string } }).keystore?.filePath ?? "Hardhat's config directory"}`,
            hint: `store it with \`npx hardhat keystore set ${name}\` (\`npx hardhat keystore list\` shows the names)`,
          });
        },
      ),
    `keystore key "${name}"`,
  );
  return asKey(value, `keystore key "${name}"`);
}

/** Maps Hardhat's keystore errors to ours (a wrong password is the one an operator hits). */
async function guard<T>(read: () => Promise<T>, what: string): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ObolError) throw error;
    const message = (error as Error).message ?? String(error);
    const options: ObolErrorOptions = { details: `${what}: ${message.split("\n")[0]}`, cause: error };
    if (/password|corrupted/i.test(message))
      throw new KeystorePasswordError("wrong password for the Hardhat keystore", {
        ...options,
        hint: "pipe or type the password you set with `npx hardhat keystore set`",
      });
    if (/not found|configuration variable/i.test(message))
      throw new KeystoreKeyMissingError(`${what} is not in the Hardhat keystore`, {
        ...options,
        hint: "store it with `npx hardhat keystore set <NAME>`",
      });
    throw error;
  }
}

function asKey(value: string, what: string): Hex {
  const key = value.trim();
  if (!(isHex(key) && key.length === 66))
    throw new KeystoreValueError(`${what} is not a private key`, {
      details: `it holds ${key.length} characters`,
      hint: "store 0x followed by 64 hex digits",
    });
  return key;
}

/** One line from stdin, the prompt on stderr, the typed characters not echoed. */
function askSecret(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({
      input: process.stdin,
      output: process.stderr,
      terminal: process.stdin.isTTY === true,
    });
    let answered = false;
    process.stderr.write(prompt);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {}; // no echo of the password
    rl.once("line", (line) => {
      answered = true;
      process.stderr.write("\n");
      rl.close();
      resolve(line);
    });
    rl.once("close", () => {
      if (!answered)
        reject(
          new KeystorePasswordError("no password for the Hardhat keystore", {
            details: "stdin ended before a line was read",
            hint: "type the password, or pipe it: `obol … < password-file`",
          }),
        );
    });
  });
}
