/** `obol tickets buy|list`: buy blind tokens and list the wallet (docs/tickets.md §10). */
import { join } from "node:path";
import { readFileSync, existsSync } from "node:fs";
import { formatUnits, isAddress, type Address } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs, requireKey } from "../options.js";
import { UsageError } from "../errors.js";

const ACTIONS = ["buy", "list"] as const;

export const command: Command = {
  name: "tickets",
  summary: "buy blind tokens from the issuer and list your wallet (scheme tickets)",
  usage: `Usage: obol tickets <buy|list> [options]

  buy  --relays a,b,… --count N [--epoch E] [--issuer MA]
       deposit on the TicketBank for N tokens per relay of epoch E (default: the
       current epoch), have the issuer sign them blindly, check and store them.
       --issuer is the issuer's multiaddr (default: <data-dir>/issuer.json).
  list unspent / spent tokens per relay and epoch
The wallet lives in <data-dir>/client.sqlite, or, when --data-dir is a
relay's (it holds relay.json), in its relay.sqlite: relays buy tokens for
their own cover loops this way, every epoch they send loops in.
  --deployment-dir D   where deployment.json is (default: --data-dir)
${COMMON_USAGE}`,
  async run(argv, { out, log }) {
    const { values, common, positionals } = parseCommandArgs("tickets", argv, {
      options: { relays: { type: "string" }, count: { type: "string" }, epoch: { type: "string" }, issuer: { type: "string" }, "deployment-dir": { type: "string" } },
      positionals: 1,
    });
    if (common.help) {
      out.write(`${command.usage}\n`);
      return 0;
    }
    const action = positionals[0]!;
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown action "${action}"`, "tickets", { details: `choose one of: ${ACTIONS.join(", ")}` });
    const { openDatabase } = await import("../../store/db.js");
    const { TokenWallet } = await import("../../schemes/tickets/wallet.js");
    // A relay pays for its own cover loops from its own wallet (relay.sqlite); a client's is client.sqlite.
    const { RELAY_STATE_FILE } = await import("../relay-state.js");
    const db = openDatabase(join(common.dataDir, existsSync(join(common.dataDir, RELAY_STATE_FILE)) ? "relay.sqlite" : "client.sqlite"));
    try {
      if (action === "list") {
        const rows = new TokenWallet(db).summary();
        if (common.json) out.write(`${JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
        else if (rows.length === 0) out.write("no tokens\n");
        else for (const r of rows) out.write(`epoch ${r.epoch}  ${r.relay}  unspent ${r.unspent}  spent ${r.spent}\n`);
        return 0;
      }
      requireKey(common, "tickets buy");
      const relays = String(values.relays ?? "").split(",").filter(Boolean);
      if (relays.length === 0 || !relays.every((r) => isAddress(r))) throw new UsageError("--relays must be a comma-separated list of 0x addresses", "tickets buy");
      const count = numberOption(values.count, "--count", "tickets buy", 0);
      if (!Number.isInteger(count) || count < 1) throw new UsageError("--count must be a positive integer", "tickets buy");
      let issuerAddr = values.issuer;
      const file = join(common.dataDir, "issuer.json");
      if (!issuerAddr && existsSync(file)) issuerAddr = (JSON.parse(readFileSync(file, "utf8")) as { multiaddrs: string[] }).multiaddrs[0];
      if (!issuerAddr) throw new UsageError("--issuer <multiaddr> is required (no issuer.json in the data dir)", "tickets buy");
      const { openChain } = await import("../session.js");
      const { multiaddr } = await import("@multiformats/multiaddr");
      const { createObolNode } = await import("../../net/node.js");
      const { loadBlindBls } = await import("../../crypto/blind/bls.js");
      const { resolveIssuer, ticketBank } = await import("../../schemes/tickets/bank.js");
      const { buyTokens } = await import("../../schemes/tickets/buy.js");
      const { requestIssuance } = await import("../../schemes/tickets/issuer.js");
      const chain = await openChain(common, values["deployment-dir"]);
      const epoch = values.epoch === undefined ? await ticketBank(chain).read.currentEpoch() : BigInt(numberOption(values.epoch, "--epoch", "tickets buy", 0));
      const issuer = await resolveIssuer(chain, db);
      const libp2p = await createObolNode({ listen: [] });
      try {
        const peer = multiaddr(issuerAddr);
        const r = await buyTokens(chain, db, await loadBlindBls(), { epoch, relays: relays as Address[], perRelay: count, issuer, issue: (req) => requestIssuance(libp2p, peer, req) });
        log.debug({ deposit: r.depositId.toString() }, "bought tokens");
        out.write(common.json ? `${JSON.stringify({ depositId: r.depositId.toString(), tokens: r.tokens, paid: r.paid.toString(), epoch: epoch.toString() })}\n` : `bought ${r.tokens} tokens for epoch ${epoch} (deposit ${r.depositId}, paid ${formatUnits(r.paid, 18)} OBOL)\n`);
      } finally {
        await libp2p.stop();
      }
      return 0;
    } finally {
      db.close();
    }
  },
};
