/**
 * The logging port: the minimal `Logger` the library writes to, and the
 * factories of the platform backend (`#platform/log`: pino in Node, the
 * console in the browser), so no Node-only logger is on the client path.
 */
export { createLogger, silentLogger } from "#platform/log";

/** One log method: `log.warn({ err, peer }, "message")` or `log.info("message")`, as pino's. */
export type LogFn = {
  (obj: object, msg?: string): void;
  (msg: string): void;
};

/** What library code needs from a logger (pino's `Logger` satisfies it). */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger adding `bindings` to every line; `options.level` overrides the level (e.g. errors only). */
  child(bindings: Record<string, unknown>, options?: { level?: string }): Logger;
}

/** Child logger tagged with the component name, as js-libp2p does. */
export function forComponent(log: Logger, component: string): Logger {
  return log.child({ component });
}
