/**
 * Under `channels` every hop pays the next one from its own channel, so a
 * relay without a channel to the next layer drops what it cannot pay for
 * (`no-onward-channel`) while the sender sees "sent". `send` checks the
 * relays' channels on chain first: it refuses when no route can be paid and
 * warns when some routes cannot.
 */
import type { Address } from "viem";
import type { ChainClients, DirectorySnapshot } from "../chain/types.js";
import { CliStateError } from "./errors.js";

export type UnpaidHop = { from: Address; to: Address; fromLayer: number };

/**
 * The hops of stratified routes (gateway → layer 1 → 2 → 3 → gateway) whose
 * relay has no open, funded channel to the next one.
 *
 * @throws CliStateError when some layer cannot pay any relay of the next one.
 */
export async function checkRouteChannels(chain: ChainClients, directory: DirectorySnapshot): Promise<UnpaidHop[]> {
  const { listChannels } = await import("../schemes/channels/chain.js");
  const layer = (n: number) =>
    directory.entries.filter((e) => (n === 0 || n === 4 ? e.layer === 0 : e.layer === n)).map((e) => e.relay);
  const open = new Map<Address, Set<string>>();
  for (const e of directory.entries) {
    const out = await listChannels(chain, e.relay, "source");
    open.set(
      e.relay,
      new Set(out.filter((c) => c.status === "open" && c.balance > 0n).map((c) => c.destination.toLowerCase())),
    );
  }
  const unpaid: UnpaidHop[] = [];
  for (let l = 0; l < 4; l++) {
    let paid = 0;
    for (const from of layer(l))
      for (const to of layer(l + 1)) {
        if (open.get(from)?.has(to.toLowerCase())) paid++;
        else unpaid.push({ from, to, fromLayer: l });
      }
    if (paid === 0 && layer(l).length > 0 && layer(l + 1).length > 0) {
      const missing = unpaid.filter((u) => u.fromLayer === l);
      throw new CliStateError(
        `No route can be paid: no relay of layer ${l} has a channel to a relay of layer ${l + 1}`,
        {
          details: missing.map((u) => `${u.from} → ${u.to}`).join(", "),
          hint: "each relay operator opens channels to the other relays: `obol channels open --to <relays> --amount <OBOL>` (docs/operator.md §4a)",
        },
      );
    }
  }
  return unpaid;
}
