#!/usr/bin/env node
/**
 * `obol <command> [options]`: loads `src/cli/commands/<command>.ts` on demand
 * (a command file exports `command: Command`, see `src/cli/command.ts`; the list
 * is `COMMANDS` below), wires
 * Ctrl-C / SIGTERM to an AbortSignal, and prints errors for humans:
 * short message, details and hint, exit code 1, stack only with --verbose.
 */
import { readFileSync } from "node:fs";
import { ObolError } from "../errors.js";
import { createLogger } from "../log.js";
import type { CliContext, Command } from "./command.js";
import { UnknownCommandError } from "./errors.js";
import { resolveNetworkOptions } from "./network.js";

/**
 * Every command, loaded on demand (a command may pull in the chain, libp2p or
 * the comparison): a static list, so the type checker and bundlers see each
 * module. A new command is a file in `commands/` plus one line here.
 */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  audit: () => import("./commands/audit.js"),
  auditor: () => import("./commands/auditor.js"),
  chain: () => import("./commands/chain.js"),
  channels: () => import("./commands/channels.js"),
  claim: () => import("./commands/claim.js"),
  compare: () => import("./commands/compare.js"),
  deploy: () => import("./commands/deploy.js"),
  devnet: () => import("./commands/devnet.js"),
  inbox: () => import("./commands/inbox.js"),
  issuer: () => import("./commands/issuer.js"),
  key: () => import("./commands/key.js"),
  relay: () => import("./commands/relay.js"),
  send: () => import("./commands/send.js"),
  status: () => import("./commands/status.js"),
  tickets: () => import("./commands/tickets.js"),
  token: () => import("./commands/token.js"),
  unbond: () => import("./commands/unbond.js"),
  withdraw: () => import("./commands/withdraw.js"),
};

/** Names of the available commands. */
export function commandNames(): string[] {
  return Object.keys(COMMANDS).sort();
}

/**
 * Imports one command module.
 *
 * @throws UnknownCommandError when no such command exists.
 * @example
 * const send = await loadCommand("send");
 */
export async function loadCommand(name: string): Promise<Command> {
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) throw new UnknownCommandError(name, commandNames());
  return (await load()).command;
}

