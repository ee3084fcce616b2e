#!/usr/bin/env node
/**
 * `obol <command> [options]`: loads `src/cli/commands/<command>.ts` on demand
 * (a command file exports `command: Command`, see `src/cli/command.ts`), wires
 * Ctrl-C / SIGTERM to an AbortSignal, and prints errors for humans:
 * short message, details and hint, exit code 1, stack only with --verbose.
 */
import { readdirSync } from "node:fs";
import { ObolError } from "../errors.js";
import { createLogger } from "../log.js";
import type { CliContext, Command } from "./command.js";
import { UnknownCommandError } from "./errors.js";

const COMMANDS_DIR = new URL("./commands/", import.meta.url);

/** Names of the available commands, read from the commands folder. */
export function commandNames(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter((f) => /^[a-z][a-z0-9-]*\.(ts|js)$/.test(f) && !f.endsWith(".d.ts"))
    .map((f) => f.replace(/\.(ts|js)$/, ""))
    .filter((n, i, all) => all.indexOf(n) === i)
    .sort();
}

/**
 * Imports one command module.
 *
 * @throws UnknownCommandError when no such file exists.
 * @example
 * const send = await loadCommand("send");
 */
export async function loadCommand(name: string): Promise<Command> {
  const names = commandNames();
  if (!names.includes(name)) throw new UnknownCommandError(name, names);
  const mod = (await import(new URL(`${name}.js`, COMMANDS_DIR).href)) as { command?: Command; default?: Command };
  const command = mod.command ?? mod.default;
  if (!command) throw new UnknownCommandError(name, names, { details: `src/cli/commands/${name}.ts exports no \`command\`` });
  return command;
}

async function globalHelp(out: NodeJS.WritableStream): Promise<void> {
  const lines = ["Usage: obol <command> [options]", "", "Commands:"];
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
    return await command.run(rest, context);
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

// Entry point when run as a script (tsx src/cli/main.ts …), not when imported by tests.
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("src/cli/main.ts")) {
  // node:sqlite is stable enough for us; its "experimental" notice on every
  // command would only confuse users. Every other warning is still printed.
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name === "ExperimentalWarning" && /SQLite/.test(warning.message)) return;
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(`\n${sig}: shutting down (press Ctrl-C again to force)\n`);
      controller.abort(new Error(`received ${sig}`));
    } else process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const code = await main(process.argv.slice(2), { signal: controller.signal });
  process.exitCode = code;
  process.removeListener("SIGINT", onSignal);
  process.removeListener("SIGTERM", onSignal);
}
