/**
 * Sphinx figures (DESIGN §8): the machine's X25519 rate by two libraries, the
 * relay's full peel (DH, MAC, routing info, blinding, LIONESS body, replay
 * tag) on the libsodium and the noble group, and the client's packet build.
 * Rates are operations per CPU-second of this process (`process.cpuUsage`),
 * i.e. per core, so other processes on a shared machine do not count against
 * them. The X25519 and peel loops run interleaved (16-call batches in turn)
 * for several rounds: each rate is the best round, the ratio is the median of
 * the rounds' own ratios.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from "node:crypto";
import type { BenchOptions, Metric } from "./metric.js";
import { x25519Group, x25519NobleGroup, type SphinxGroup } from "../src/crypto/sphinx/group.js";
import { deriveHopSecrets } from "../src/crypto/sphinx/header.js";
import type { HopInstruction } from "../src/crypto/sphinx/hop.js";
import { createPacket, peelPacket } from "../src/crypto/sphinx/packet.js";
import { obolParams, type SphinxParams } from "../src/crypto/sphinx/params.js";
import { sodium } from "../src/platform/node/crypto.js";

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
  const build = () =>
    createPacket({
      group,
      params,
      ...deriveHopSecrets({ group, sessionKey: group.randomSecretKey(), publicKeys }),
      hops,
      message,
    });
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
  const dhImportPub = () =>
    diffieHellman({
      privateKey: a.privateKey,
      publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519, bRaw]), format: "der", type: "spki" }),
    });
  const dhImportBoth = () =>
    diffieHellman({
      privateKey: createPrivateKey({ key: Buffer.concat([PKCS8_X25519, aRaw]), format: "der", type: "pkcs8" }),
      publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519, bRaw]), format: "der", type: "spki" }),
    });
  const q = new Uint8Array(32);
  const lib = sodium();
  const sodiumDh = () => lib.crypto_scalarmult(q, aRaw, bRaw);
  const peel0 = () =>
    peelPacket({ group: x25519Group, params: slot0, secretKey: r0.secretKeys[0]!, packet: r0.packet });
  const peel128 = () =>
    peelPacket({ group: x25519Group, params: slot128, secretKey: r128.secretKeys[0]!, packet: r128.packet });

  // Interleave small batches of every loop so all of them see the same load;
  // each round yields one rate per loop and one ratio.
  // The key-import loops churn KeyObjects (native handles the GC must
  // finalise); they run in their own rounds so that work is not billed to
  // the peel loops.
  const loops = { dh: dhImported, sodium: sodiumDh, peel0, peel128 };
  const importLoops = { dhImportPub, dhImport: dhImportBoth };
  const best = { dh: 0, sodium: 0, peel0: 0, peel128: 0, dhImportPub: 0, dhImport: 0 };
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const rates = interleaved(loops, ms * 2);
    for (const k of Object.keys(loops) as (keyof typeof loops)[]) best[k] = Math.max(best[k], rates[k]);
    ratios.push(rates.peel0 / (rates.dh / 2));
  }
  for (let round = 0; round < rounds; round++) {
    const rates = interleaved(importLoops, ms / 2);
    for (const k of Object.keys(importLoops) as (keyof typeof importLoops)[]) best[k] = Math.max(best[k], rates[k]);
  }
  ratios.sort((x, y) => x - y);
  const ratio = ratios[Math.floor(ratios.length / 2)]!;

  const noble = route(x25519NobleGroup, slot0);
  const noblePeel = measureSlow(
    () => peelPacket({ group: x25519NobleGroup, params: slot0, secretKey: noble.secretKeys[0]!, packet: noble.packet }),
    quick ? 300 : 1500,
  );
  const build = measureSlow(r0.build, ms * 2);

  return [
    {
      metric: "machine.x25519.dh_per_s",
      value: Math.round(best.dh),
      unit: "ops/s",
      note: "node:crypto diffieHellman, keys imported once",
    },
    {
      metric: "machine.x25519.sodium_per_s",
      value: Math.round(best.sodium),
      unit: "ops/s",
      note: "sodium-native crypto_scalarmult, raw buffers",
    },
    {
      metric: "machine.x25519.dh_import_pub_per_s",
      value: Math.round(best.dhImportPub),
      unit: "ops/s",
      note: "node:crypto importing the peer's raw key per call (relay ss path)",
    },
    {
      metric: "machine.x25519.dh_import_per_s",
      value: Math.round(best.dhImport),
      unit: "ops/s",
      note: "node:crypto importing both raw keys per call (relay blinding path)",
    },
    {
      metric: "relay.peel.x25519.per_core",
      value: Math.round(best.peel0),
      unit: "packets/s",
      note: "full peelPacket, 5-hop params, slotSize 0, 2 KiB body",
    },
    {
      metric: "relay.peel.x25519.slot128.per_core",
      value: Math.round(best.peel128),
      unit: "packets/s",
      note: "slotSize 128",
    },
    {
      metric: "relay.peel.ratio_to_limit",
      value: Number(ratio.toFixed(3)),
      unit: "ratio",
      note: "median over rounds of peel rate / (dh rate / 2), same interleaved round; goal >= 0.5",
    },
    {
      metric: "relay.peel.noble.per_core",
      value: Math.round(noblePeel),
      unit: "packets/s",
      note: "x25519NobleGroup (browser path)",
    },
    {
      metric: "client.build.per_s",
      value: Math.round(build),
      unit: "packets/s",
      note: "deriveHopSecrets + createPacket, 5 hops, libsodium group",
    },
  ];
}

/** CPU time of this process in milliseconds (user + system). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Runs 16-call batches of each function in turn for about `ms` of wall time;
 * returns ops per CPU-second of each. CPU time (not wall time) is the
 * per-core cost: on a shared machine wall time also counts the time other
 * processes hold the core.
 */
function interleaved<K extends string>(fns: Record<K, () => unknown>, ms: number): Record<K, number> {
  const keys = Object.keys(fns) as K[];
  const time = {} as Record<K, number>;
  const count = {} as Record<K, number>;
  for (const k of keys) {
    // Warm up (JIT, caches) for a tenth of the budget before counting.
    const warm = performance.now();
    while (performance.now() - warm < ms / 10 / keys.length) fns[k]();
    time[k] = 0;
    count[k] = 0;
  }
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (const k of keys) {
      const t = cpuMs();
      for (let i = 0; i < 16; i++) fns[k]();
      time[k] += cpuMs() - t;
      count[k] += 16;
    }
  }
  const rates = {} as Record<K, number>;
  for (const k of keys) rates[k] = (count[k] / time[k]) * 1000;
  return rates;
}

/** ops per CPU-second for operations too slow for batches. */
function measureSlow(fn: () => unknown, ms: number): number {
  fn();
  let n = 0;
  const start = performance.now();
  const cpu = cpuMs();
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return (n / (cpuMs() - cpu)) * 1000;
}
