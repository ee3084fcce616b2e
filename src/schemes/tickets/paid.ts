/**
 * What the TicketBank paid each relay, from its events (the soak's read-back,
 * docs/operations.md §Soak): `Redeemed(relay, issuer, epoch, count, …)` summed
 * per relay, in tokens (the unit `readCredit` counts tickets in). A token's
 * serial can be redeemed once (the bank's nullifier set): a second payment
 * would be a revert, not an event, so `doublePaid` is 0 by construction.
 */
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import type { ChainClients } from "../../chain/types.js";
import type { PaidOnChain } from "../devnet.js";

/**
 * @param chain any connected account on the deployment's chain.
 * @returns tokens paid per relay and the events read.
 * @example
 * const { paid } = await ticketsPaidOnChain(deployer);
 */
export async function ticketsPaidOnChain(chain: ChainClients): Promise<PaidOnChain> {
  const paid = new Map<string, bigint>();
  const address = chain.deployment.contracts.TicketBank!;
  const fromBlock = chain.deployment.startBlock;
  const redeemed = await chain.publicClient.getContractEvents({
    address,
    abi: ticketBankAbi,
    eventName: "Redeemed",
    fromBlock,
  });
  for (const e of redeemed) {
    const relay = e.args.relay!.toLowerCase();
    paid.set(relay, (paid.get(relay) ?? 0n) + e.args.count!);
  }
  return { paid, doublePaid: 0, events: redeemed.length };
}
