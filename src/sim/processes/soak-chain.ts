/**
 * The chain's own account of what the soak's relays were paid, read from
 * events after the run (docs/operations.md §Soak): the relays' databases say
 * what they claimed, the chain says what it paid; the soak checks the two
 * agree, so "nothing lost, nothing claimed twice" does not rest on the
 * relays' word alone. Each scheme reads its own events (`SchemeDevnet.paidOnChain`);
 * a scheme without that hook pays nothing.
 */
import type { ChainClients } from "../../chain/types.js";
import { loadSchemeDevnet, type PaidOnChain } from "../../schemes/devnet.js";

export type { PaidOnChain };

/**
 * Reads every payment to a relay since the deployment's start block.
 *
 * @example
 * const { paid } = await paidOnChain(deployer, scheme);
 */
export async function paidOnChain(chain: ChainClients, scheme: string): Promise<PaidOnChain> {
  const hook = await loadSchemeDevnet(scheme);
  return hook.paidOnChain ? hook.paidOnChain(chain) : { paid: new Map(), doublePaid: 0, events: 0 };
}
