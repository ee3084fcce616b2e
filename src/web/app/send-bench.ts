/**
 * The client's cost of one message without the network: route selection,
 * sealing, `pay` (free) and the 5-hop Sphinx build (as bench/client.bench.ts
 * measures it in Node). Imports only browser-safe modules, so the same code
 * runs in Chromium (`browser.client.send.per_s`) and in Node.
 */
import { bytesToHex, getAddress } from "viem";
import { primitives } from "#platform/crypto";
import type { DirectoryEntry, DirectorySnapshot } from "../../chain/types.js";
import { encodeEnvelope } from "../../client/envelope.js";
import { buildPacket, hopDelays, obolNetwork } from "../../client/packet.js";
import { selectRoute } from "../../client/route.js";
import { generateSealKeyPair, seal } from "../../client/seal.js";
import { x25519Group } from "../../crypto/sphinx/group.js";
import { scheme as free } from "../../schemes/free/scheme.js";

function directory(): DirectorySnapshot {
  const entry = (role: "gateway" | "mix", layer: number): DirectoryEntry => ({
    relay: getAddress(bytesToHex(primitives.randomBytes(20))),
    role,
    layer,
    stake: 1n,
    blsKey: new Uint8Array(),
    multiaddr: "",
    mixKey: x25519Group.publicKey(x25519Group.randomSecretKey()),
  });
  return {
    epoch: 1n,
    entries: [
      entry("gateway", 0),
      entry("gateway", 0),
      ...[1, 2, 3].flatMap((l) => [entry("mix", l), entry("mix", l), entry("mix", l)]),
    ],
  };
}

/** Messages per second built for about `ms` milliseconds, and which crypto backend built them. */
export async function measureSendRate(ms: number): Promise<{ perS: number; backend: string }> {
  const network = obolNetwork(free);
  const payer = free.client({} as never); // free pays nothing and needs no deps
  const dir = directory();
  const [g0, g1] = dir.entries;
  const bob = generateSealKeyPair();
  const content = new Uint8Array(256);
  const mailbox = new Uint8Array(32);
  const send = async () => {
    const sealed = seal({
      message: encodeEnvelope({ type: "message", id: new Uint8Array(16), surb: null, content }),
      recipientPublicKey: bob.publicKey,
    });
    const route = selectRoute({ directory: dir, entry: g0!.relay, exit: g1!.relay });
    await buildPacket({
      network,
      payer,
      route,
      epoch: 1n,
      kind: "payload",
      delays: hopDelays(route, 200),
      final: { action: "deliver", mailbox },
      message: sealed,
    });
  };
  for (let i = 0; i < 20; i++) await send(); // warm up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await send();
    n++;
  }
  return { perS: (n / (performance.now() - start)) * 1000, backend: primitives.backend };
}
