/** The `obol` binary as users run it: a real child process per invocation. */
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { commandNames, loadCommand } from "../../src/cli/main.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");

function obol(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, join(ROOT, "src/cli/main.ts"), ...args],
      { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("obol CLI", () => {
  it("names every file of src/cli/commands/ in its static command list, and each loads", async () => {
    const files = readdirSync(join(ROOT, "src/cli/commands"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.slice(0, -3));
    expect(commandNames()).toEqual(files.sort());
    for (const name of commandNames()) expect((await loadCommand(name)).name).toBe(name);
    await expect(loadCommand("toString")).rejects.toThrow(/toString/);
  });

  it("lists every command file in --help, and shows a command's usage", async () => {
    const help = await obol(["--help"]);
    expect(help.code).toBe(0);
    for (const name of ["chain", "claim", "deploy", "devnet", "inbox", "send", "status"])
      expect(help.stdout).toMatch(new RegExp(`\\n  ${name} `));
    const send = await obol(["send", "--help"]);
    expect(send.code).toBe(0);
    expect(send.stdout).toMatch(/Usage: obol send <address> <message>/);
    expect(send.stdout).toMatch(/--data-dir/);
  });

  it("fails with exit code 1, a short message and a hint, and no stack without --verbose", async () => {
    const unknown = await obol(["frobnicate"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/error: Unknown command "frobnicate"/);
    expect(unknown.stderr).toMatch(/hint: see `obol --help`/);

    const badOption = await obol(["status", "--bogus"]);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toMatch(/Unknown option '--bogus'/);
    expect(badOption.stderr).toMatch(/hint: see `obol status --help`/);

    const badAddress = await obol(["send", "obol1abc", "hi"]);
    expect(badAddress.code).toBe(1);
    expect(badAddress.stderr).toMatch(
      /error: the address has 8 characters, an obol1… address has 148: it was cut when copied/,
    );
    expect(badAddress.stderr).not.toMatch(/ {4}at /);

    const badKey = await obol(["status", "--key", "0x12"]);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/--key must be 0x followed by 64 hex digits/);

    const badScheme = await obol(["deploy", "--scheme", "gold"]);
    expect(badScheme.code).toBe(1);
    expect(badScheme.stderr).toMatch(/unknown scheme "gold"/);

    // Checked before anything starts (no chain, no state directory).
    const badPrepaid = await obol(["devnet", "--scheme", "tickets", "--prepaid-mix", "2.5"]);
    expect(badPrepaid.code).toBe(1);
    expect(badPrepaid.stderr).toMatch(/--prepaid-mix must be a whole number ≥ 0, got "2.5"/);
  });

  it("tells the user to deploy first when the data dir has no deployment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "obol-cli-"));
    try {
      const r = await obol(["status", "--data-dir", dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/deployment/i);
      expect(r.stderr).toMatch(/hint: .*(obol deploy|npm start)/);
      const verbose = await obol(["status", "--data-dir", dir, "--verbose"]);
      expect(verbose.stderr).toMatch(/ {4}at /); // stack only with --verbose
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
