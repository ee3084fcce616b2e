/** `obol channels open|fund|close|list`: manage scheme A payment channels (docs/channels.md). */
import { formatUnits, isAddress, parseUnits, type Address } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs, requireKey } from "../options.js";
import { UsageError } from "../errors.js";

const ACTIONS = ["open", "fund", "close", "list"] as const;
type Action = (typeof ACTIONS)[number];

function address(value: unknown, flag: string, action: string): Address {
  if (typeof value !== "string" || !isAddress(value))
    throw new UsageError(`${flag} must be an 0x address`, `channels ${action}`);
  return value;
}

function amount(value: unknown, action: string): bigint {
  if (typeof value !== "string" || !/^\d+(\.\d{1,18})?$/.test(value))
    throw new UsageError("--amount must be a positive number of OBOL, e.g. 25 or 0.5", `channels ${action}`);
  const units = parseUnits(value, 18);
  if (units <= 0n) throw new UsageError("--amount must be above 0", `channels ${action}`);
  return units;
}

export const command: Command = {
  name: "channels",
  summary: "open, fund, close and list payment channels (scheme channels)",
  usage: `Usage: obol channels <open|fund|close|list> [options]

  open  --to <relay>[,<relay>…] --amount <OBOL>
                                       open (or reopen) your channel to each relay and fund it
  fund  --to <relay> --amount <OBOL>   top up your open channel to a relay
  close --with <address>               as destination: close at once; as source: start
                                       closure, or finalize it once the notice period passed
  list                                 every channel you are source or destination of

Clients open a channel to their entry gateway; relays to the relays of the
next layers. The token approval is sent first when needed. Which channels
and amounts a network needs: docs/operator.md §channels.

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
${COMMON_USAGE}`,
  async run(argv, { out }) {
    const { values, common, positionals } = parseCommandArgs("channels", argv, {
      options: {
        to: { type: "string" },
        with: { type: "string" },
        amount: { type: "string" },
        "deployment-dir": { type: "string" },
      },
      positionals: 1,
    });
    if (common.help) {
      out.write(`${command.usage}\n`);
      return 0;
    }
    const action = positionals[0] as Action;
    if (!ACTIONS.includes(action))
      throw new UsageError(`unknown action "${positionals[0]}"`, "channels", {
        details: `choose one of: ${ACTIONS.join(", ")}`,
      });
    const key = requireKey(common, `channels ${action}`);
    const { readDeployment } = await import("../../chain/deployment-file.js");
    const { connectChain } = await import("../../chain/client.js");
    const ch = await import("../../schemes/channels/chain.js");
    const chain = await connectChain({
      rpcUrl: common.rpcUrl,
      privateKey: key,
      deployment: readDeployment(values["deployment-dir"] ?? common.dataDir),
    });
    const print = (json: unknown, text: string) =>
      out.write(
        common.json ? `${JSON.stringify(json, (_, v) => (typeof v === "bigint" ? v.toString() : v))}\n` : `${text}\n`,
      );

    switch (action) {
      case "open":
      case "fund": {
        // --to a,b,c: one channel per relay, each with --amount (relays open one to every other relay).
        const targets = String(values.to ?? "")
          .split(",")
          .map((t) => address(t, "--to", action));
        const units = amount(values.amount, action);
        const { requireGas, requireTokens } = await import("../explain.js");
        const { obolTokenAbi } = await import("../../chain/abi/ObolToken.js");
        await requireGas(chain);
        const held = await chain.publicClient.readContract({
          address: chain.deployment.contracts.ObolToken,
          abi: obolTokenAbi,
          functionName: "balanceOf",
          args: [chain.account],
        });
        requireTokens(
          chain.account,
          held,
          units * BigInt(targets.length),
          `${action === "open" ? "opening" : "funding"} ${targets.length === 1 ? "this channel" : `these ${targets.length} channels`}`,
        );
        for (const to of targets) {
          const hash =
            action === "open" ? await ch.openChannel(chain, to, units) : await ch.fundChannel(chain, to, units);
          const state = await ch.readChannel(chain, chain.account, to);
          print(
            { action, channel: state.id, to, amount: units, balance: state.balance, epoch: state.epoch, tx: hash },
            `${action === "open" ? "opened" : "funded"} channel ${state.id} → ${to}: balance ${formatUnits(state.balance, 18)} OBOL, epoch ${state.epoch} (tx ${hash})`,
          );
        }
        return 0;
      }
      case "close": {
        const other = address(values.with, "--with", action);
        const r = await ch.closeChannel(chain, other);
        const when = r.closureTime
          ? `; finalize after ${new Date(r.closureTime * 1000).toISOString()} with \`obol channels close --with ${other}\``
          : "";
        print({ ...r, with: other }, `${r.action} with ${other} (tx ${r.hash})${when}`);
        return 0;
      }
      case "list": {
        const list = await ch.listChannels(chain, chain.account);
        if (common.json) {
          print(list, "");
          return 0;
        }
        if (list.length === 0) out.write("no channels\n");
        for (const c of list) {
          const side = c.source.toLowerCase() === chain.account.toLowerCase() ? `→ ${c.destination}` : `← ${c.source}`;
          out.write(
            `${c.id.slice(0, 10)}…  ${side}  ${c.status.padEnd(16)} balance ${formatUnits(c.balance, 18)} OBOL  epoch ${c.epoch}  redeemed index ${c.ticketIndex}\n`,
          );
        }
        return 0;
      }
    }
  },
};
