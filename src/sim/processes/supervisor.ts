/**
 * Child processes of a multi-process devnet or soak (docs/operations.md
 * §Devnet with processes): each relay or client is its own OS process with
 * its own log file; the supervisor reads the JSON lines a child prints on
 * stdout, reports a child that exits when nobody asked it to (exit code,
 * signal, log path), and stops everything with SIGTERM, then SIGKILL for a
 * child that does not exit in time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ObolError } from "../../errors.js";

/** The `obol` CLI entry, run with `node --import tsx`. */
export const CLI_MAIN = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

export type ChildSpec = {
  name: string;
  /** Script run with `node --import tsx` (default: the obol CLI). */
  script?: string;
  args: readonly string[];
  /** Extra environment (keys go here, never on the command line). */
  env?: Record<string, string>;
  /** stderr and stdout of the child are appended here. */
  logFile: string;
  /** Opens an IPC channel (`process.send` in the child). */
  ipc?: boolean;
};

export type ChildExit = {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  logFile: string;
  expected: boolean;
};

export class ChildTimeoutError extends ObolError {
  constructor(name: string, what: string, logFile: string) {
    super(`${name} did not ${what} in time`, {
      details: `its log is ${logFile}`,
      hint: "read the log; on a loaded machine raise the timeout",
    });
  }
}

export class ChildExitedError extends ObolError {
  constructor(exit: ChildExit, what: string) {
    super(`${exit.name} exited before it would ${what}`, { details: describeExit(exit), hint: `read ${exit.logFile}` });
  }
}

/** "mix-3 exited with code 1 (signal none); log: /tmp/…/mix-3/process.log". */
export function describeExit(e: ChildExit): string {
  return `${e.name} exited with code ${e.code ?? "none"} (signal ${e.signal ?? "none"}); log: ${e.logFile}`;
}

/** One supervised child. */
export class ManagedChild {
  readonly name: string;
  readonly spec: ChildSpec;
  readonly child: ChildProcess;
  /** JSON objects the child printed on stdout, in order. */
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<ChildExit>;
  #expected = false;
  #exit: ChildExit | null = null;
  readonly #waiters = new Set<() => void>();

  constructor(spec: ChildSpec, onExit: (e: ChildExit) => void) {
    this.name = spec.name;
    this.spec = spec;
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const fd = openSync(spec.logFile, "a");
    this.child = spawn(process.execPath, ["--import", "tsx", spec.script ?? CLI_MAIN, ...spec.args], {
      stdio: ["ignore", "pipe", fd, ...(spec.ipc ? ["ipc" as const] : [])],
      // OBOL_CHILD_NODE_OPTIONS adds node flags to every child (e.g. `--heapsnapshot-signal=SIGUSR2` to find a leak).
      // MALLOC_ARENA_MAX=2: glibc's default of 8 arenas per core kept growing relays' RSS outside the V8 heap
      // (docs/operations.md §6: relays' RSS slope 0.60 → 0.09 MiB/min after warm-up); set it to override.
      env: {
        MALLOC_ARENA_MAX: "2",
        ...process.env,
        NODE_OPTIONS: `--disable-warning=ExperimentalWarning ${process.env.OBOL_CHILD_NODE_OPTIONS ?? ""}`.trim(),
        ...spec.env,
      },
    });
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      try {
        writeSync(fd, `${line}\n`);
      } catch {
        /* log closed after exit */
      }
      if (!line.startsWith("{")) return;
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
        for (const wake of this.#waiters) wake();
      } catch {
        // a non-JSON line; it is in the log file
      }
    });
    if (spec.ipc)
      this.child.on("message", (message) => {
        this.lines.push(message as Record<string, unknown>);
        for (const wake of this.#waiters) wake();
      });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => {
        closeSync(fd);
        this.#exit = { name: spec.name, code, signal, logFile: spec.logFile, expected: this.#expected };
        for (const wake of this.#waiters) wake();
        onExit(this.#exit);
        resolve(this.#exit);
      }),
    );
  }

  get running(): boolean {
    return this.#exit === null;
  }

  /**
   * Waits for a stdout/IPC line matching `match`.
   *
   * @throws ChildExitedError when the child exits first; ChildTimeoutError after `timeoutMs`
   */
  async waitLine(
    match: (line: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs = 120_000,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (this.#exit) throw new ChildExitedError(this.#exit, what);
      signal?.throwIfAborted();
      if (Date.now() > deadline) throw new ChildTimeoutError(this.name, what, this.spec.logFile);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 500);
        this.#waiters.add(wake);
      });
    }
  }

  /** Sends a signal on purpose: the exit it causes is not reported as a crash. */
  kill(signal: NodeJS.Signals): void {
    this.#expected = true;
    if (this.running) this.child.kill(signal);
  }

  /** Sends an IPC message (children spawned with `ipc`). */
  send(message: unknown): void {
    if (this.running && this.child.connected) this.child.send(message as object);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit. */
  async stop(graceMs = 20_000): Promise<ChildExit> {
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Starts and tracks children; unexpected exits are collected in `crashes` and
 * passed to `onCrash`.
 *
 * @example
 * const sup = new Supervisor({ onCrash: (e) => log.error(describeExit(e)) });
 * const relay = sup.spawn({ name: "mix-0", args: ["relay", …], logFile });
 * await sup.stopAll();
 */
export class Supervisor {
  readonly children: ManagedChild[] = [];
  readonly crashes: ChildExit[] = [];
  readonly #onCrash: (e: ChildExit) => void;
  readonly #killOnExit = () => {
    for (const c of this.children) if (c.running) c.child.kill("SIGKILL");
  };

  constructor({ onCrash = () => {} }: { onCrash?: (e: ChildExit) => void } = {}) {
    this.#onCrash = onCrash;
    process.once("exit", this.#killOnExit); // never leave orphans behind
  }

  spawn(spec: ChildSpec): ManagedChild {
    const child = new ManagedChild(spec, (e) => {
      if (e.expected) return;
      this.crashes.push(e);
      this.#onCrash(e);
    });
    this.children.push(child);
    return child;
  }

  /** Stops the given children (default all running), in parallel. */
  async stopAll(which: readonly ManagedChild[] = this.children, graceMs?: number): Promise<ChildExit[]> {
    const exits = await Promise.all(which.filter((c) => c.running).map((c) => c.stop(graceMs)));
    if (this.children.every((c) => !c.running)) process.off("exit", this.#killOnExit);
    return exits;
  }
}
