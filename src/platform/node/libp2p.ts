/** Node backend of the client's libp2p port: a dial-only node with Obol's transports (TCP and WebSockets). */
import type { Libp2p } from "@libp2p/interface";
import { createObolNode } from "../../net/node.js";

/** A started libp2p node that listens nowhere (clients only dial their gateway). */
export async function createDialNode(): Promise<Libp2p> {
  return createObolNode({ listen: [] });
}
