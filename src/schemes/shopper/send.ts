/**
 * How an auditor hands a loop packet to its entry gateway: exactly as a
 * client does (src/client/client.ts), one `packet` frame on a long-lived
 * `/obol/mix/1` link that is opened once per gateway and reused, with the
 * scheme's empty attachment; the gateway's receipts come back on the same
 * link. The libp2p node must be the auditor's own, with a peer key that is not
 * the relay's, so a gateway sees one more client link and cannot name the
 * auditing relay from it (issue 11, finding 1; docs/shopper.md §Indistinguishability).
 */
import type { Libp2p } from "@libp2p/interface";
import type { ChainClients } from "../../chain/types.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { encodeFrame, type WireLayout } from "../../net/frame.js";
import { LinkPool } from "../../net/links.js";
import type { Logger } from "../../log.js";
import type { RouteHop } from "../scheme.js";

/** What `mixSender` returns: the send path for `AuditorParameters.send`, and how to close its links. */
export type LoopSender = {
  send(packet: Uint8Array, first: RouteHop): Promise<void>;
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
  return {
    async send(packet: Uint8Array, first: RouteHop): Promise<void> {
      let ma = addresses.get(first.relay);
      if (!ma) {
        const info = await chain.publicClient.readContract({
          address: chain.deployment.contracts.RelayRegistry,
          abi: relayRegistryAbi,
          functionName: "relayInfo",
          args: [first.relay],
        });
        ma = info.multiaddr;
        addresses.set(first.relay, ma);
      }
      const link = await pool.linkTo(ma);
      await link.send(encodeFrame({ type: "packet", packet, attachment: new Uint8Array(0) }, layout));
    },
    close: () => pool.close(),
  };
}
