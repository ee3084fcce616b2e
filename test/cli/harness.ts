/**
 * The `obol` command as an operator runs it: `node bin/obol.js …` (what
 * `npx obol` runs), one child process per command; services (chain, relays,
 * issuer) as long-lived children stopped with SIGTERM. Nothing in-process.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = join(ROOT, "bin/obol.js");

export type Run = { code: number; stdout: string; stderr: string };

/** `input`: written to stdin, which then ends (a keystore password, a message); `env`: the child's whole environment. */
export type RunOptions = { input?: string; env?: NodeJS.ProcessEnv };

/** Runs one command to completion (2 minutes at most, for a loaded machine). */
export function obol(args: string[], { input, env }: RunOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 16 << 20, ...(env ? { env } : {}) },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

/** Runs a command that must succeed; fails the test with its stderr otherwise. */
export async function ok(args: string[], options: RunOptions = {}): Promise<string> {
  const r = await obol(args, options);
  if (r.code !== 0) throw new Error(`obol ${args.join(" ")} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** Log lines worth showing when a wait fails: pino levels 40+ (warn, error, fatal), key rotations, final stats. */
const NOTABLE = /"level":[456]\d|"msg":"(relay stopped|mix keys for epoch|next epoch's mix key registered)"/;

export type Service = {
  child: ChildProcess;
  /** Everything printed on stdout so far. */
  stdout: () => string;
  stderr: () => string;
  /** Its warnings and errors, its key rotations and its final stats (kept whole, unlike `stderr`). */
  notable: () => string[];
  /** SIGTERM, then the exit code (SIGKILL after 60 s). */
  stop: () => Promise<number | null>;
};

/**
 * Starts a long-running command and waits until its stdout matches `ready`.
 *
 * @throws when it exits first or does not get ready within `timeoutMs`.
 */
export async function service(
  args: string[],
  ready: RegExp,
  timeoutMs = 120_000,
  { input, env }: RunOptions = {},
): Promise<Service> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...(env ? { env } : {}),
  });
  if (input !== undefined) child.stdin!.end(input);
  let out = "";
  let err = "";
  let partial = "";
  const notable: string[] = [];
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => {
    err = (err + String(d)).slice(-20_000);
    const lines = (partial + String(d)).split("\n");
    partial = lines.pop()!;
    for (const l of lines) if (NOTABLE.test(l) && notable.length < 500) notable.push(l);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const stop = async () => {
    if (done) return exited;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const deadline = Date.now() + timeoutMs;
  while (!ready.test(out)) {
    if (done) throw new Error(`obol ${args.join(" ")} exited before ready:\n${err}\n${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`obol ${args.join(" ")} not ready within ${timeoutMs} ms:\n${err}\n${out}`);
    }
    await sleep(100);
  }
  return { child, stdout: () => out, stderr: () => err, notable: () => notable, stop };
}

/**
 * Polls `attempt` until it returns a value (not undefined), or fails after `timeoutMs`; `context` is added to the
 * failure (what the services logged, say), so a timeout says why.
 */
export async function until<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs: number,
  pauseMs = 1_000,
  context: () => string | Promise<string> = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${await context()}`);
    await sleep(pauseMs);
  }
}

/**
 * What the services logged that matters for a failed wait (see NOTABLE), after stopping them so relays print
 * their final stats; the test fails anyway.
 */
export async function postmortem(services: Service[]): Promise<string> {
  for (const s of [...services].reverse()) await s.stop();
  return services
    .map((s) => `service ${s.child.spawnargs.slice(2, 5).join(" ")}:\n${s.notable().join("\n")}`)
    .join("\n");
}
