/**
 * Typed access to the PaymentChannels contract for clients, relays and the
 * CLI: reading channels, listing them from events, and the source's and
 * destination's transactions (approve + open, fund, close).
 */
import { maxUint256, type Address, type Hash, type Hex } from "viem";
import type { ChainClients } from "../../chain/types.js";
import { paymentChannelsAbi } from "../../chain/abi/PaymentChannels.js";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { ChannelsInputError, ChannelsNotDeployedError } from "./errors.js";
import { sendContractTx } from "../../chain/tx.js";

export type ChannelStatus = "closed" | "open" | "pending-to-close";
const STATUS: readonly ChannelStatus[] = ["closed", "open", "pending-to-close"];

export type ChannelState = {
  id: Hex;
  source: Address;
  destination: Address;
  balance: bigint;
  ticketIndex: bigint;
  epoch: bigint;
  closureTime: number;
  status: ChannelStatus;
};

/** The PaymentChannels address of a deployment, or a clear error. */
export function channelsAddress(chain: ChainClients): Address {
  const address = chain.deployment.contracts.PaymentChannels;
  if (!address) throw new ChannelsNotDeployedError();
  return address;
}

/** Reads one channel's state. */
export async function readChannel(chain: ChainClients, source: Address, destination: Address): Promise<ChannelState> {
  const address = channelsAddress(chain);
  const [id, ch] = await Promise.all([
    chain.publicClient.readContract({
      address,
      abi: paymentChannelsAbi,
      functionName: "channelId",
      args: [source, destination],
    }),
    chain.publicClient.readContract({
      address,
      abi: paymentChannelsAbi,
      functionName: "channel",
      args: [source, destination],
    }),
  ]);
  return {
    id,
    source,
    destination,
    balance: ch.balance,
    ticketIndex: BigInt(ch.ticketIndex),
    epoch: BigInt(ch.epoch),
    closureTime: ch.closureTime,
    status: STATUS[ch.status] ?? "closed",
  };
}

/**
 * Every channel that ever had `account` as source or destination (from
 * `ChannelOpened` events since the deployment block), with its current state.
 *
 * @param chain chain clients
 * @param account whose channels
 * @param side "source", "destination" or "both"
 */
export async function listChannels(
  chain: ChainClients,
  account: Address,
  side: "source" | "destination" | "both" = "both",
): Promise<ChannelState[]> {
  const address = channelsAddress(chain);
  const fromBlock = chain.deployment.startBlock;
  const pairs = new Map<string, [Address, Address]>();
  const fetch = async (args: { source?: Address; destination?: Address }) => {
    const logs = await chain.publicClient.getContractEvents({
      address,
      abi: paymentChannelsAbi,
      eventName: "ChannelOpened",
      args,
      fromBlock,
    });
    for (const l of logs) pairs.set(`${l.args.source}${l.args.destination}`, [l.args.source!, l.args.destination!]);
  };
  if (side !== "destination") await fetch({ source: account });
  if (side !== "source") await fetch({ destination: account });
  return Promise.all([...pairs.values()].map(([s, d]) => readChannel(chain, s, d)));
}

/** The latest lottery round `destination` committed (0n: none, so no ticket to it can win). */
export async function readRound(chain: ChainClients, destination: Address): Promise<bigint> {
  const round = await chain.publicClient.readContract({
    address: channelsAddress(chain),
    abi: paymentChannelsAbi,
    functionName: "currentRound",
    args: [destination],
  });
  return BigInt(round);
}

/**
 * Commits `commitment` as this account's next lottery round.
 *
 * @returns the round number the chain assigned (from the `RoundCommitted` event)
 */
export async function commitRound(chain: ChainClients, commitment: Hex): Promise<bigint> {
  const tx = await sendContractTx(
    chain,
    { address: channelsAddress(chain), abi: paymentChannelsAbi, functionName: "commitRound", args: [commitment] },
    "commit lottery round",
  );
  return findCommittedRound(chain, commitment, tx.blockNumber);
}

