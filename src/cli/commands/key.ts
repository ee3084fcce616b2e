/** `obol key new|address <file>`: an account key kept in a file, never on the command line. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs, requireKey } from "../options.js";
import { CliStateError, UsageError } from "../errors.js";

export const command: Command = {
  name: "key",
  summary: "create an account key file (0600) or print a key file's address",
  usage: `Usage: obol key new <file>
       obol key address [<file>]

  new      writes a fresh private key to <file> (mode 0600; refuses to
           overwrite) and prints its address. Pass the file to other commands
           with --key-file: unlike --key, it does not show in \`ps\`.
  address  prints the address of the key in <file>, or without <file> of the
           key the common options name (--key-file, --keystore-key, the
           --network's account, OBOL_KEY): which account a keystore key is.
A new account holds nothing: fund it with \`obol token transfer\`.
${COMMON_USAGE}`,
  async run(argv, { out }) {
    const { positionals, common } = parseCommandArgs("key", argv, { options: {}, positionals: 1, maxPositionals: 2 });
    const [action, file] = positionals as [string, string | undefined];
    const { privateKeyToAddress, generatePrivateKey } = await import("viem/accounts");
    if (action === "new") {
      if (file === undefined) throw new UsageError("obol key new needs a <file>", "key");
      if (existsSync(file))
        throw new CliStateError(`${file} already exists`, {
          hint: "choose another file; an existing key is never overwritten",
        });
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const key = generatePrivateKey();
      writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
      const address = privateKeyToAddress(key);
      out.write(common.json ? `${JSON.stringify({ file, address })}\n` : `${address}\n`);
      return 0;
    }
    if (action === "address" && file === undefined) {
      const address = privateKeyToAddress(requireKey(common, "key"));
      out.write(common.json ? `${JSON.stringify({ address })}\n` : `${address}\n`);
      return 0;
    }
    if (action === "address" && file !== undefined) {
      let key: string;
      try {
        key = readFileSync(file, "utf8").trim();
      } catch (cause) {
        throw new UsageError(
          `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
          "key",
          { cause },
        );
      }
      if (!/^0x[0-9a-fA-F]{64}$/.test(key))
        throw new UsageError(`${file} must hold 0x followed by 64 hex digits`, "key");
      const address = privateKeyToAddress(key as `0x${string}`);
      out.write(common.json ? `${JSON.stringify({ file, address })}\n` : `${address}\n`);
      return 0;
    }
    throw new UsageError(`unknown action "${action}"`, "key", { details: "choose one of: new, address" });
  },
};
