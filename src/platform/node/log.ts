/**
 * Node backend of the logging port: pino, structured JSON to stderr (or a
 * file). The browser backend (`../browser/log.ts`) writes to the console.
 */
import { pino, type Logger as PinoLogger, type LoggerOptions } from "pino";
import type { Logger } from "../../log.js";

/**
 * Creates the root structured logger. Library code never logs through
 * `console`; it receives a logger and derives a child per component.
 *
 * @param options.level pino level; defaults to `OBOL_LOG_LEVEL` or "info".
 * @param options.destination file descriptor or path; defaults to stderr so
 *   stdout stays free for command output (tables, JSON).
 * @example
 * const log = createLogger({ level: "debug" });
 * forComponent(log, "obol:relay").info({ peer }, "connected");
 */
export function createLogger({
  level = process.env.OBOL_LOG_LEVEL ?? "info",
  destination = 2,
  base,
}: {
  level?: string;
  destination?: number | string;
  base?: LoggerOptions["base"];
} = {}): PinoLogger {
  return pino({ level, base: base ?? null }, pino.destination({ dest: destination, sync: false }));
}

/** A silent logger for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
