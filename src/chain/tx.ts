/**
 * One way to send a contract transaction: simulate (so reverts come back
 * decoded), send, wait for the receipt. Scheme code reuses it for its own
 * contracts so every failure surfaces as a `ContractRevertError`.
 */
import { BaseError, NonceTooLowError } from "viem";
import type {
  Abi,
  Account,
  Address,
  Chain,
  ContractFunctionArgs,
  ContractFunctionName,
  Hex,
  SimulateContractParameters,
  WriteContractParameters,
} from "viem";
import { ObolError } from "../errors.js";
import { rethrowRevert } from "./errors.js";
import type { ChainClients } from "./types.js";

export type TxOutcome = {
  hash: Hex;
  /** Gas used by the transaction, from its receipt. */
  gasUsed: bigint;
  blockNumber: bigint;
};

/** The transaction was mined but reverted although its simulation passed (state changed in between). */
export class TransactionRevertedError extends ObolError {
  override name = "TransactionRevertedError";
  constructor(hash: Hex, action: string) {
    super(`Transaction ${hash} reverted`, {
      details: action,
      hint: "state changed between simulation and mining (e.g. an epoch boundary); retry",
    });
  }
}

export type SendContractTxParameters<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
> = {
  address: Address;
  abi: abi;
  functionName: functionName;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>;
  value?: bigint;
};

/**
 * Simulates, sends and awaits one contract call from `chain.account`.
 *
 * @param chain connected clients.
 * @param call address, abi, function name, args (typed from the `as const` ABI).
 * @param action what is attempted, for error details ("register relay").
 * @returns hash, gas used and block of the mined transaction.
 * @throws ContractRevertError with the decoded custom error when it would revert.
 * @example
 * await sendContractTx(chain, { address, abi: relayRegistryAbi, functionName: "unbond", args: [] }, "unbond");
 */
export async function sendContractTx<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
>(chain: ChainClients, call: SendContractTxParameters<abi, functionName>, action: string): Promise<TxOutcome> {
  const hash = await inTurn(chain, async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        // viem cannot resolve its conditional parameter types for a generic `abi`, so the
        // casts name the exact types (never `never`); callers are typed by SendContractTxParameters.
        const { request } = await chain.publicClient.simulateContract({
          ...call,
          account: chain.walletClient.account,
        } as SimulateContractParameters<abi, functionName, typeof call.args, Chain, Chain | undefined, Account>);
        return await chain.walletClient.writeContract(request as WriteContractParameters);
      } catch (error) {
        // Another process sending from this key (`obol claim` beside a running relay) took the nonce:
        // simulate again on the new state and take the next one.
        if (attempt < NONCE_ATTEMPTS && isNonceTooLow(error)) continue;
        rethrowRevert(error, action);
      }
    }
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new TransactionRevertedError(hash, action);
  return { hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber };
}

const NONCE_ATTEMPTS = 3;

/**
 * The tail of each sender's queue, keyed by chain and account. viem numbers a transaction from the node's
 * pending count, so two sends from one key that read it before either is broadcast get the same nonce; once
 * `writeContract` returns, the node holds the transaction and the next read counts it. Only simulate and
 * broadcast are in turn; receipts are awaited in parallel.
 */
const turns = new Map<string, Promise<unknown>>();

/**
 * Runs `send` (simulate and broadcast, not the receipt wait) after every earlier send from the same key in this
 * process has been broadcast. Every transaction Obol sends goes through here, so concurrent sends from one key
 * (a relay's background round commit and its claim) never take the same nonce.
 */
export async function inTurn<T>(chain: ChainClients, send: () => Promise<T>): Promise<T> {
  const key = `${chain.publicClient.chain.id}:${chain.account.toLowerCase()}`;
  const previous = turns.get(key) ?? Promise.resolve();
  const mine = previous.catch(() => {}).then(send);
  turns.set(key, mine);
  try {
    return await mine;
  } finally {
    if (turns.get(key) === mine) turns.delete(key);
  }
}

function isNonceTooLow(error: unknown): boolean {
  return error instanceof BaseError && error.walk((e) => e instanceof NonceTooLowError) instanceof NonceTooLowError;
}
