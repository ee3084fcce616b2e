/**
 * Client-side cost of one message: route selection + sealing + `pay` (free)
 * + Sphinx build of the 5-hop packet, plus the SURB reply block it carries.
 * (`client.build.per_s`, the bare Sphinx build, is in bench/sphinx.bench.ts.)
 */
import { randomBytes } from "node:crypto";
import { bytesToHex, getAddress } from "viem";
import type { DirectoryEntry, DirectorySnapshot } from "../src/chain/types.js";
import { x25519Group } from "../src/crypto/sphinx/group.js";
import { encodeEnvelope } from "../src/client/envelope.js";
import { buildPacket, buildReplyBlock, hopDelays, obolNetwork } from "../src/client/packet.js";
import { selectRoute } from "../src/client/route.js";
import { generateSealKeyPair, seal } from "../src/client/seal.js";
import { scheme as free } from "../src/schemes/free/scheme.js";
import type { BenchOptions, Metric } from "./metric.js";

function directory(): DirectorySnapshot {
  const entry = (role: "gateway" | "mix", layer: number): DirectoryEntry => ({
    relay: getAddress(bytesToHex(randomBytes(20))),
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

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const network = obolNetwork(free);
  const payer = free.client({} as never); // free pays nothing and needs no deps
  const dir = directory();
  const [g0, g1] = dir.entries;
  const bob = generateSealKeyPair();
  const content = new Uint8Array(256);
  const mailbox = new Uint8Array(32);
  const send = async (withReply: boolean) => {
    let block: Uint8Array | null = null;
    if (withReply) {
      const back = selectRoute({ directory: dir, entry: g1!.relay, exit: g0!.relay });
      block = (
        await buildReplyBlock({
          network,
          payer,
          route: back,
          epoch: 1n,
          kind: "reply",
          delays: hopDelays(back, 200),
          mailbox,
        })
      ).block;
    }
    const sealed = seal({
      message: encodeEnvelope({ type: "message", id: new Uint8Array(16), surb: block, content }),
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
  const rate = async (withReply: boolean) => {
    const ms = quick ? 500 : 3_000;
    for (let i = 0; i < 20; i++) await send(withReply); // warm up
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      await send(withReply);
      n++;
    }
    return (n / (performance.now() - start)) * 1000;
  };
  return [
    {
      metric: "client.send.per_s",
      value: await rate(false),
      unit: "messages/s",
      note: "route + seal + pay(free) + 5-hop Sphinx build, 256-byte content, one core",
    },
    {
      metric: "client.send_with_surb.per_s",
      value: await rate(true),
      unit: "messages/s",
      note: "as client.send plus a paid 5-hop SURB reply block",
    },
  ];
}
