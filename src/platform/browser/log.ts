/**
 * Browser backend of the logging port: the same `Logger` shape as pino
 * (`log.warn({ err }, "message")`, `child(bindings)`), written to the console
 * with the bindings and fields as one object, so the devtools can expand it.
 */
import type { Logger } from "../../log.js";

const LEVELS = ["trace", "debug", "info", "warn", "error", "silent"] as const;
type Level = (typeof LEVELS)[number];

class ConsoleLogger implements Logger {
  constructor(
    private readonly threshold: number,
    private readonly bindings: Record<string, unknown>,
  ) {}
  trace = this.#at(0);
  debug = this.#at(1);
  info = this.#at(2);
  warn = this.#at(3);
  error = this.#at(4);
  child(bindings: Record<string, unknown>, options?: { level?: string }): Logger {
    const at = options?.level === undefined ? this.threshold : LEVELS.indexOf(options.level as Level);
    return new ConsoleLogger(at < 0 ? this.threshold : at, { ...this.bindings, ...bindings });
  }
  #at(level: number) {
    const method = (["debug", "debug", "info", "warn", "error"] as const)[level]!;
    return (obj: unknown, msg?: string): void => {
      if (level < this.threshold) return;
      if (typeof obj === "string") console[method](obj, this.bindings);
      else console[method](msg ?? "", { ...this.bindings, ...(obj as object) });
    };
  }
}

/** A console logger at `level` (default "info"). */
export function createLogger({ level = "info" }: { level?: string } = {}): Logger {
  const at = LEVELS.indexOf(level as Level);
  return new ConsoleLogger(at < 0 ? 2 : at, {});
}

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return new ConsoleLogger(LEVELS.indexOf("silent"), {});
}
