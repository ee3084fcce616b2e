/**
 * The libp2p node every Obol process runs: TCP and WebSockets, Noise, Yamux,
 * identify and ping (DESIGN §2, docs/wire.md §5). Listens on loopback unless
 * told otherwise; the peer key can be persisted in the data directory so a
 * relay keeps its peer id (and the multiaddr it registered) across restarts.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLibp2p, type Libp2p } from "libp2p";
import { tcp } from "@libp2p/tcp";
import { noise } from "@chainsafe/libp2p-noise";
import { identify } from "@libp2p/identify";
import { ping } from "@libp2p/ping";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { ObolError } from "../errors.js";
import {
  MAX_CONNECTIONS,
  MAX_PENDING_PER_IP,
  UPGRADE_TIMEOUT_MS,
  WS_HANDSHAKE_TIMEOUT_MS,
  YAMUX_MAX_INBOUND_STREAMS,
  YAMUX_MAX_READ_BUFFER,
  YAMUX_MAX_STREAM_WINDOW,
} from "./budgets.js";
import { INBOUND_CONNECTIONS_PER_HOST_PER_S, MAX_PENDING_INBOUND_CONNECTIONS } from "./constants.js";
import { PeerGuard, type GuardLimits } from "./guard.js";
import { boundedWebSockets } from "./websockets.js";
import { boundedYamux } from "./yamux.js";

/** Loopback listen addresses: an ephemeral TCP port and an ephemeral WebSockets port. */
export const DEFAULT_LISTEN = ["/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"] as const;

/** File name of the persisted libp2p key inside a data directory. */
export const PEER_KEY_FILE = "peer.key";

export type CreateObolNodeParameters = {
  /** Multiaddrs to listen on; default {@link DEFAULT_LISTEN}. Pass `[]` for a dial-only client. */
  listen?: readonly string[];
  /** The node's identity; a fresh Ed25519 key when omitted. */
  privateKey?: PrivateKey;
  /** Connection budgets (tests); defaults from `budgets.ts`. */
  limits?: Partial<GuardLimits>;
};

export type ObolNode = Libp2p<{ identify: unknown; ping: unknown }>;

const guards = new WeakMap<Libp2p, PeerGuard>();

/** The connection budgets and ban list of a node made by {@link createObolNode} (null for other nodes). */
export function guardOf(node: Libp2p): PeerGuard | null {
  return guards.get(node) ?? null;
}

/**
 * Creates and starts a libp2p node with Obol's transport stack.
 *
 * @param parameters.listen listen multiaddrs (default loopback TCP + WS)
 * @param parameters.privateKey peer identity (see {@link loadOrCreatePeerKey})
 * @returns the started node; call `stop()` when done
 * @example
 * const node = await createObolNode({ privateKey: await loadOrCreatePeerKey(".obol") });
 * console.log(node.getMultiaddrs().map(String));
 */
export async function createObolNode({
  listen = DEFAULT_LISTEN,
  privateKey,
  limits,
}: CreateObolNodeParameters = {}): Promise<ObolNode> {
  const guard = new PeerGuard(limits);
  const node = (await createLibp2p({
    ...(privateKey ? { privateKey } : {}),
    addresses: { listen: [...listen] },
    transports: [tcp(), boundedWebSockets(WS_HANDSHAKE_TIMEOUT_MS, MAX_PENDING_PER_IP)],
    connectionEncrypters: [noise()],
    streamMuxers: [
      boundedYamux({
        maxInboundStreams: YAMUX_MAX_INBOUND_STREAMS,
        streamOptions: {
          maxStreamWindowSize: YAMUX_MAX_STREAM_WINDOW,
          maxReadBufferLength: YAMUX_MAX_READ_BUFFER,
        },
      }),
    ],
    connectionManager: {
      inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_HOST_PER_S,
      maxIncomingPendingConnections: MAX_PENDING_INBOUND_CONNECTIONS,
      maxConnections: MAX_CONNECTIONS,
      inboundUpgradeTimeout: UPGRADE_TIMEOUT_MS,
    },
    connectionGater: guard.gater(),
    services: { identify: identify(), ping: ping() },
  })) as ObolNode;
  guard.attach(() => node.getConnections());
  node.addEventListener("stop", () => guard.detach());
  guards.set(node, guard);
  return node;
}

/**
 * Loads the libp2p private key from `<dataDir>/peer.key` (protobuf encoding),
 * creating an Ed25519 key there (mode 0600, written atomically) when absent.
 *
 * @param dataDir directory of this process's durable state
 * @returns the private key
 * @throws ObolError when the file exists but is not a libp2p private key
 * @example
 * const key = await loadOrCreatePeerKey("/var/lib/obol");
 */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const file = join(dataDir, PEER_KEY_FILE);
  if (existsSync(file)) {
    try {
      return privateKeyFromProtobuf(readFileSync(file));
    } catch (cause) {
      throw new ObolError(`Cannot read the libp2p key ${file}`, {
        hint: "restore the file from a backup or delete it to create a new peer id (re-register the multiaddr)",
        cause,
      });
    }
  }
  mkdirSync(dataDir, { recursive: true });
  const key = await generateKeyPair("Ed25519");
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, privateKeyToProtobuf(key), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file); // atomic: a crash never leaves a half-written key
  return key;
}