async function globalHelp(out: NodeJS.WritableStream): Promise<void> {
  const lines = ["Usage: obol <command> [options]", "       obol --version", "", "Commands:"];
  for (const name of commandNames()) {
    let summary: string;
    try {
      summary = (await loadCommand(name)).summary;
    } catch (error) {
      summary = `(failed to load: ${(error as Error).message.split("\n")[0]})`;
    }
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  lines.push("", "Run `obol <command> --help` for a command's options.", "");
  out.write(lines.join("\n"));
}

/**
 * Runs the CLI with the given argv (without `node` and the script path).
 *
 * @returns the process exit code.
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: string[], { signal }: { signal: AbortSignal }): Promise<number> {
  const verbose = argv.includes("--verbose") || argv.includes("-v");
  const log = createLogger({ level: verbose ? "debug" : (process.env.OBOL_LOG_LEVEL ?? "info") });
  const out = process.stdout;
  const [name, ...rest] = argv;
  try {
    if (name === "--version" || name === "-V") {
      out.write(`obol ${version()}\n`);
      return 0;
    }
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      await globalHelp(out);
      return name === undefined ? 1 : 0;
    }
    const command = await loadCommand(name);
    if (rest.includes("--help") || rest.includes("-h")) {
      out.write(`${command.usage.trimEnd()}\n`);
      return 0;
    }
    const context: CliContext = { log, out, signal };
    const resolved = await resolveNetworkOptions(name, rest);
    if (resolved.key) process.env.OBOL_KEY = resolved.key; // in-process only: not in argv nor the start environment
    return await command.run(resolved.argv, context);
  } catch (error) {
    printError(error, verbose);
    return 1;
  } finally {
    log.flush();
  }
}

function printError(error: unknown, verbose: boolean): void {
  if (error instanceof ObolError) {
    const lines = [`error: ${error.shortMessage}`];
    if (error.details) lines.push(`  details: ${error.details}`);
    if (error.hint) lines.push(`  hint: ${error.hint}`);
    if (verbose && error.stack) lines.push(error.stack);
    if (verbose && error.cause) lines.push(`cause: ${String((error.cause as Error).stack ?? error.cause)}`);
    process.stderr.write(`${lines.join("\n")}\n`);
  } else if (signalAborted(error)) {
    process.stderr.write("aborted\n");
  } else {
    const e = error as Error;
    process.stderr.write(`error: ${e?.message ?? String(error)}\n`);
    if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`);
    else process.stderr.write("  hint: run again with --verbose for the stack trace\n");
  }
}

function signalAborted(error: unknown): boolean {
  return (error as Error)?.name === "AbortError";
}

/** Commands that run until Ctrl-C and report through their info logs; the others print results and log only warnings unless --verbose. */
const SERVICE_COMMANDS = new Set(["relay", "issuer", "auditor", "chain"]);

/** `obol --version`: the package version. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * The process side of the CLI, shared by `bin/obol.js` and `tsx src/cli/main.ts`:
 * secrets created 0600 (umask), Ctrl-C / SIGTERM abort the command
 * cleanly, and under npm the command also stops when npm or the shell between
 * dies without passing the signal on, so no relay or Hardhat node is left orphaned.
 */
export async function runCli(argv: string[]): Promise<void> {
  // Keys, client.sqlite (seal and pull keys, unspent tokens) and relay state are secrets:
  // every file this process creates is readable by its owner only.
  process.umask(0o077);
  // node:sqlite is stable enough for us; its "experimental" notice on every
  // command would only confuse users. Every other warning is still printed.
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name === "ExperimentalWarning" && /SQLite/.test(warning.message)) return;
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
  if (argv[0] === "--version" || argv[0] === "-V") {
    process.stdout.write(`obol ${version()}\n`);
    return;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const stop = (why: string) => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(`\n${why}: shutting down (press Ctrl-C again to force)\n`);
      controller.abort(new Error(why));
    } else process.exit(130);
  };
  const onSignal = (sig: NodeJS.Signals) => stop(sig);
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, onSignal);
  const wrappers = npmWrappers();
  const orphanWatch = setInterval(() => {
    const gone = wrappers.find((pid) => !alive(pid));
    if (gone !== undefined) stop(`process ${gone} that started this one exited`);
  }, 500);
  orphanWatch.unref();
  if (!argv.includes("--verbose") && !argv.includes("-v") && !SERVICE_COMMANDS.has(argv[0] ?? ""))
    process.env.OBOL_LOG_LEVEL ??= "warn";
  const code = await main(argv, { signal: controller.signal });
  process.exitCode = code;
  clearInterval(orphanWatch);
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.removeListener(sig, onSignal);
}

/**
 * Under `npm run` / `npx`, the processes between npm and us (npm itself, its
 * `sh -c`, a tsx wrapper), found through /proc (Linux). npm forwards SIGTERM
 * only to its direct child, and a killed npm leaves `sh` waiting: watching
 * these lets the command stop cleanly (and stop its Hardhat node) instead of
 * running on as an orphan. Empty when not started by npm, so `nohup obol relay &`
 * keeps running after its shell exits.
 */
function npmWrappers(): number[] {
  const chain: number[] = [];
  try {
    for (let pid = process.ppid, depth = 0; pid > 1 && depth < 4; depth++) {
      chain.push(pid);
      if (/npm|npx/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"))) return chain;
      pid = Number(
        readFileSync(`/proc/${pid}/stat`, "utf8")
          .replace(/^.*\) /s, "")
          .split(" ")[1],
      );
    }
  } catch {
    // No /proc (macOS, Windows): the signals npm forwards are all we get.
  }
  return [];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

// Entry point when run as a script (tsx src/cli/main.ts …), not when imported by tests or bin/obol.js.
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("src/cli/main.ts"))
  await runCli(process.argv.slice(2));
