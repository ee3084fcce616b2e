/**
 * What PaymentChannels paid each relay, from its events (the soak's read-back,
 * docs/operations.md §Soak): `TicketRedeemed(channelId, index, amount)` summed
 * per channel destination (from `ChannelOpened`), in wei; one (channel, index)
 * paid twice counts as a double payment.
 */
import type { Address } from "viem";
import { paymentChannelsAbi } from "../../chain/abi/PaymentChannels.js";
import type { ChainClients } from "../../chain/types.js";
import type { PaidOnChain } from "../devnet.js";

/**
 * @param chain any connected account on the deployment's chain.
 * @returns wei paid per relay, double payments, events read.
 * @example
 * const { paid } = await channelsPaidOnChain(deployer);
 */
export async function channelsPaidOnChain(chain: ChainClients): Promise<PaidOnChain> {
  const paid = new Map<string, bigint>();
  const add = (relay: Address, amount: bigint) =>
    paid.set(relay.toLowerCase(), (paid.get(relay.toLowerCase()) ?? 0n) + amount);
  const fromBlock = chain.deployment.startBlock;
  const address = chain.deployment.contracts.PaymentChannels!;
  const opened = await chain.publicClient.getContractEvents({
    address,
    abi: paymentChannelsAbi,
    eventName: "ChannelOpened",
    fromBlock,
  });
  const destination = new Map(opened.map((e) => [e.args.channelId!, e.args.destination!]));
  const redeemed = await chain.publicClient.getContractEvents({
    address,
    abi: paymentChannelsAbi,
    eventName: "TicketRedeemed",
    fromBlock,
  });
  const seen = new Set<string>();
  let doublePaid = 0;
  for (const e of redeemed) {
    const key = `${e.args.channelId}/${e.args.index}`;
    if (seen.has(key)) doublePaid++;
    seen.add(key);
    add(destination.get(e.args.channelId!)!, e.args.amount!);
  }
  return { paid, doublePaid, events: redeemed.length };
}
