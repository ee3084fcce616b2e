/**
 * Shape of one `obol <name>` command. `src/cli/main.ts` loads
 * `src/cli/commands/<name>.ts` on demand and calls `run`, so adding a command
 * is adding one file.
 */
import type { Logger } from "../log.js";

export type CliContext = {
  log: Logger;
  /** Where results for humans go (tables, summaries); logs go to stderr. */
  out: NodeJS.WritableStream;
  /** Aborted on Ctrl-C / SIGTERM; long-running commands stop cleanly on it. */
  signal: AbortSignal;
};

export type Command = {
  name: string;
  /** One line for `obol --help`. */
  summary: string;
  /** Full usage text for `obol <name> --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[], context: CliContext): Promise<number>;
};
