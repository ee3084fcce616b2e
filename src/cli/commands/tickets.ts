/**
 * `obol tickets buy|list|reclaim`: buy blind tokens, list the wallet, take back
 * unspent ones (docs/tickets.md §4, §10).
 */
import { join } from "node:path";
import { readFileSync, existsSync } from "node:fs";
import { formatUnits, isAddress, type Address } from "viem";
import type { Command } from "../command.js";
import type { DatabaseSync } from "node:sqlite";
import { COMMON_USAGE, numberOption, parseCommandArgs, requireKey, type CommonOptions } from "../options.js";
import { CliStateError, UsageError } from "../errors.js";

const ACTIONS = ["buy", "list", "reclaim"] as const;

export const command: Command = {
  name: "tickets",
  summary: "buy blind tokens from the issuer, list your wallet, reclaim unspent tokens (scheme tickets)",
  usage: `Usage: obol tickets <buy|list|reclaim> [options]

  buy  --relays a,b,… --count N [--epoch E] [--issuer MA]
       deposit on the TicketBank for N tokens per relay of epoch E (default: the
       current epoch), have the issuer sign them blindly, check and store them.
       --issuer is the issuer's multiaddr (default: <data-dir>/issuer.json).
  list unspent / spent tokens per relay and epoch
  reclaim
       present the unspent tokens of every epoch whose redemption window has
       closed to the TicketBank and get their price back (to the account of
       --key-file, which pays the gas). Relays redeem an epoch's tokens until
       its window closes (redeemWindow epochs after the grace epoch; the
       command says when); unspent tokens of later epochs stay in the wallet.
The wallet lives in <data-dir>/client.sqlite, or, when --data-dir is a
relay's (it holds relay.json), in its relay.sqlite: relays buy tokens for
their own cover loops this way, every epoch they send loops in.
  --deployment-dir D   where deployment.json is (default: --data-dir)
${COMMON_USAGE}`,
  async run(argv, { out, log }) {
    const { values, common, positionals } = parseCommandArgs("tickets", argv, {
      options: {
        relays: { type: "string" },
        count: { type: "string" },
        epoch: { type: "string" },
        issuer: { type: "string" },
        "deployment-dir": { type: "string" },
      },
      positionals: 1,
    });
    if (common.help) {
      out.write(`${command.usage}\n`);
      return 0;
    }
    const action = positionals[0]!;
    if (!(ACTIONS as readonly string[]).includes(action))
      throw new UsageError(`unknown action "${action}"`, "tickets", {
        details: `choose one of: ${ACTIONS.join(", ")}`,
      });
    const { openDatabase } = await import("../../store/db.js");
    const { TokenWallet } = await import("../../schemes/tickets/wallet.js");
    // A relay pays for its own cover loops from its own wallet (relay.sqlite); a client's is client.sqlite.
    const { RELAY_STATE_FILE } = await import("../relay-state.js");
    const db = openDatabase(
      join(common.dataDir, existsSync(join(common.dataDir, RELAY_STATE_FILE)) ? "relay.sqlite" : "client.sqlite"),
    );
    try {
      if (action === "list") {
        const rows = new TokenWallet(db).summary();
        if (common.json) out.write(`${JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
        else if (rows.length === 0) out.write("no tokens\n");
        else for (const r of rows) out.write(`epoch ${r.epoch}  ${r.relay}  unspent ${r.unspent}  spent ${r.spent}\n`);
        return 0;
      }
      if (action === "reclaim") return await reclaim(db, common, values["deployment-dir"], out);
      requireKey(common, "tickets buy");
      const relays = String(values.relays ?? "")
        .split(",")
        .filter(Boolean);
      if (relays.length === 0 || !relays.every((r) => isAddress(r)))
        throw new UsageError("--relays must be a comma-separated list of 0x addresses", "tickets buy");
      const count = numberOption(values.count, "--count", "tickets buy", 0);
      if (!Number.isInteger(count) || count < 1)
        throw new UsageError("--count must be a positive integer", "tickets buy");
      let issuerAddr = values.issuer;
      const file = join(common.dataDir, "issuer.json");
      if (!issuerAddr && existsSync(file))
        issuerAddr = (JSON.parse(readFileSync(file, "utf8")) as { multiaddrs: string[] }).multiaddrs[0];
      if (!issuerAddr)
        throw new UsageError("--issuer <multiaddr> is required (no issuer.json in the data dir)", "tickets buy");
      const { openChain } = await import("../session.js");
      const { multiaddr } = await import("@multiformats/multiaddr");
      const { createObolNode } = await import("../../net/node.js");
      const { loadBlindBls } = await import("../../crypto/blind/bls.js");
      const { resolveIssuer, ticketBank } = await import("../../schemes/tickets/bank.js");
      const { buyTokens } = await import("../../schemes/tickets/buy.js");
      const { requestIssuance } = await import("../../schemes/tickets/issuer.js");
      const chain = await openChain(common, values["deployment-dir"]);
      const epoch =
        values.epoch === undefined
          ? await ticketBank(chain).read.currentEpoch()
          : BigInt(numberOption(values.epoch, "--epoch", "tickets buy", 0));
      const issuer = await resolveIssuer(chain, db);
      const libp2p = await createObolNode({ listen: [] });
      try {
        const peer = multiaddr(issuerAddr);
        const r = await buyTokens(chain, db, await loadBlindBls(), {
          epoch,
          relays: relays as Address[],
          perRelay: count,
          issuer,
          issue: (req) => requestIssuance(libp2p, peer, req),
        });
        log.debug({ deposit: r.depositId.toString() }, "bought tokens");
        out.write(
          common.json
            ? `${JSON.stringify({ depositId: r.depositId.toString(), tokens: r.tokens, paid: r.paid.toString(), epoch: epoch.toString() })}\n`
            : `bought ${r.tokens} tokens for epoch ${epoch} (deposit ${r.depositId}, paid ${formatUnits(r.paid, 18)} OBOL)\n`,
        );
      } finally {
        await libp2p.stop();
      }
      return 0;
    } finally {
      db.close();
    }
  },
};

/** `obol tickets reclaim`: unspent tokens of closed windows back to the holder; typed errors for the rest. */
async function reclaim(
  db: DatabaseSync,
  common: CommonOptions,
  deploymentDir: string | undefined,
  out: NodeJS.WritableStream,
): Promise<number> {
  requireKey(common, "tickets reclaim");
  const { TokenWallet } = await import("../../schemes/tickets/wallet.js");
  const { NothingToReclaimError, RedemptionWindowOpenError, ForeignTokensError, TicketsUnavailableError } =
    await import("../../schemes/tickets/errors.js");
  const unspent = new TokenWallet(db).summary().reduce((n, r) => n + r.unspent, 0);
  if (unspent === 0) throw new NothingToReclaimError(common.dataDir);
  const { openChain } = await import("../session.js");
  const chain = await openChain(common, deploymentDir);
  const { deployedSchemes } = await import("../scheme.js");
  const bank = chain.deployment.contracts.TicketBank;
  if (!bank)
    throw new CliStateError(
      "This deployment has no TicketBank: tokens are reclaimed on the deployment they were bought on",
      {
        details: `the deployment holds: ${["free", ...deployedSchemes(chain.deployment)].join(", ")}`,
        hint: "pass the --deployment-dir of the tickets deployment you bought them on",
      },
    );
  const where = `TicketBank ${bank} on chain ${chain.deployment.chainId}`;
  const { pinnedIssuer, resolveIssuer } = await import("../../schemes/tickets/bank.js");
  let issuer;
  try {
    issuer = await resolveIssuer(chain, db);
  } catch (error) {
    // The wallet's issuer (pinned when it bought) is not registered on this bank: another deployment's tokens.
    if (error instanceof TicketsUnavailableError)
      throw new ForeignTokensError(
        unspent,
        `${where}, where their issuer ${pinnedIssuer(db) ?? "(none recorded)"} is not registered`,
        { cause: error },
      );
    throw error;
  }
  const { requireGas } = await import("../explain.js");
  await requireGas(chain);
  const { loadBlindBls } = await import("../../crypto/blind/bls.js");
  const { reclaimUnspent } = await import("../../schemes/tickets/reclaim.js");
  const r = await reclaimUnspent(chain, db, await loadBlindBls(), issuer);
  const settled = r.reclaimed + r.losers + r.alreadySpent;
  if (settled === 0 && r.foreign > 0) throw new ForeignTokensError(r.foreign, `${where}, issuer ${issuer.address}`);
  if (settled === 0 && r.open[0]) {
    const now = (await chain.publicClient.getBlock({ blockTag: "latest" })).timestamp;
    throw new RedemptionWindowOpenError(r.open[0].tokens, r.open[0].epoch, r.open[0].closesAt, now);
  }
  if (common.json) {
    out.write(
      `${JSON.stringify({ account: chain.account, ...r }, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`,
    );
    return 0;
  }
  out.write(
    `reclaimed ${r.reclaimed} tokens: paid ${formatUnits(r.paid, 18)} OBOL to ${chain.account} (${r.transactions.length} transactions)\n`,
  );
  if (r.alreadySpent > 0)
    out.write(`  ${r.alreadySpent} tokens had been redeemed already (by their relays, or an earlier reclaim)\n`);
  if (r.losers > 0) out.write(`  ${r.losers} tokens lost the epoch's lottery and are worth nothing\n`);
  if (r.foreign > 0) out.write(`  ${r.foreign} tokens were not issued for ${where}: left in the wallet\n`);
  for (const o of r.open)
    out.write(
      `  ${o.tokens} tokens of epoch ${o.epoch} wait: relays may redeem them until ${new Date(Number(o.closesAt) * 1000).toISOString()}\n`,
    );
  return 0;
}
