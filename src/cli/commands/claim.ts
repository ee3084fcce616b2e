/** `obol claim`: turn a relay's earned credit into an on-chain payout. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { formatUnits } from "viem";
import type { Command } from "../command.js";
import { CliStateError } from "../errors.js";
import { COMMON_USAGE, parseCommandArgs, requireKey } from "../options.js";
import { readRelayState } from "../relay-state.js";
import { openChain } from "../session.js";

export const command: Command = {
  name: "claim",
  summary: "claim what your relay earned (prints paid, gas, balance)",
  usage: `Usage: obol claim --key-file F --data-dir D [--deployment-dir DD]

Runs the settlement of the relay whose state is in --data-dir (as \`obol relay\`
wrote it: relay.json, relay.sqlite): redeems tickets, tokens or audited routes
on chain, then prints what was paid, the gas used and the relay's token balance
after the claim. The scheme is the relay's own (relay.json); --scheme, when
given, must match it. The key must be the relay's operator key. Safe to
re-run: nothing is claimed twice.

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
${COMMON_USAGE}`,
  async run(argv, { out, log, signal }) {
    const { common, values } = parseCommandArgs("claim", argv, { options: { "deployment-dir": { type: "string" } } });
    requireKey(common, "claim");
    const dir = common.dataDir;
    const noRelay = (problem: string) =>
      new CliStateError(`No relay in ${dir}: ${problem}`, { hint: "pass the --data-dir your `obol relay` ran with" });
    if (!existsSync(dir)) throw noRelay("the directory does not exist");
    const state = readRelayState(dir);
    if (!state && !existsSync(join(dir, "relay.sqlite"))) throw noRelay("it holds no relay.json or relay.sqlite");
    if (!state && !common.schemeGiven)
      throw new CliStateError(`${dir} has no relay.json, so the relay's scheme is unknown`, {
        hint: "restart the relay once with this build of `obol relay` (it writes relay.json), or pass --scheme",
      });
    if (state && common.schemeGiven && common.scheme !== state.scheme)
      throw new CliStateError(`--scheme ${common.scheme} does not match the relay's scheme ${state.scheme}`, {
        details: `${join(dir, "relay.json")} records scheme ${state.scheme}`,
        hint: "drop --scheme; claim reads the relay's scheme from its data dir",
      });
    const chain = await openChain(common, values["deployment-dir"]);
    if (state && state.relay !== chain.account)
      throw new CliStateError(`The key is account ${chain.account}, but the relay in ${dir} is ${state.relay}`, {
        hint: "pass the relay's operator key (the one `obol relay` ran with)",
      });
    if (state && state.registry !== chain.deployment.contracts.RelayRegistry)
      throw new CliStateError(`The relay in ${dir} ran on another deployment (registry ${state.registry})`, {
        details: `this deployment's registry is ${chain.deployment.contracts.RelayRegistry}`,
        hint: "pass the --deployment-dir the relay ran with",
      });
    const schemeName = state?.scheme ?? common.scheme;
    const { loadScheme } = await import("../../schemes/registry.js");
    const { openDatabase } = await import("../../store/db.js");
    const { createObolNode } = await import("../../net/node.js");
    const { obolTokenAbi } = await import("../../chain/abi/ObolToken.js");
    const scheme = await loadScheme(schemeName);
    const db = openDatabase(join(dir, "relay.sqlite"));
    const libp2p = await createObolNode({ listen: [] });
    try {
      const result = await scheme.settle({ chain, db, log, libp2p, relay: chain.account }).claim({ signal });
      (await import("../../store/claims.js")).recordClaim(db, result); // the relay's metrics show the last claim's gas
      const balance = await chain.publicClient.readContract({
        address: chain.deployment.contracts.ObolToken,
        abi: obolTokenAbi,
        functionName: "balanceOf",
        args: [chain.account],
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
