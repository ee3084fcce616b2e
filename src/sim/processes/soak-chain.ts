/**
 * The chain's own account of what the soak's relays were paid, read from
 * events after the run (docs/operations.md §Soak): the relays' databases say
 * what they claimed, the chain says what it paid; the soak checks the two
 * agree, so "nothing lost, nothing claimed twice" does not rest on the
 * relays' word alone.
 *
 * - channels: `TicketRedeemed(channelId, index, amount)` summed per channel
 *   destination (from `ChannelOpened`), in wei; one (channel, index) paid
 *   twice counts as a double payment.
 * - tickets: `Redeemed(relay, issuer, epoch, count, …)` summed per relay, in
 *   tokens (the unit `readCredit` counts tickets in).
 * - free: nothing is paid.
 */
import type { Address } from "viem";
import { paymentChannelsAbi } from "../../chain/abi/PaymentChannels.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import type { ChainClients } from "../../chain/types.js";
import type { SchemeName } from "../../schemes/scheme.js";

export type PaidOnChain = {
  /** Per relay (lower-case address): wei for channels, tokens for tickets. */
  paid: Map<string, bigint>;
  /** Payments the chain made twice for the same ticket (must be 0). */
  doublePaid: number;
  /** Redemption events read. */
  events: number;
};

/**
 * Reads every payment to a relay since the deployment's start block.
 *
 * @example
 * const { paid } = await paidOnChain(deployer, "channels");
 */
export async function paidOnChain(chain: ChainClients, scheme: SchemeName): Promise<PaidOnChain> {
  const paid = new Map<string, bigint>();
  const add = (relay: Address, amount: bigint) => paid.set(relay.toLowerCase(), (paid.get(relay.toLowerCase()) ?? 0n) + amount);
  const fromBlock = chain.deployment.startBlock;
  if (scheme === "channels") {
    const address = chain.deployment.contracts.PaymentChannels!;
    const opened = await chain.publicClient.getContractEvents({ address, abi: paymentChannelsAbi, eventName: "ChannelOpened", fromBlock });
    const destination = new Map(opened.map((e) => [e.args.channelId!, e.args.destination!]));
    const redeemed = await chain.publicClient.getContractEvents({ address, abi: paymentChannelsAbi, eventName: "TicketRedeemed", fromBlock });
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
  if (scheme === "tickets") {
    const address = chain.deployment.contracts.TicketBank!;
    const redeemed = await chain.publicClient.getContractEvents({ address, abi: ticketBankAbi, eventName: "Redeemed", fromBlock });
    for (const e of redeemed) add(e.args.relay!, e.args.count!);
    // A token's serial can only be redeemed once (the bank's nullifier set); a second payment would be a revert, not an event.
    return { paid, doublePaid: 0, events: redeemed.length };
  }
  return { paid, doublePaid: 0, events: 0 };
}
