/**
 * `obol tickets` and `obol issuer` argument handling and the wallet listing
 * (the network paths are covered by issuer-net, scheme and e2e tests).
 */
import { describe, it, expect } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { command as tickets } from "../../../src/cli/commands/tickets.js";
import { command as issuer } from "../../../src/cli/commands/issuer.js";
import { silentLogger } from "../../../src/log.js";
import { openDatabase } from "../../../src/store/db.js";
import { TokenWallet } from "../../../src/schemes/tickets/wallet.js";
import { UsageError } from "../../../src/cli/errors.js";

function context() {
  let text = "";
  const out = new Writable({
    write: (chunk, _enc, cb) => {
      text += String(chunk);
      cb();
    },
  });
  return { ctx: { log: silentLogger(), out, signal: new AbortController().signal }, text: () => text };
}

describe("obol tickets / obol issuer", () => {
  it("lists the wallet per relay and epoch", async () => {
    const dir = mkdtempSync(join(tmpdir(), "obol-tickets-cli-"));
    try {
      const empty = context();
      expect(await tickets.run(["list", "--data-dir", dir], empty.ctx)).toBe(0);
      expect(empty.text()).toBe("no tokens\n");
      const db = openDatabase(join(dir, "client.sqlite"));
      new TokenWallet(db).add([
        {
          relay: "0x00000000000000000000000000000000000000A1",
          epoch: 3n,
          serial: new Uint8Array(16).fill(1),
          signature: new Uint8Array(48),
        },
      ]);
      db.close();
      const one = context();
      await tickets.run(["list", "--data-dir", dir, "--json"], one.ctx);
      expect(JSON.parse(one.text())).toEqual([
        { relay: "0x00000000000000000000000000000000000000A1", epoch: "3", unspent: 1, spent: 0 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects bad arguments with usage errors naming the option", async () => {
    const dir = mkdtempSync(join(tmpdir(), "obol-tickets-cli-"));
    const key = `0x${"11".repeat(32)}`;
    try {
      const { ctx } = context();
      await expect(tickets.run(["sell", "--data-dir", dir], ctx)).rejects.toThrow(UsageError);
      await expect(tickets.run(["buy", "--data-dir", dir], ctx)).rejects.toThrow(/--key|private key/);
      await expect(
        tickets.run(["buy", "--data-dir", dir, "--key", key, "--relays", "nope", "--count", "1"], ctx),
      ).rejects.toThrow(/--relays/);
      await expect(
        tickets.run(
          [
            "buy",
            "--data-dir",
            dir,
            "--key",
            key,
            "--relays",
            "0x00000000000000000000000000000000000000a1",
            "--count",
            "0",
          ],
          ctx,
        ),
      ).rejects.toThrow(/--count/);
      await expect(
        tickets.run(
          [
            "buy",
            "--data-dir",
            dir,
            "--key",
            key,
            "--relays",
            "0x00000000000000000000000000000000000000a1",
            "--count",
            "2",
          ],
          ctx,
        ),
      ).rejects.toThrow(/--issuer/);
      await expect(issuer.run(["--data-dir", dir], ctx)).rejects.toThrow(/private key/);
      await expect(issuer.run(["--data-dir", dir, "--key", key, "--win-bits", "17"], ctx)).rejects.toThrow(
        /--win-bits/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
