/**
 * Browser backend of the client's libp2p port: a dial-only node speaking to
 * its gateway over WebSockets (the gateway's `/ws` listener), with the same
 * Noise and Yamux as every Obol node (`src/net/node.ts`).
 */
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify } from "@libp2p/identify";
import type { Libp2p } from "@libp2p/interface";
import { ping } from "@libp2p/ping";
import { webSockets } from "@libp2p/websockets";
import { createLibp2p } from "libp2p";

/**
 * A started libp2p node that listens nowhere.
 *
 * js-libp2p's browser default refuses to dial private addresses and plain
 * `ws://`; a local devnet has exactly those, so this gater allows them. Noise
 * still authenticates the gateway's peer id from its registered multiaddr.
 */
export async function createDialNode(): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: [] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() },
  });
}
