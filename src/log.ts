import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

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
}: { level?: string; destination?: number | string; base?: LoggerOptions["base"] } = {}): Logger {
  return pino({ level, base: base ?? null }, pino.destination({ dest: destination, sync: false }));
}

/** A silent logger for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** Child logger tagged with the component name, as js-libp2p does. */
export function forComponent(log: Logger, component: string): Logger {
  return log.child({ component });
}
