/**
 * How an auditor hands a loop packet to its first hop: one `packet` frame on a
 * `/obol/mix/1` stream to the relay's registered multiaddr, exactly as a client
 * sends (docs/wire.md), with the scheme's empty attachment.
 */
import type { Libp2p } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { ChainClients } from "../../chain/types.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { MIX_PROTOCOL, DIAL_TIMEOUT_MS } from "../../net/constants.js";
import { encodeFrame, type WireLayout } from "../../net/frame.js";
import type { RouteHop } from "../scheme.js";

/**
 * @returns a `send(packet, firstHop)` for `AuditorParameters.send`
 * @example
 * const send = mixSender({ chain, libp2p, layout: obolNetwork(scheme).layout });
 */
export function mixSender({ chain, libp2p, layout }: { chain: ChainClients; libp2p: Libp2p; layout: WireLayout }) {
  const addresses = new Map<string, string>();
  return async (packet: Uint8Array, first: RouteHop): Promise<void> => {
    let ma = addresses.get(first.relay);
    if (!ma) {
      const info = await chain.publicClient.readContract({ address: chain.deployment.contracts.RelayRegistry, abi: relayRegistryAbi, functionName: "relayInfo", args: [first.relay] });
      ma = info.multiaddr;
      addresses.set(first.relay, ma);
    }
    const signal = AbortSignal.timeout(DIAL_TIMEOUT_MS);
    const stream = await libp2p.dialProtocol(multiaddr(ma), MIX_PROTOCOL, { signal });
    stream.send(encodeFrame({ type: "packet", packet, attachment: new Uint8Array(0) }, layout));
    await stream.close({ signal });
  };
}
