/**
 * Turns failures a newcomer hits when starting something (no ETH for gas, no
 * OBOL to stake, a port in use) into one sentence saying what is wrong and
 * what to do, instead of a viem request dump or a libp2p stack.
 */
import { formatUnits, type Address } from "viem";
import type { ChainClients } from "../chain/types.js";
import { ObolError } from "../errors.js";
import { CliStateError } from "./errors.js";

/** How to give an account OBOL, in the words of the docs (docs/operator.md §Fund). */
export const fundHint = (account: Address) =>
  `send it OBOL from a funded account: \`obol token transfer --to ${account} --amount <OBOL> --key-file <funded key>\` (on \`obol chain\`, the deployer, dev account #0, holds the supply)`;

/** The account has no ETH: every transaction would fail with a request dump. */
export async function requireGas(chain: ChainClients): Promise<void> {
  const eth = await chain.publicClient.getBalance({ address: chain.account });
  if (eth === 0n)
    throw new CliStateError(`Account ${chain.account} has no ETH to pay gas`, {
      hint: `send it ETH: \`obol token transfer --to ${chain.account} --eth 1 --key-file <funded key>\` (on \`obol chain\`, dev accounts #0-#19 hold ETH)`,
    });
}

/** The account holds less OBOL than `needed` (stake, deposit, channel funding). */
export function requireTokens(account: Address, balance: bigint, needed: bigint, what: string): void {
  if (balance < needed)
    throw new CliStateError(
      `Account ${account} holds ${formatUnits(balance, 18)} OBOL; ${what} needs ${formatUnits(needed, 18)}`,
      { hint: fundHint(account) },
    );
}

/**
 * Runs `start` and rewrites the failures above into `CliStateError`s; any
 * other error passes through unchanged.
 */
export async function explainStartError<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const text = chainOfMessages(error);
    if (/EADDRINUSE|faultTolerance|address already in use/i.test(text)) {
      const where = /(\/ip[46]\/[^\s,'"]+)/.exec(text)?.[1] ?? /(\d+\.\d+\.\d+\.\d+:\d+)/.exec(text)?.[1];
      throw new CliStateError(`Cannot listen${where ? ` on ${where}` : ""}: the port is in use`, {
        cause: error,
        hint: "stop the process using it, or pass another --listen address (port 0 picks a free one)",
      });
    }
    if (
      /insufficient funds for gas|InsufficientFundsError|exceeds the balance of the account/i.test(text) &&
      !(error instanceof ObolError && error.name === "CliStateError")
    ) {
      const account = /0x[0-9a-fA-F]{40}/.exec(/from:\s*(0x[0-9a-fA-F]{40})/.exec(text)?.[1] ?? "")?.[0];
      throw new CliStateError(`${account ? `Account ${account}` : "The account"} has too little ETH to pay gas`, {
        cause: error,
        hint: `send it ETH: \`obol token transfer --to ${account ?? "<account>"} --eth 1 --key-file <funded key>\``,
      });
    }
    throw error;
  }
}

function chainOfMessages(error: unknown): string {
  const parts: string[] = [];
  for (
    let e = error as { message?: unknown; cause?: unknown; name?: unknown; code?: unknown } | undefined, i = 0;
    e && i < 8;
    e = e.cause as typeof e, i++
  )
    parts.push(`${String(e.name ?? "")} ${String(e.code ?? "")} ${String(e.message ?? "")}`);
  return parts.join("\n");
}
