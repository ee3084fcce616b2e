/**
 * Helpers for tests that attack a node running in a child process: spawn a
 * fixture, read its ready line, measure its resident memory and open fds.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

/** Spawns `node --import tsx <fixture> [args]` and resolves with its first JSON line that has `ready`. */
export async function spawnFixture<T extends { ready: true }>(
  fixture: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; ready: T; lines: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_OPTIONS: "--disable-warning=ExperimentalWarning" },
  });
  const lines: string[] = [];
  const ready = await new Promise<T>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      lines.push(line);
      try {
        const parsed = JSON.parse(line) as { ready?: boolean };
        if (parsed.ready) resolve(parsed as T);
      } catch {
        // not JSON: a log line
      }
    });
    child.once("exit", (code) => reject(new Error(`fixture exited early with ${code}`)));
  });
  return { child, ready, lines };
}

/** Resident set size of a process in MiB (Linux `/proc`). */
export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line!.split(/\s+/)[1]) / 1024;
}

/** Open file descriptors of a process (Linux `/proc`). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Sends SIGTERM and waits for the process to exit (SIGKILL after 10 s). */
export async function stopFixture(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
