/**
 * Sphinx figures (DESIGN §8): the machine's X25519 rate by two libraries, the
 * relay's full peel (DH, MAC, routing info, blinding, LIONESS body, replay
 * tag) on the libsodium and the noble group, and the client's packet build.
 * Load on a shared machine moves every figure, so the X25519 and peel loops
 * run interleaved in several rounds and each figure is the best round; the
 * ratio compares figures of the same run.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from "node:crypto";
import { opsPerSecond, type BenchOptions, type Metric } from "./metric.js";
import { x25519Group, x25519NobleGroup, type SphinxGroup } from "../src/crypto/sphinx/group.js";
import { deriveHopSecrets } from "../src/crypto/sphinx/header.js";
import type { HopInstruction } from "../src/crypto/sphinx/hop.js";
import { createPacket, peelPacket } from "../src/crypto/sphinx/packet.js";
import { obolParams, type SphinxParams } from "../src/crypto/sphinx/params.js";
import { sodium } from "../src/crypto/sphinx/sodium.js";

const HOPS = 5;
/** DER prefixes of RFC 8410 X25519 keys, to import raw 32-byte keys into node:crypto. */
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");
const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");

function route(group: SphinxGroup, params: SphinxParams) {
  const secretKeys = Array.from({ length: HOPS }, () => group.randomSecretKey());
  const publicKeys = secretKeys.map((sk) => group.publicKey(sk));
  const hops: HopInstruction[] = secretKeys.map((_, i) => {
    const common = { delayMs: 50, slot: new Uint8Array(params.slotSize).fill(i) };
    return i < HOPS - 1
      ? { action: "forward", next: `0x${String(i + 1).repeat(40)}`, ...common }
      : { action: "deliver", mailbox: new Uint8Array(32).fill(9), ...common };
  });
  const message = new Uint8Array(1024).fill(0x61);
  const build = () => createPacket({ group, params, ...deriveHopSecrets({ group, sessionKey: group.randomSecretKey(), publicKeys }), hops, message });
  return { secretKeys, build, packet: build() };
}

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const ms = quick ? 150 : 800;
  const rounds = quick ? 2 : 5;
  const slot0 = obolParams({ slotSize: 0 });
  const slot128 = obolParams({ slotSize: 128 });
  const r0 = route(x25519Group, slot0);
  const r128 = route(x25519Group, slot128);

  // X25519 by node:crypto with both keys imported once (the machine's limit),
  // and importing the peer's raw key per call (what a relay would have to do).
  const a = generateKeyPairSync("x25519");
  const b = generateKeyPairSync("x25519");
  const bRaw = b.publicKey.export({ format: "der", type: "spki" }).subarray(SPKI_X25519.length);
  const aRaw = a.privateKey.export({ format: "der", type: "pkcs8" }).subarray(PKCS8_X25519.length);
  const dhImported = () => diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
  const dhImportBoth = () =>
    diffieHellman({
      privateKey: createPrivateKey({ key: Buffer.concat([PKCS8_X25519, aRaw]), format: "der", type: "pkcs8" }),
      publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519, bRaw]), format: "der", type: "spki" }),
    });
  const q = new Uint8Array(32);
  const sodiumDh = () => sodium.crypto_scalarmult(q, aRaw, bRaw);
  const peel0 = () => peelPacket({ group: x25519Group, params: slot0, secretKey: r0.secretKeys[0]!, packet: r0.packet });
  const peel128 = () => peelPacket({ group: x25519Group, params: slot128, secretKey: r128.secretKeys[0]!, packet: r128.packet });

  const best = { dh: 0, dhImport: 0, sodium: 0, peel0: 0, peel128: 0 };
  for (let round = 0; round < rounds; round++) {
    best.dh = Math.max(best.dh, opsPerSecond(dhImported, ms));
    best.sodium = Math.max(best.sodium, opsPerSecond(sodiumDh, ms));
    best.peel0 = Math.max(best.peel0, opsPerSecond(peel0, ms));
    best.peel128 = Math.max(best.peel128, opsPerSecond(peel128, ms));
    best.dhImport = Math.max(best.dhImport, opsPerSecond(dhImportBoth, ms / 2));
  }

  const noble = route(x25519NobleGroup, slot0);
  const noblePeel = measureSlow(() => peelPacket({ group: x25519NobleGroup, params: slot0, secretKey: noble.secretKeys[0]!, packet: noble.packet }), quick ? 300 : 1500);
  const build = measureSlow(r0.build, ms * 2);

  return [
    { metric: "machine.x25519.dh_per_s", value: Math.round(best.dh), unit: "ops/s", note: "node:crypto diffieHellman, keys imported once" },
    { metric: "machine.x25519.sodium_per_s", value: Math.round(best.sodium), unit: "ops/s", note: "sodium-native crypto_scalarmult, raw buffers" },
    { metric: "machine.x25519.dh_import_per_s", value: Math.round(best.dhImport), unit: "ops/s", note: "node:crypto importing both raw keys per call (relay blinding path)" },
    { metric: "relay.peel.x25519.per_core", value: Math.round(best.peel0), unit: "packets/s", note: "full peelPacket, 5-hop params, slotSize 0, 2 KiB body" },
    { metric: "relay.peel.x25519.slot128.per_core", value: Math.round(best.peel128), unit: "packets/s", note: "slotSize 128" },
    { metric: "relay.peel.ratio_to_limit", value: Number((best.peel0 / (best.dh / 2)).toFixed(3)), unit: "ratio", note: "peel rate / (dh_per_s / 2), goal >= 0.5" },
    { metric: "relay.peel.noble.per_core", value: Math.round(noblePeel), unit: "packets/s", note: "x25519NobleGroup (browser path)" },
    { metric: "client.build.per_s", value: Math.round(build), unit: "packets/s", note: "deriveHopSecrets + createPacket, 5 hops, libsodium group" },
  ];
}

/** ops/s for operations too slow for `opsPerSecond`'s 64-call batches. */
function measureSlow(fn: () => unknown, ms: number): number {
  fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return (n / (performance.now() - start)) * 1000;
}
