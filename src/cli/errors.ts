/** Errors of the `obol` command line itself (parsing, unknown commands). */
import { ObolError, type ObolErrorOptions } from "../errors.js";

/** The command line did not parse: unknown option, missing argument, bad value. */
export class UsageError extends ObolError {
  override name = "UsageError";
  constructor(problem: string, command: string | undefined, options: ObolErrorOptions = {}) {
    super(problem, { hint: command ? `see \`obol ${command} --help\`` : "see `obol --help`", ...options });
  }
}

/** `obol <name>` where no `src/cli/commands/<name>.ts` exists. */
export class UnknownCommandError extends ObolError {
  override name = "UnknownCommandError";
  constructor(name: string, known: readonly string[], options: ObolErrorOptions = {}) {
    super(`Unknown command "${name}"`, {
      details: `commands: ${known.join(", ")}`,
      hint: "see `obol --help`",
      ...options,
    });
  }
}

/** What the command needs from a data directory or a deployment is not there or does not fit. */
export class CliStateError extends ObolError {
  override name = "CliStateError";
}
