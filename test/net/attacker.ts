/**
 * A hostile libp2p client for abuse tests: the stock transport stack (TCP,
 * WebSockets, Noise, stock yamux) plus access to the Noise-encrypted byte
 * stream under each yamux muxer it creates, so a test can write raw yamux
 * frames after a real handshake.
 */
import { createLibp2p, type Libp2p } from "libp2p";
import { tcp } from "@libp2p/tcp";
import { webSockets } from "@libp2p/websockets";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import type { MessageStream, StreamMuxerFactory } from "@libp2p/interface";

export type Attacker = {
  node: Libp2p;
  /** The encrypted connection under every muxer created so far, in creation order. */
  wires: MessageStream[];
};

export async function createAttacker(): Promise<Attacker> {
  const wires: MessageStream[] = [];
  const capture = (): StreamMuxerFactory => {
    const factory = yamux()();
    const create = factory.createStreamMuxer.bind(factory);
    factory.createStreamMuxer = (maConn) => {
      wires.push(maConn);
      return create(maConn);
    };
    return factory;
  };
  const node = await createLibp2p({
    addresses: { listen: [] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [capture],
  });
  return { node, wires };
}

/** A yamux frame header (12 bytes, big-endian; docs: hashicorp/yamux spec.md). */
export function yamuxHeader(type: number, flags: number, streamId: number, length: number): Uint8Array {
  const header = new Uint8Array(12);
  const view = new DataView(header.buffer);
  header[0] = 0; // version
  header[1] = type;
  view.setUint16(2, flags);
  view.setUint32(4, streamId);
  view.setUint32(8, length);
  return header;
}

/** Writes `bytes` to a wire, waiting for it to drain when its buffer is full; false once it is closed. */
export async function writeRaw(wire: MessageStream, bytes: Uint8Array): Promise<boolean> {
  if (wire.status !== "open") return false;
  try {
    if (!wire.send(bytes)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          wire.removeEventListener("drain", done);
          wire.removeEventListener("close", done);
          resolve();
        };
        wire.addEventListener("drain", done);
        wire.addEventListener("close", done);
      });
    }
  } catch {
    return false;
  }
  return wire.status === "open";
}
