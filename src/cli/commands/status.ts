/** `obol status`: epoch, directory by layer, balances. */
import { formatUnits, type Address } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs } from "../options.js";
import { openChain } from "../session.js";

export const command: Command = {
  name: "status",
  summary: "show the epoch, the relay directory by layer and token balances",
  usage: `Usage: obol status [--rpc-url U] [--data-dir D] [--key 0x…]

Reads the deployment in --data-dir, then prints the current epoch, every
listed relay (role, layer, stake, multiaddr, token balance) and, with
--key, your account's balance.

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
  --watch                live table of every relay's metrics instead (Ctrl-C stops)
  --metrics <url>        a relay's metrics endpoint to watch, repeatable
                         (default: <data-dir>/metrics-targets.json of \`obol devnet --processes --keep\`)
  --interval <s>         seconds between refreshes with --watch (default 2)
  --count <n>            stop after n tables (default: until Ctrl-C)
${COMMON_USAGE}`,
  async run(argv, { out, signal }) {
    const { common, values } = parseCommandArgs("status", argv, {
      options: { "deployment-dir": { type: "string" }, watch: { type: "boolean" }, metrics: { type: "string", multiple: true }, interval: { type: "string" }, count: { type: "string" } },
    });
    if (values.watch) {
      const { resolveTargets, watchRelays } = await import("../watch.js");
      const count = values.count === undefined ? undefined : numberOption(values.count, "--count", "status", 1);
      const rows = await watchRelays({
        targets: resolveTargets(values.metrics, common.dataDir),
        intervalMs: numberOption(values.interval, "--interval", "status", 2) * 1_000,
        out, signal, clear: process.stdout.isTTY === true && out === process.stdout, ...(count === undefined ? {} : { iterations: count }),
      });
      return rows.some((r) => !r.error) ? 0 : 1;
    }
    const chain = await openChain(common, values["deployment-dir"]);
    const { readDirectory } = await import("../../chain/directory.js");
    const { currentEpoch } = await import("../../chain/epochs.js");
    const { obolTokenAbi } = await import("../../chain/abi/ObolToken.js");
    const epoch = await currentEpoch(chain);
    const directory = await readDirectory(chain, { epoch });
    const balance = (account: Address) =>
      chain.publicClient.readContract({ address: chain.deployment.contracts.ObolToken, abi: obolTokenAbi, functionName: "balanceOf", args: [account] });
    const relays = [];
    for (const e of [...directory.entries].sort((a, b) => a.layer - b.layer))
      relays.push({ relay: e.relay, role: e.role, layer: e.layer, stake: e.stake, balance: await balance(e.relay), multiaddr: e.multiaddr });
    const mine = common.key ? await balance(chain.account) : undefined;
    if (common.json) {
      out.write(`${JSON.stringify({ epoch, contracts: chain.deployment.contracts, relays, account: common.key ? { address: chain.account, balance: mine } : undefined }, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
      return 0;
    }
    out.write(`chain ${chain.deployment.chainId} at ${common.rpcUrl}, epoch ${epoch}\n`);
    for (const [name, address] of Object.entries(chain.deployment.contracts)) out.write(`  ${name.padEnd(16)} ${address}\n`);
    out.write(`\n${relays.length} relays listed\n  relay                                       role     layer        stake (OBOL)      balance (OBOL)  multiaddr\n`);
    for (const r of relays)
      out.write(`  ${r.relay}  ${r.role.padEnd(8)} ${String(r.layer).padStart(5)} ${formatUnits(r.stake, 18).padStart(20)} ${formatUnits(r.balance, 18).padStart(19)}  ${r.multiaddr}\n`);
    if (mine !== undefined) out.write(`\nyour account ${chain.account}: ${formatUnits(mine, 18)} OBOL\n`);
    return 0;
  },
};
