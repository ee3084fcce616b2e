/**
 * How an auditor hands a loop packet to its entry gateway: exactly as a
 * client does (src/client/client.ts), one `packet` frame on a long-lived
 * `/obol/mix/1` link that is opened once per gateway and reused, with the
 * scheme's empty attachment; the gateway's receipts come back on the same
 * link. The libp2p node must be the auditor's own, with a peer key that is not
 * the relay's, so a gateway sees one more client link and cannot name the
 * auditing relay from it (issue 11, finding 1; docs/shopper.md §Indistinguishability).
 * The same node pulls the auditor's exit mailboxes over `/obol/inbox/1`, as a
 * client pulls its inbox (docs/shopper.md §5c).
 */
import type { Libp2p } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { Address } from "viem";
import type { ChainClients } from "../../chain/types.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { encodeFrame, type WireLayout } from "../../net/frame.js";
import { LinkPool } from "../../net/links.js";
import { pullInbox } from "../../net/inbox.js";
import type { Logger } from "../../log.js";
import type { RouteHop } from "../scheme.js";

/** What `mixSender` returns: the send and pull paths for `AuditorParameters`, and how to close its links. */
export type LoopSender = {
  send(packet: Uint8Array, first: RouteHop): Promise<void>;
  /** Empties the mailbox of `pullKey` at `gateway` (pulls while the gateway says more remain). */
  pull(gateway: Address, pullKey: Uint8Array): Promise<Uint8Array[]>;
  close(): Promise<void>;
};

/**
 * @returns the send path of an auditor, over client-like links to gateways
 * @example
 * const sender = mixSender({ chain, libp2p, layout: obolNetwork(scheme).layout, log });
 * const auditor = new Auditor({ ..., send: sender.send });
 */
export function mixSender({
  chain,
  libp2p,
  layout,
  log,
}: {
  chain: ChainClients;
  libp2p: Libp2p;
  layout: WireLayout;
  log: Logger;
}): LoopSender {
  const addresses = new Map<string, string>();
  const pool = new LinkPool({
    libp2p,
    layout,
    log,
    // Receipts are empty in this scheme; a client ignores them the same way.
    onFrame: () => {},
    onBadInput: (reason, peer) => log.warn({ reason, peer }, "gateway sent a malformed frame"),
  });
  const addressOf = async (relay: Address): Promise<string> => {
    let ma = addresses.get(relay);
    if (!ma) {
      const info = await chain.publicClient.readContract({
        address: chain.deployment.contracts.RelayRegistry,
        abi: relayRegistryAbi,
        functionName: "relayInfo",
        args: [relay],
      });
      ma = info.multiaddr;
      addresses.set(relay, ma);
    }
    return ma;
  };
  return {
    async send(packet: Uint8Array, first: RouteHop): Promise<void> {
      const link = await pool.linkTo(await addressOf(first.relay));
      await link.send(encodeFrame({ type: "packet", packet, attachment: new Uint8Array(0) }, layout));
    },
    async pull(gateway: Address, pullKey: Uint8Array): Promise<Uint8Array[]> {
      const ma = multiaddr(await addressOf(gateway));
      const out: Uint8Array[] = [];
      for (;;) {
        const { bodies, remaining } = await pullInbox(libp2p, { gateway: ma, pullKey, bodySize: layout.bodySize });
        out.push(...bodies);
        if (remaining === 0 || bodies.length === 0) return out;
      }
    },
    close: () => pool.close(),
  };
}
