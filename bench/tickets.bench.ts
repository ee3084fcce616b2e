/**
 * Scheme B (blind BLS tokens) figures: on-chain gas per redeemed token at
 * batch sizes 1 / 10 / 100 (from receipts, Hardhat's in-process Prague chain),
 * relay batch verification rate, issuer signing rate, client cost per token,
 * and payment bytes per packet. See docs/tickets.md for the goals.
 */
import hre from "hardhat";
import { bytesToHex, getContract } from "viem";
import type { BenchOptions, Metric } from "./metric.js";
import { loadBlindBls, type BlindBls } from "../src/crypto/blind/bls.js";
import { g1ToEip2537, g2ToEip2537, tokenMessage, type TokenDomain } from "../src/crypto/blind/encoding.js";
import { obolTokenAbi } from "../src/chain/abi/ObolToken.js";
import { ticketBankAbi } from "../src/chain/abi/TicketBank.js";
import { SLOT_SIZE } from "../src/schemes/tickets/constants.js";
import { RelayTokenStore } from "../src/schemes/tickets/store.js";
import { BatchVerifier, DEFAULT_MAX_BATCH } from "../src/schemes/tickets/verifier.js";
import { relayCheckRate, relayVerifyRate } from "./tickets-verify-rate.js";
import { encodeSlot } from "../src/schemes/tickets/slot.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, range, threadCpuMicros } from "./cpu-clock.js";
import { openDatabase } from "../src/store/db.js";
import type { Address } from "viem";
import { spendOrderAttack } from "./tickets-chaining.js";
import { MUTANT_KINDS, mutants, type Mutant } from "./tickets-mutants.js";
import { checkToken } from "../src/schemes/tickets/relay.js";
import * as mcl from "mcl-wasm";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { expand_message_xmd } from "@noble/curves/abstract/hash-to-curve.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { TOKEN_DST } from "../src/crypto/blind/constants.js";
import { mclG1Hasher } from "../src/crypto/blind/hash-to-g1.js";
import { blstG1Decompressor } from "../src/crypto/blind/native-g1.js";

const OBOL = 10n ** 18n;
const HOPS = 5;

type Minted = { serial: Uint8Array; signature: Uint8Array };

/** Domain of the off-chain figures (no bank deployed there). */
const OFF_CHAIN_DOMAIN: TokenDomain = {
  chainId: 31337,
  bank: "0x00000000000000000000000000000000000000b0",
  issuer: "0x00000000000000000000000000000000000000e1",
};

function mint(
  bls: BlindBls,
  sk: Uint8Array,
  pk: Uint8Array,
  relay: Address,
  epoch: bigint,
  n: number,
  domain: TokenDomain = OFF_CHAIN_DOMAIN,
): Minted[] {
  return Array.from({ length: n }, () => {
    const serial = crypto.getRandomValues(new Uint8Array(16));
    const state = bls.blind(tokenMessage(domain, relay, epoch, serial));
    return { serial, signature: bls.unblind(state, bls.signBlinded(sk, state.blinded), pk) };
  });
}

/**
 * Gas per token from receipts on a fresh in-process chain. `hardfork` matters:
 * Osaka (EIP-7883) reprices MODEXP, used twice per token by hash_to_field.
 */