/** The round under which this account committed `commitment`, or 0n when the chain has no such commitment. */
export async function findCommittedRound(chain: ChainClients, commitment: Hex, fromBlock?: bigint): Promise<bigint> {
  const logs = await chain.publicClient.getContractEvents({
    address: channelsAddress(chain),
    abi: paymentChannelsAbi,
    eventName: "RoundCommitted",
    args: { destination: chain.account },
    fromBlock: fromBlock ?? chain.deployment.startBlock,
  });
  const hit = logs.find((l) => l.args.commitment?.toLowerCase() === commitment.toLowerCase());
  return hit ? BigInt(hit.args.round!) : 0n;
}

/** Approves the channels contract for the token once (max allowance) if needed. */
async function ensureAllowance(chain: ChainClients, amount: bigint): Promise<void> {
  const token = chain.deployment.contracts.ObolToken;
  const spender = channelsAddress(chain);
  const allowance = await chain.publicClient.readContract({
    address: token,
    abi: obolTokenAbi,
    functionName: "allowance",
    args: [chain.account, spender],
  });
  if (allowance >= amount) return;
  await sendContractTx(
    chain,
    { address: token, abi: obolTokenAbi, functionName: "approve", args: [spender, maxUint256] },
    "approve PaymentChannels",
  );
}

function checkAmount(amount: bigint): void {
  if (typeof amount !== "bigint" || amount <= 0n || amount >= 1n << 96n)
    throw new ChannelsInputError("amount", "must be a positive token amount below 2^96 units");
}

/**
 * Opens `account → destination` with `amount` tokens, approving first if needed.
 *
 * @example
 * await openChannel(chain, gateway, 100n * 10n ** 18n);
 */
export async function openChannel(chain: ChainClients, destination: Address, amount: bigint): Promise<Hash> {
  checkAmount(amount);
  await ensureAllowance(chain, amount);
  const tx = await sendContractTx(
    chain,
    {
      address: channelsAddress(chain),
      abi: paymentChannelsAbi,
      functionName: "openChannel",
      args: [destination, amount],
    },
    `open channel to ${destination}`,
  );
  return tx.hash;
}

/** Tops up `account → destination`. */
export async function fundChannel(chain: ChainClients, destination: Address, amount: bigint): Promise<Hash> {
  checkAmount(amount);
  await ensureAllowance(chain, amount);
  const tx = await sendContractTx(
    chain,
    {
      address: channelsAddress(chain),
      abi: paymentChannelsAbi,
      functionName: "fundChannel",
      args: [destination, amount],
    },
    `fund channel to ${destination}`,
  );
  return tx.hash;
}

/**
 * Closes a channel the cleanest way available to `account`: as destination at
 * once; as source, initiates closure, or finalizes it once the notice elapsed.
 *
 * @returns what was done and the transaction
 */
export async function closeChannel(
  chain: ChainClients,
  counterparty: Address,
): Promise<{
  action: "closed-by-destination" | "closure-initiated" | "closure-finalized";
  hash: Hash;
  closureTime?: number;
}> {
  const address = channelsAddress(chain);
  const asDestination = await readChannel(chain, counterparty, chain.account);
  const abi = paymentChannelsAbi;
  if (asDestination.status !== "closed") {
    const { hash } = await sendContractTx(
      chain,
      { address, abi, functionName: "closeByDestination", args: [counterparty] },
      "close channel as destination",
    );
    return { action: "closed-by-destination", hash };
  }
  const asSource = await readChannel(chain, chain.account, counterparty);
  if (asSource.status === "open") {
    const { hash } = await sendContractTx(
      chain,
      { address, abi, functionName: "initiateClosure", args: [counterparty] },
      "initiate channel closure",
    );
    const after = await readChannel(chain, chain.account, counterparty);
    return { action: "closure-initiated", hash, closureTime: after.closureTime };
  }
  if (asSource.status === "pending-to-close") {
    const { hash } = await sendContractTx(
      chain,
      { address, abi, functionName: "finalizeClosure", args: [counterparty] },
      "finalize channel closure",
    );
    return { action: "closure-finalized", hash };
  }
  throw new ChannelsInputError("counterparty", `no open channel between ${chain.account} and ${counterparty}`);
}
