/** `obol issuer`: run the scheme-B token issuer (docs/tickets.md §7). */
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { parseUnits } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs, requireKey } from "../options.js";
import { UsageError } from "../errors.js";

export const command: Command = {
  name: "issuer",
  summary: "run the blind-token issuer of the tickets scheme (/obol/issue/1)",
  usage: `Usage: obol issuer --key 0x… [--price OBOL] [--win-bits K] [--stake OBOL] [--confirmations N] [--listen MA]

Registers --key's account as TicketBank issuer on first run (BLS key in
<data-dir>/issuer.bls, created when absent; stake and terms from the options),
then serves /obol/issue/1 until Ctrl-C: signs blinded points against confirmed,
unsigned deposits only. Writes its multiaddrs to <data-dir>/issuer.json for
\`obol tickets buy --issuer\`. Its database <data-dir>/issuer.sqlite records
per deposit only the count signed.
  --price OBOL        price per token (default 0.001)
  --win-bits K        lottery: a token wins with probability 2^-K (default 0)
  --stake OBOL        stake posted at registration (default 1000)
  --confirmations N   blocks a deposit must be buried under (default 1)
  --listen MA         listen multiaddr (default loopback TCP)
  --deployment-dir D   where deployment.json is (default: --data-dir)
${COMMON_USAGE}`,
  async run(argv, { out, log, signal }) {
    const { values, common } = parseCommandArgs("issuer", argv, {
      options: {
        price: { type: "string" },
        "win-bits": { type: "string" },
        stake: { type: "string" },
        confirmations: { type: "string" },
        listen: { type: "string" },
        "deployment-dir": { type: "string" },
      },
    });
    if (common.help) {
      out.write(`${command.usage}\n`);
      return 0;
    }
    requireKey(common, "issuer");
    const units = (v: unknown, name: string, fallback: string) => {
      const s = typeof v === "string" ? v : fallback;
      if (!/^\d+(\.\d{1,18})?$/.test(s)) throw new UsageError(`${name} must be a number of OBOL`, "issuer");
      return parseUnits(s, 18);
    };
    const winBits = numberOption(values["win-bits"], "--win-bits", "issuer", 0);
    if (!Number.isInteger(winBits) || winBits > 16)
      throw new UsageError("--win-bits must be an integer in 0..16", "issuer");
    const { openChain } = await import("../session.js");
    const { openDatabase } = await import("../../store/db.js");
    const { createObolNode, loadOrCreatePeerKey } = await import("../../net/node.js");
    const { loadBlindBls } = await import("../../crypto/blind/bls.js");
    const { Issuer, serveIssuer } = await import("../../schemes/tickets/issuer.js");
    const { ensureIssuerRegistered, loadOrCreateIssuerKey, ISSUER_KEY_FILE } = await import(
      "../../schemes/tickets/setup.js"
    );
    const chain = await openChain(common, values["deployment-dir"]);
    const bls = await loadBlindBls();
    const { secretKey, publicKey } = loadOrCreateIssuerKey(join(common.dataDir, ISSUER_KEY_FILE), bls);
    const registered = await ensureIssuerRegistered(chain, {
      publicKey,
      price: units(values.price, "--price", "0.001"),
      winBits,
      stake: units(values.stake, "--stake", "1000"),
    });
    const db = openDatabase(join(common.dataDir, "issuer.sqlite"));
    const libp2p = await createObolNode({
      privateKey: await loadOrCreatePeerKey(common.dataDir),
      ...(values.listen ? { listen: [values.listen] } : {}),
    });
    const issuer = new Issuer({
      chain,
      db,
      log,
      bls,
      secretKey,
      confirmations: numberOption(values.confirmations, "--confirmations", "issuer", 1),
    });
    const stop = await serveIssuer(libp2p, issuer, log);
    const multiaddrs = libp2p.getMultiaddrs().map(String);
    writeFileSync(
      join(common.dataDir, "issuer.json"),
      `${JSON.stringify({ address: chain.account, multiaddrs }, null, 2)}\n`,
    );
    out.write(
      common.json
        ? `${JSON.stringify({ address: chain.account, registered, multiaddrs })}\n`
        : `issuer ${chain.account}${registered ? " (registered now)" : ""} serving /obol/issue/1 on\n${multiaddrs.map((m) => `  ${m}`).join("\n")}\n`,
    );
    await new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    await stop();
    await libp2p.stop();
    out.write(`stopped; ${issuer.signedTotal()} tokens signed in total\n`);
    db.close();
    return 0;
  },
};