async function gasFigures(bls: BlindBls, hardfork: "prague" | "osaka"): Promise<Metric[]> {
  const { viem } = await hre.network.connect({ override: { hardfork } });
  const publicClient = await viem.getPublicClient();
  const [deployer, issuerW, userW, relayW] = await viem.getWalletClients();
  const client = { public: publicClient, wallet: deployer! };
  const tokenAddress = (await viem.deployContract("ObolToken", [10n ** 9n * OBOL])).address;
  const token = getContract({ address: tokenAddress, abi: obolTokenAbi, client });
  const genesis = (await publicClient.getBlock()).timestamp;
  const bankAddress = (await viem.deployContract("TicketBank", [tokenAddress, genesis, 3600n, 4n, OBOL])).address;
  const bank = getContract({ address: bankAddress, abi: ticketBankAbi, client });
  for (const w of [issuerW!, userW!]) {
    await token.write.transfer([w.account.address, 1_000_000n * OBOL]);
    await token.write.approve([bankAddress, 2n ** 255n], { account: w.account });
  }
  const { secretKey, publicKey } = bls.keygen();
  await bank.write.registerIssuer([bytesToHex(g2ToEip2537(publicKey)), 10n ** 15n, 0, OBOL], {
    account: issuerW!.account,
  });
  await bank.write.deposit([issuerW!.account.address, 0n, 1000], { account: userW!.account });
  const relay = relayW!.account.address;
  const out: Metric[] = [];
  // Warm the relay's balance slot first so batch 1 is not charged the first-transfer SSTORE.
  for (const n of [1, 1, 10, 100]) {
    const tokens = mint(bls, secretKey, publicKey, relay, 0n, n, {
      chainId: await publicClient.getChainId(),
      bank: bankAddress,
      issuer: issuerW!.account.address,
    });
    const serials = new Uint8Array(16 * n);
    tokens.forEach((t, i) => {
      serials.set(t.serial, 16 * i);
    });
    const signature = g1ToEip2537(bls.aggregate(tokens.map((t) => t.signature)));
    const hash = await bank.write.redeem([issuerW!.account.address, 0n, bytesToHex(serials), bytesToHex(signature)], {
      account: relayW!.account,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const suffix = hardfork === "prague" ? "" : `_${hardfork}`;
    out.push({
      metric: `tickets.gas.redeem_per_token_batch${n}${suffix}`,
      value: Number(receipt.gasUsed) / n,
      unit: "gas",
      note: `${hardfork}; incl. 21k base, calldata, nullifier, one token transfer per batch`,
    });
  }
  return out.slice(1);
}

export async function run(options: BenchOptions): Promise<Metric[]> {
  const bls = await loadBlindBls();
  const metrics = [...(await gasFigures(bls, "prague")), ...(await gasFigures(bls, "osaka"))];
  const batch100 = metrics.find((m) => m.metric === "tickets.gas.redeem_per_token_batch100")!.value;
  metrics.push({
    metric: "tickets.gas.per_paid_hop_lottery_p1_16",
    value: batch100 / 16,
    unit: "gas",
    note: "prague; winners redeemed in batches of 100 at win probability 2^-4 (winBits = 4)",
  });
  const ms = options.quick ? 1_000 : 4_000;
  const { secretKey, publicKey } = bls.keygen();
  const relay = "0x00000000000000000000000000000000000000aa" as Address;
  const batch = 64;
  const pool = mint(bls, secretKey, publicKey, relay, 1n, batch);
  const items = pool.map((t) => ({
    message: tokenMessage(OFF_CHAIN_DOMAIN, relay, 1n, t.serial),
    signature: t.signature,
  }));
  const rounds = options.quick ? 3 : 9;
  const relayDefaults = new BatchVerifier({ bls, relay, domain: OFF_CHAIN_DOMAIN, publicKey });
  const oneBatch = mint(bls, secretKey, publicKey, relay, 1n, DEFAULT_MAX_BATCH).map((t) => ({ epoch: 1n, ...t }));
  metrics.push(...(await relayVerifyRate(relayDefaults, oneBatch, options.quick)));
  const relayDir = mkdtempSync(join(tmpdir(), "obol-bench-tickets-"));
  const relayDb = openDatabase(join(relayDir, "relay.db"));
  const relayStore = new RelayTokenStore(relayDb);
  const slots = mint(bls, secretKey, publicKey, relay, 1n, 2 * DEFAULT_MAX_BATCH).map((t) =>
    encodeSlot({ epoch: 1n, ...t }),
  );
  metrics.push(...(await relayCheckRate((slot) => checkToken(relayStore, relayDefaults, slot, 1n), slots)));
  relayDb.close();
  rmSync(relayDir, { recursive: true });
  metrics.push(
    ...hashToG1Paths(
      items.map((i) => i.message),
      rounds,
    ),
  );
  metrics.push(...verifyBeforeAfter(bls, items, publicKey, rounds));
  metrics.push(...relayPathCosts(bls, mint(bls, secretKey, publicKey, relay, 1n, 4 * batch), publicKey, relay, rounds));
  let n = 0;
  let start = 0;
  const blinded = bls.blind(tokenMessage(OFF_CHAIN_DOMAIN, relay, 1n, new Uint8Array(16))).blinded;
  n = 0;
  start = performance.now();
  while (performance.now() - start < ms) {
    bls.signBlinded(secretKey, blinded);
    n++;
  }
  metrics.push({
    metric: "tickets.issue.per_s",
    value: (n / (performance.now() - start)) * 1000,
    unit: "tokens/s",
    note: "subgroup check + sk·B, one core",
  });
  // client, batched purchase: blind 64 messages, one batched pairing check, 64 unblindings
  const serials = Array.from({ length: batch }, () => crypto.getRandomValues(new Uint8Array(16)));
  const presigned = (() => {
    const states = serials.map((sr) => bls.blind(tokenMessage(OFF_CHAIN_DOMAIN, relay, 1n, sr)));
    return { states, sigs: states.map((st) => bls.signBlinded(secretKey, st.blinded)) };
  })();
  n = 0;
  let blindMs = 0;
  let checkMs = 0;
  start = performance.now();
  while (performance.now() - start < ms) {
    const t0 = performance.now();
    for (const sr of serials) bls.blind(tokenMessage(OFF_CHAIN_DOMAIN, relay, 1n, sr));
    const t1 = performance.now();
    bls.unblindBatch(presigned.states, presigned.sigs, publicKey);
    checkMs += performance.now() - t1;
    blindMs += t1 - t0;
    n += batch;
  }
  metrics.push({
    metric: "tickets.client_us_per_token",
    value: ((blindMs + checkMs) * 1000) / n,
    unit: "µs",
    note: `blind + batched pairing check + unblind, purchases of ${batch}`,
  });
  n = 0;
  start = performance.now();
  while (performance.now() - start < ms) {
    const state = bls.blind(tokenMessage(OFF_CHAIN_DOMAIN, relay, 1n, crypto.getRandomValues(new Uint8Array(16))));
    bls.unblind(state, bls.signBlinded(secretKey, state.blinded), publicKey);
    n++;
  }
  const signUs = 1e6 / metrics.find((m) => m.metric === "tickets.issue.per_s")!.value;
  metrics.push({
    metric: "tickets.client_us_per_token_single",
    value: ((performance.now() - start) * 1000) / n - signUs,
    unit: "µs",
    note: "one token at a time: blind + pairing check + unblind (issuer signing subtracted)",
  });
  metrics.push(...(await fuzz(bls, secretKey, publicKey, options.quick ? 3_000 : 20_000)));
  metrics.push(...(await crossEpochAttack(bls)));
  for (const staggered of [false, true]) {
    const r = spendOrderAttack({ seed: `bench-spend-order-${staggered}`, staggered });
    const suffix = staggered ? "_staggered" : "";
    const what = `greedy chaining at one relay, 50 seeded clients × 20 tokens, ${staggered ? "staggered purchases" : "all buy together"}`;
    metrics.push({
      metric: `tickets.spend_order.link_rate${suffix}`,
      value: r.linkRate,
      unit: "fraction",
      note: `${what}; wallets pick tokens with the CSPRNG`,
    });
    metrics.push({
      metric: `tickets.spend_order.link_rate_chance${suffix}`,
      value: r.chance,
      unit: "fraction",
      note: `same attack and schedule, each client's order shuffled (mean of 5 seeds)`,
    });
  }
  metrics.push({
    metric: "tickets.bytes_per_packet",
    value: SLOT_SIZE * HOPS,
    unit: "bytes",
    note: `${SLOT_SIZE}-byte slot per hop × ${HOPS} hops; no attachment, no receipt`,
  });
  return metrics;
}

/**
 * Hash-to-G1, the relay's main cost, both ways in the same run and in
 * interleaved rounds (CPU µs per hash, medians): mcl's own hash_to_curve
 * (`hash-to-g1.ts`: one isogeny and one cofactor clearing per message), and
 * the path used before (noble's expand_message_xmd, then mcl-wasm's
 * `Fp.mapToG1` twice, each clearing the cofactor). Same outputs (tested).
 */
function hashToG1Paths(messages: readonly Uint8Array[], rounds: number): Metric[] {
  const hasher = mclG1Hasher(TOKEN_DST);
  const twoMaps = twoMapHash;
  const cpuUs = (f: (m: Uint8Array) => unknown) => {
    const c0 = threadCpuMicros();
    for (let k = 0; k < 4; k++) for (const m of messages) f(m);
    return (threadCpuMicros() - c0) / (4 * messages.length);
  };
  const now: number[] = [];
  const before: number[] = [];
  for (let r = 0; r < rounds; r++) {
    now.push(cpuUs(hasher.hash));
    before.push(cpuUs(twoMaps));
  }
  const note = `CPU µs per 92-byte token message, median of ${rounds} interleaved rounds of ${4 * messages.length}`;
  return [
    {
      metric: "tickets.h2c.us_per_hash",
      value: median(now),
      unit: "µs",
      note: `mcl hash_to_curve (one isogeny, one cofactor clearing); ${note}`,
    },
    {
      metric: "tickets.h2c.us_per_hash_two_maps",
      value: median(before),
      unit: "µs",
      note: `the previous path: noble expand_message_xmd + 2 × mcl Fp.mapToG1 (each clears); ${note}`,
    },
  ];
}

/**
 * The relay's batch check now and as of commit f62e7a6, interleaved in one
 * process (so both see the same load), tokens per CPU-second, medians:
 * - honest batch: `verifyEach` (σ_i and H(m_i) decoded once into mcl's heap)
 *   against f62e7a6's `verifyBatch` (a JavaScript mcl.G1 per σ: decompress
 *   and add through mcl-wasm's wrappers, each a malloc and copies; ΣH(m_i)
 *   already in the heap);
 * - one forged token in the batch: `verifyEach` (bisects on cached points)
 *   against f62e7a6's verifier, which bisected by calling `verifyBatch` again
 *   on each half, re-decompressing and re-hashing every token of it.
 */
function verifyBeforeAfter(
  bls: BlindBls,
  items: { message: Uint8Array; signature: Uint8Array }[],
  publicKey: Uint8Array,
  rounds: number,
): Metric[] {
  const g2 = new mcl.G2();
  g2.deserialize(bls12_381.G2.Point.BASE.toBytes(true));
  const negG2 = new mcl.PrecomputedG2(mcl.neg(g2));
  const q = new mcl.G2();
  q.deserialize(publicKey);
  const pk = new mcl.PrecomputedG2(q);
  const hasher = mclG1Hasher(TOKEN_DST);
  const g1 = (b: Uint8Array) => {
    const p = new mcl.G1();
    p.deserialize(b);
    if (p.isZero()) throw new Error("infinity");
    return p;
  };
  type Item = { message: Uint8Array; signature: Uint8Array };
  const previousBatch = (batch: readonly Item[]): boolean => {
    let sigma = g1(batch[0]!.signature);
    for (let i = 1; i < batch.length; i++) sigma = mcl.add(sigma, g1(batch[i]!.signature));
    const hashes = hasher.hashSum(batch.map((t) => t.message));
    if (sigma.isZero() || !sigma.isValidOrder()) return false;
    return mcl.finalExp(mcl.precomputedMillerLoop2(sigma, negG2, hashes, pk)).isOne();
  };
  /** f62e7a6's BatchVerifier.#settle: verifyBatch on the batch, then on halves. */
  const previousEach = (batch: readonly Item[], out: boolean[] = []): boolean[] => {
    let ok: boolean;
    try {
      ok = previousBatch(batch);
    } catch {
      ok = false;
    }
    if (ok || batch.length === 1) out.push(...batch.map(() => ok));
    else {
      previousEach(batch.slice(0, batch.length >> 1), out);
      previousEach(batch.slice(batch.length >> 1), out);
    }
    return out;
  };
  const forged = items.map((t, i) => (i === 37 ? { ...t, signature: bls.hashToG1(t.message) } : t));
  const expected = (verdicts: boolean[], bad: number) =>
    verdicts.length === items.length && verdicts.every((v, i) => v === (i !== bad));
  const perCpuS = (verify: () => boolean) => {
    const c0 = threadCpuMicros();
    for (let k = 0; k < 4; k++) if (!verify()) throw new Error("wrong verdicts");
    return (4 * items.length * 1e6) / (threadCpuMicros() - c0);
  };
  const runs = {
    honestBefore: [] as number[],
    honestNow: [] as number[],
    forgedBefore: [] as number[],
    forgedNow: [] as number[],
  };
  for (let r = 0; r < rounds; r++) {
    runs.honestBefore.push(perCpuS(() => previousBatch(items)));
    runs.honestNow.push(perCpuS(() => expected(bls.verifyEach(items, publicKey), -1)));
    runs.forgedBefore.push(perCpuS(() => expected(previousEach(forged), 37)));
    runs.forgedNow.push(perCpuS(() => expected(bls.verifyEach(forged, publicKey), 37)));
  }
  const spread = range;
  const vs = (now: number[], before: number[]) =>
    `f62e7a6's path ${median(before).toFixed(0)} (${spread(before)}) in the same ${rounds} interleaved rounds: ${(median(now) / median(before)).toFixed(2)}×`;
  return [
    {
      metric: "tickets.verify.per_cpu_s_interleaved",
      value: median(runs.honestNow),
      unit: "tokens/CPU-s",
      note: `honest batch of ${items.length}, verifyEach (${spread(runs.honestNow)}); ${vs(runs.honestNow, runs.honestBefore)}`,
    },
    {
      metric: "tickets.verify.per_cpu_s_previous_path",
      value: median(runs.honestBefore),
      unit: "tokens/CPU-s",
      note: `f62e7a6's verifyBatch (a JavaScript mcl.G1 per σ), honest batch of ${items.length}, interleaved with today's (tickets.verify.per_cpu_s_interleaved)`,
    },
    {
      metric: "tickets.verify.per_cpu_s_one_forged",
      value: median(runs.forgedNow),
      unit: "tokens/CPU-s",
      note: `batch of ${items.length} with one forged σ, all verdicts checked (${spread(runs.forgedNow)}); ${vs(runs.forgedNow, runs.forgedBefore)} (it re-hashed every half it bisected)`,
    },
  ];
}

/**
 * Where the relay's CPU goes, in interleaved rounds (CPU µs, medians): σ
 * decompression by mcl-wasm and by blst (`native-g1.ts`, the relay's path),
 * the batch's fixed cost (2-pair pairing + one subgroup check of Σσ), and
 * `verifyEach` per CPU-second at batch 64 with either decompression and at
 * batches 128 and 256 with blst's: the measurement behind `BatchVerifier`'s
 * `DEFAULT_MAX_BATCH` (docs/tickets.md §13).
 */
export function relayPathCosts(
  bls: BlindBls,
  pool: readonly Minted[],
  publicKey: Uint8Array,
  relay: Address,
  rounds: number,
): Metric[] {
  const all = pool.map((t) => ({
    message: tokenMessage(OFF_CHAIN_DOMAIN, relay, 1n, t.serial),
    signature: t.signature,
  }));
  const b64 = all.slice(0, 64);
  const b128 = all.slice(0, 128);
  const cpuUs = (work: () => void) => {
    const c0 = threadCpuMicros();
    work();
    return threadCpuMicros() - c0;
  };
  const perCpuS = (items: typeof all, decompress?: typeof blstG1Decompressor) =>
    (4 * items.length * 1e6) /
    cpuUs(() => {
      for (let k = 0; k < 4; k++)
        if (!bls.verifyEach(items, publicKey, decompress).every(Boolean)) throw new Error("batch must verify");
    });
  const runs = { mclUs: [] as number[], blstUs: [] as number[], fixedUs: [] as number[], mcl64: [] as number[] };
  const blst64: number[] = [];
  const blst128: number[] = [];
  const blst256: number[] = [];
  for (let r = 0; r < rounds; r++) {
    runs.mclUs.push(
      cpuUs(() => {
        for (const t of all) new mcl.G1().deserialize(t.signature);
      }) / all.length,
    );
    runs.blstUs.push(
      cpuUs(() => {
        for (const t of all) blstG1Decompressor(t.signature);
      }) / all.length,
    );
    // one token: its hash and decompression, measured above, are ≈ 0.5 ms of the ≈ 6 ms; the rest is per batch
    runs.fixedUs.push(
      cpuUs(() => {
        for (let k = 0; k < 8; k++) bls.verifyEach(all.slice(0, 1), publicKey, blstG1Decompressor);
      }) / 8,
    );
    runs.mcl64.push(perCpuS(b64));
    blst64.push(perCpuS(b64, blstG1Decompressor));
    blst128.push(perCpuS(b128, blstG1Decompressor));
    blst256.push(perCpuS(all, blstG1Decompressor));
  }
  const spread = range;
  const of = `${rounds} interleaved rounds`;
  return [
    {
      metric: "tickets.decompress.us_mcl",
      value: median(runs.mclUs),
      unit: "µs",
      note: `CPU µs per σ, mcl-wasm deserialize (${spread(runs.mclUs)}; ${of})`,
    },
    {
      metric: "tickets.decompress.us_blst",
      value: median(runs.blstUs),
      unit: "µs",
      note: `CPU µs per σ, blst via @chainsafe/blst, to affine bytes (${spread(runs.blstUs)}; ${of})`,
    },
    {
      metric: "tickets.verify.us_batch_of_one",
      value: median(runs.fixedUs),
      unit: "µs",
      note: `CPU µs of verifyEach on ONE token (hash + decompression + the batch's fixed pairing and subgroup check) (${spread(runs.fixedUs)}; ${of})`,
    },
    {
      metric: "tickets.verify.per_cpu_s_mcl_decompress",
      value: median(runs.mcl64),
      unit: "tokens/CPU-s",
      note: `honest batch of 64, σ decompressed by mcl-wasm (${spread(runs.mcl64)}; ${of})`,
    },
    {
      metric: "tickets.verify.per_cpu_s_blst_decompress",
      value: median(blst64),
      unit: "tokens/CPU-s",
      note: `honest batch of 64, σ decompressed by blst, the relay's path (${spread(blst64)}; ${of}): ${(median(blst64) / median(runs.mcl64)).toFixed(2)}× mcl's`,
    },
    {
      metric: "tickets.verify.per_cpu_s_batch128",
      value: median(blst128),
      unit: "tokens/CPU-s",
      note: `honest batch of 128 (DEFAULT_MAX_BATCH), σ decompressed by blst (${spread(blst128)}; ${of}): ${(median(blst128) / median(blst64)).toFixed(2)}× batch 64`,
    },
    {
      metric: "tickets.verify.per_cpu_s_batch256",
      value: median(blst256),
      unit: "tokens/CPU-s",
      note: `honest batch of 256, σ decompressed by blst (${spread(blst256)}; ${of}): ${(median(blst256) / median(blst128)).toFixed(2)}× batch 128`,
    },
  ];
}

/** The hash of commit 00dd593: noble's expand_message_xmd, then mcl's Fp.mapToG1 twice (each clears the cofactor). */
function twoMapHash(m: Uint8Array): mcl.G1 {
  const uniform = expand_message_xmd(m, TOKEN_DST, 128, sha256);
  const [u0, u1] = [new mcl.Fp(), new mcl.Fp()];
  u0.setBigEndianMod(uniform.subarray(0, 64));
  u1.setBigEndianMod(uniform.subarray(64, 128));
  return mcl.add(u0.mapToG1(), u1.mapToG1());
}

/**
 * Finding 1 of issue 10, played on a fresh chain: an honest buyer pays for 20
 * tokens of epoch 0; the attacker deposits for 30 tokens of the unused epoch
 * current + MAX_EPOCHS_AHEAD, has the issuer's key sign messages naming epoch
 * 0 and itself as relay, redeems them, then after its epoch's deadline tries
 * to take its tokens back (reclaim). Figure: attacker's end balance − start.
 */
async function crossEpochAttack(bls: BlindBls): Promise<Metric[]> {
  const { viem, networkHelpers } = await hre.network.connect();
  const publicClient = await viem.getPublicClient();
  const [deployer, issuerW, userW, relayW, attackerW] = await viem.getWalletClients();
  const client = { public: publicClient, wallet: deployer! };
  const tokenAddress = (await viem.deployContract("ObolToken", [10n ** 9n * OBOL])).address;
  const token = getContract({ address: tokenAddress, abi: obolTokenAbi, client });
  const genesis = (await publicClient.getBlock()).timestamp;
  const bankAddress = (await viem.deployContract("TicketBank", [tokenAddress, genesis, 3600n, 4n, OBOL])).address;
  const bank = getContract({ address: bankAddress, abi: ticketBankAbi, client });
  for (const w of [issuerW!, userW!, attackerW!]) {
    await token.write.transfer([w.account.address, 1_000_000n * OBOL]);
    await token.write.approve([bankAddress, 2n ** 255n], { account: w.account });
  }
  const price = 10n ** 15n;
  const { secretKey, publicKey } = bls.keygen();
  const issuer = issuerW!.account.address;
  await bank.write.registerIssuer([bytesToHex(g2ToEip2537(publicKey)), price, 0, OBOL], { account: issuerW!.account });
  const domain = { chainId: await publicClient.getChainId(), bank: bankAddress, issuer };
  const args = (ts: Minted[]) => {
    const serials = new Uint8Array(16 * ts.length);
    ts.forEach((t, i) => {
      serials.set(t.serial, 16 * i);
    });
    return [bytesToHex(serials), bytesToHex(g1ToEip2537(bls.aggregate(ts.map((t) => t.signature))))] as const;
  };
  await bank.write.deposit([issuer, 0n, 20], { account: userW!.account });
  const honest = mint(bls, secretKey, publicKey, relayW!.account.address, 0n, 20, domain);
  const attacker = attackerW!.account.address;
  const start = await token.read.balanceOf([attacker]);
  const unused = await bank.read.MAX_EPOCHS_AHEAD();
  await bank.write.deposit([issuer, unused, 30], { account: attackerW!.account });
  const stolen = mint(bls, secretKey, publicKey, attacker, 0n, 30, domain);
  await bank.write.redeem([issuer, 0n, ...args(stolen)], { account: attackerW!.account });
  const relayBefore = await token.read.balanceOf([relayW!.account.address]);
  await bank.write.redeem([issuer, 0n, ...args(honest)], { account: relayW!.account });
  const relayPaid = (await token.read.balanceOf([relayW!.account.address])) - relayBefore;
  await networkHelpers.time.increaseTo(await bank.read.redeemDeadline([unused]));
  try {
    await bank.write.reclaim([issuer, attacker, 0n, ...args(stolen)], { account: attackerW!.account });
  } catch {
    // refused (TicketBankTokenSpent): nothing more to take back
  }
  const profit = (await token.read.balanceOf([attacker])) - start;
  return [
    {
      metric: "tickets.attack.cross_epoch_profit",
      value: Number(profit / price),
      unit: "token prices",
      note: `finding-1 strategy with 30 tokens; must be ≤ 0; honest relay paid ${relayPaid / price}/20`,
    },
  ];
}

/**
 * Fuzzes the relay's real token check (`checkToken`: decode → epoch window →
 * spent set → batch verifier → verdict stored) with `n` seeded,
 * structure-aware mutants (bench/tickets-mutants.ts: every slot field, σ
 * encodings at infinity, non-canonical, outside the subgroup, swapped,
 * combined, negated, foreign relay or domain, duplicates in one batch).
 * Figures: inputs, distinct inputs, accepted-but-invalid (must be 0),
 * refused for another reason than the mutant names (must be 0), crashes (0).
 */
async function fuzz(bls: BlindBls, secretKey: Uint8Array, publicKey: Uint8Array, n: number): Promise<Metric[]> {
  const relay = "0x00000000000000000000000000000000000000f2" as Address;
  const epoch = 7n;
  const store = new RelayTokenStore(openDatabase(":memory:"));
  const verifier = new BatchVerifier({ bls, relay, domain: OFF_CHAIN_DOMAIN, publicKey, maxBatch: 64, maxDelayMs: 1 });
  const gen = mutants("bench-fuzz-1", { bls, secretKey, publicKey, domain: OFF_CHAIN_DOMAIN, relay, epoch });
  const distinct = new Set<string>();
  let inputs = 0;
  let acceptedInvalid = 0;
  let wrongReason = 0;
  let crashes = 0;
  const start = performance.now();
  while (inputs < n) {
    const wave: Mutant[] = [];
    while (wave.length < 256) wave.push(...gen.next().value!);
    const verdicts = await Promise.all(
      wave.map((m) => checkToken(store, verifier, m.slot, epoch).catch(() => "crash" as const)),
    );
    wave.forEach((m, i) => {
      const v = verdicts[i];
      distinct.add(Buffer.from(m.slot).toString("base64"));
      if (v === "crash") crashes++;
      else if (v === null && m.expect !== null) acceptedInvalid++;
      else if (v !== m.expect) wrongReason++;
    });
    inputs += wave.length;
  }
  const seconds = (performance.now() - start) / 1000;
  return [
    {
      metric: "tickets.fuzz.inputs",
      value: inputs,
      unit: "slots",
      note: `${MUTANT_KINDS} seeded structure-aware mutant kinds through the relay's checkToken, ${(inputs / seconds).toFixed(0)}/s incl. minting`,
    },
    {
      metric: "tickets.fuzz.distinct",
      value: distinct.size,
      unit: "slots",
      note: "distinct inputs among them (duplicates-in-batch are intended)",
    },
    {
      metric: "tickets.fuzz.accepted",
      value: acceptedInvalid,
      unit: "slots",
      note: "invalid slots accepted; must be 0",
    },
    {
      metric: "tickets.fuzz.wrong_reason",
      value: wrongReason,
      unit: "slots",
      note: "refused for another reason than the mutant targets; must be 0",
    },
    { metric: "tickets.fuzz.crashes", value: crashes, unit: "slots", note: "must be 0" },
  ];
}
