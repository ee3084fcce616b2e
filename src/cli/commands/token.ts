/** `obol token transfer|balance`: move OBOL (and ETH for gas) to an account, read balances. */
import { formatEther, formatUnits, isAddress, parseEther, parseUnits, type Address } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs, requireKey } from "../options.js";
import { UsageError } from "../errors.js";
import { openChain } from "../session.js";

const ACTIONS = ["transfer", "balance"] as const;

export const command: Command = {
  name: "token",
  summary: "send OBOL (and ETH for gas) to an account, or show balances",
  usage: `Usage: obol token transfer --to <0x…>[,<0x…>…] [--amount <OBOL>] [--eth <ETH>] --key-file F
       obol token balance [--of <0x…>]

  transfer  sends --amount OBOL and/or --eth ETH from your account to --to.
            This is how a relay or client account gets the OBOL it stakes,
            deposits or puts in channels: on \`obol chain\` the deployer (dev
            account #0) holds the whole OBOL supply, and dev accounts #0-#19
            hold ETH (docs/operator.md §Fund).
  balance   OBOL and ETH of --of (default: your account).
Reads <deployment-dir>/deployment.json.

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
${COMMON_USAGE}`,
  async run(argv, { out }) {
    const { values, common, positionals } = parseCommandArgs("token", argv, {
      options: {
        to: { type: "string" },
        of: { type: "string" },
        amount: { type: "string" },
        eth: { type: "string" },
        "deployment-dir": { type: "string" },
      },
      positionals: 1,
    });
    const action = positionals[0]!;
    if (!(ACTIONS as readonly string[]).includes(action))
      throw new UsageError(`unknown action "${action}"`, "token", { details: `choose one of: ${ACTIONS.join(", ")}` });
    const { obolTokenAbi } = await import("../../chain/abi/ObolToken.js");
    if (action === "transfer") {
      requireKey(common, "token transfer");
      const targets = String(values.to ?? "").split(",");
      if (!targets.every((t) => isAddress(t)))
        throw new UsageError("--to must be an 0x address, or several separated by commas", "token transfer");
      const units = quantity(values.amount, "--amount", parseUnits);
      const wei = quantity(values.eth, "--eth", (v) => parseEther(v));
      if (units === 0n && wei === 0n)
        throw new UsageError("give --amount <OBOL>, --eth <ETH> or both, above 0", "token transfer");
      const chain = await openChain(common, values["deployment-dir"]);
      const { explainStartError, requireGas, requireTokens } = await import("../explain.js");
      const { sendContractTx } = await import("../../chain/tx.js");
      await requireGas(chain);
      const token = chain.deployment.contracts.ObolToken;
      for (const to of targets as Address[]) {
        const sent: Record<string, string> = {};
        if (units > 0n) {
          const balance = await chain.publicClient.readContract({
            address: token,
            abi: obolTokenAbi,
            functionName: "balanceOf",
            args: [chain.account],
          });
          requireTokens(chain.account, balance, units, "this transfer");
          const r = await explainStartError(() =>
            sendContractTx(
              chain,
              { address: token, abi: obolTokenAbi, functionName: "transfer", args: [to, units] },
              "transfer OBOL",
            ),
          );
          sent.obolTx = r.hash;
        }
        if (wei > 0n) {
          const hash = await explainStartError(() => chain.walletClient.sendTransaction({ to, value: wei }));
          await chain.publicClient.waitForTransactionReceipt({ hash });
          sent.ethTx = hash;
        }
        const after = await balances(chain, to, token, obolTokenAbi);
        out.write(
          common.json
            ? `${JSON.stringify({ to, amount: units.toString(), eth: wei.toString(), ...sent, obol: after.obol.toString(), ethBalance: after.eth.toString() })}\n`
            : `sent ${[units > 0n ? `${formatUnits(units, 18)} OBOL` : "", wei > 0n ? `${formatEther(wei)} ETH` : ""].filter(Boolean).join(" and ")} to ${to}; it now holds ${formatUnits(after.obol, 18)} OBOL and ${formatEther(after.eth)} ETH\n`,
        );
      }
      return 0;
    }
    const chain = await openChain(common, values["deployment-dir"]);
    const of = values.of ?? (common.key ? chain.account : undefined);
    if (of === undefined || !isAddress(of))
      throw new UsageError("--of must be an 0x address (or pass your --key-file)", "token balance");
    const b = await balances(chain, of, chain.deployment.contracts.ObolToken, obolTokenAbi);
    out.write(
      common.json
        ? `${JSON.stringify({ account: of, obol: b.obol.toString(), eth: b.eth.toString() })}\n`
        : `${of}: ${formatUnits(b.obol, 18)} OBOL, ${formatEther(b.eth)} ETH\n`,
    );
    return 0;
  },
};

function quantity(value: string | undefined, flag: string, parse: (v: string, decimals: number) => bigint): bigint {
  if (value === undefined) return 0n;
  if (!/^\d+(\.\d{1,18})?$/.test(value))
    throw new UsageError(`${flag} must be a positive number, e.g. 100 or 0.5`, "token transfer");
  return parse(value, 18);
}

async function balances(
  chain: Awaited<ReturnType<typeof openChain>>,
  account: Address,
  token: Address,
  abi: typeof import("../../chain/abi/ObolToken.js").obolTokenAbi,
): Promise<{ obol: bigint; eth: bigint }> {
  const [obol, eth] = await Promise.all([
    chain.publicClient.readContract({ address: token, abi, functionName: "balanceOf", args: [account] }),
    chain.publicClient.getBalance({ address: account }),
  ]);
  return { obol, eth };
}
