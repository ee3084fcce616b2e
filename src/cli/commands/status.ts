/** `obol status`: epoch, directory by layer, balances. */
import { formatUnits, type Address } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs, requireKey } from "../options.js";
import { openChain } from "../session.js";

export const command: Command = {
  name: "status",
  summary: "show the epoch, the relay directory by layer and token balances",
  usage: `Usage: obol status [--rpc-url U] [--data-dir D] [--key 0x…]

Reads the deployment in --data-dir, then prints the current epoch, its
length and the time left in it, every listed relay (role, layer, stake,
multiaddr, token balance) and, with --key, your account's balance.

The registry lists relays per epoch once someone has opened it (running
relays do within a second of entering it). Until then status shows the
directory of the last opened epoch and says so; --open-epoch opens the
current one now (a transaction: needs a key with ETH).

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
  --open-epoch           open the current epoch first (calls openEpoch())
  --watch                live table of every relay's metrics instead (Ctrl-C stops)
  --metrics <url>        a relay's metrics endpoint to watch, repeatable
                         (default: <data-dir>/metrics-targets.json of \`obol devnet --processes --keep\`)
  --interval <s>         seconds between refreshes with --watch (default 2)
  --count <n>            stop after n tables (default: until Ctrl-C)
${COMMON_USAGE}`,
  async run(argv, { out, signal }) {
    const { common, values } = parseCommandArgs("status", argv, {
      options: {
        "deployment-dir": { type: "string" },
        "open-epoch": { type: "boolean", default: false },
        watch: { type: "boolean" },
        metrics: { type: "string", multiple: true },
        interval: { type: "string" },
        count: { type: "string" },
      },
    });
    if (values.watch) {
      const { resolveTargets, watchRelays } = await import("../watch.js");
      const count = values.count === undefined ? undefined : numberOption(values.count, "--count", "status", 1);
      const rows = await watchRelays({
        targets: resolveTargets(values.metrics, common.dataDir),
        intervalMs: numberOption(values.interval, "--interval", "status", 2) * 1_000,
        out,
        signal,
        clear: process.stdout.isTTY === true && out === process.stdout,
        ...(count === undefined ? {} : { iterations: count }),
      });
      return rows.some((r) => !r.error) ? 0 : 1;
    }
    if (values["open-epoch"]) requireKey(common, "status --open-epoch");
    const chain = await openChain(common, values["deployment-dir"]);
    const { readDirectory } = await import("../../chain/directory.js");
    const { epochInfo, epochAt, epochStart, ensureEpochOpen, readSeed } = await import("../../chain/epochs.js");
    const { obolTokenAbi } = await import("../../chain/abi/ObolToken.js");
    if (values["open-epoch"]) {
      await (await import("../explain.js")).requireGas(chain);
      await ensureEpochOpen(chain);
    }
    const info = await epochInfo(chain);
    const now = (await chain.publicClient.getBlock({ blockTag: "pending" })).timestamp;
    const epoch = epochAt(info, now);
    const left = epochStart(info, epoch + 1n) - now;
    // The newest opened epoch at most 3 back: a network without running relays still shows who registered.
    let shown = epoch;
    while (shown > 0n && shown > epoch - 3n && (await readSeed(chain, shown)) === undefined) shown -= 1n;
    const open = (await readSeed(chain, shown)) !== undefined;
    const directory = open ? await readDirectory(chain, { epoch: shown }) : { epoch: shown, entries: [] };
    const balance = (account: Address) =>
      chain.publicClient.readContract({
        address: chain.deployment.contracts.ObolToken,
        abi: obolTokenAbi,
        functionName: "balanceOf",
        args: [account],
      });
    const relays = [];
    for (const e of [...directory.entries].sort((a, b) => a.layer - b.layer))
      relays.push({
        relay: e.relay,
        role: e.role,
        layer: e.layer,
        stake: e.stake,
        balance: await balance(e.relay),
        multiaddr: e.multiaddr,
      });
    const mine = common.key ? await balance(chain.account) : undefined;
    if (common.json) {
      out.write(
        `${JSON.stringify({ epoch, epochSeconds: info.duration, secondsLeft: left, epochOpen: shown === epoch && open, directoryEpoch: open ? shown : null, contracts: chain.deployment.contracts, relays, account: common.key ? { address: chain.account, balance: mine } : undefined }, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`,
      );
      return 0;
    }
    out.write(
      `chain ${chain.deployment.chainId} at ${common.rpcUrl}, epoch ${epoch} (${info.duration} s per epoch, ${left} s left)\n`,
    );
    if (shown !== epoch || !open)
      out.write(
        `epoch ${epoch} is not open yet: running relays open it on entering it, or run \`obol status --open-epoch\`; ${open ? `showing epoch ${shown}'s directory` : "no opened epoch to show"}\n`,
      );
    for (const [name, address] of Object.entries(chain.deployment.contracts))
      out.write(`  ${name.padEnd(16)} ${address}\n`);
    out.write(
      `\n${relays.length} relays listed in epoch ${directory.epoch}\n  relay                                       role     layer        stake (OBOL)      balance (OBOL)  multiaddr\n`,
    );
    for (const r of relays)
      out.write(
        `  ${r.relay}  ${r.role.padEnd(8)} ${String(r.layer).padStart(5)} ${formatUnits(r.stake, 18).padStart(20)} ${formatUnits(r.balance, 18).padStart(19)}  ${r.multiaddr}\n`,
      );
    if (mine !== undefined) out.write(`\nyour account ${chain.account}: ${formatUnits(mine, 18)} OBOL\n`);
    return 0;
  },
};
