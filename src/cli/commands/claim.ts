/** `obol claim --scheme S`: turn a relay's earned credit into an on-chain payout. */
import { join } from "node:path";
import { formatUnits } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs, requireKey } from "../options.js";
import { openChain } from "../session.js";

export const command: Command = {
  name: "claim",
  summary: "claim what your relay earned under --scheme (prints paid, gas, balance)",
  usage: `Usage: obol claim --scheme S --key 0x… [--data-dir D]

Runs the scheme's settlement for the relay whose operator key is --key and
whose state is in --data-dir (<data-dir>/relay.sqlite, as \`obol relay\`
writes it): redeems tickets, tokens or audited routes on chain, then prints
what was paid, the gas used and the relay's token balance after the claim.
Safe to re-run: nothing is claimed twice.

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
${COMMON_USAGE}`,
  async run(argv, { out, log, signal }) {
    const { common, values } = parseCommandArgs("claim", argv, { options: { "deployment-dir": { type: "string" } } });
    requireKey(common, "claim");
    const chain = await openChain(common, values["deployment-dir"]);
    const { loadScheme } = await import("../../schemes/registry.js");
    const { openDatabase } = await import("../../store/db.js");
    const { createObolNode } = await import("../../net/node.js");
    const { obolTokenAbi } = await import("../../chain/abi/ObolToken.js");
    const scheme = await loadScheme(common.scheme);
    const db = openDatabase(join(common.dataDir, "relay.sqlite"));
    const libp2p = await createObolNode({ listen: [] });
    try {
      const result = await scheme.settle({ chain, db, log, libp2p, relay: chain.account }).claim({ signal });
      (await import("../../store/claims.js")).recordClaim(db, result); // the relay's metrics show the last claim's gas
      const balance = await chain.publicClient.readContract({
        address: chain.deployment.contracts.ObolToken, abi: obolTokenAbi, functionName: "balanceOf", args: [chain.account],
      });
      if (common.json)
        out.write(`${JSON.stringify({ ...result, balance }, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
      else {
        out.write(`scheme ${result.scheme}: paid ${formatUnits(result.paid, 18)} OBOL to ${result.relay}\n`);
        out.write(`gas used ${result.gasUsed} in ${result.transactions.length} transaction(s)\n`);
        for (const [k, v] of Object.entries(result.details)) out.write(`  ${k}: ${String(v)}\n`);
        out.write(`balance after: ${formatUnits(balance, 18)} OBOL\n`);
      }
      return 0;
    } finally {
      await libp2p.stop();
      db.close();
    }
  },
};
