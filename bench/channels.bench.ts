/**
 * Scheme A (payment channels) figures: gas from receipts on Hardhat's
 * in-process chain, relay CPU per packet for payment work, bytes per packet.
 */
import hre from "hardhat";
import { randomBytes } from "node:crypto";
import { bytesToHex, createWalletClient, custom, getContract, zeroAddress, type Address } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import type { Libp2p } from "@libp2p/interface";
import { opsPerSecond, type BenchOptions, type Metric } from "./metric.js";
import type { ChainClients } from "../src/chain/types.js";
import type { RouteHop } from "../src/schemes/scheme.js";
import { openDatabase } from "../src/store/db.js";
import { silentLogger } from "../src/log.js";
import { ChannelsClient } from "../src/schemes/channels/client.js";
import { ChannelsRelay } from "../src/schemes/channels/relay.js";
import { openChannel } from "../src/schemes/channels/chain.js";
import { decodeSlot, encodeReceipt } from "../src/schemes/channels/slot.js";
import { ackKey, challengeAnswerable, ownKey } from "../src/schemes/channels/por.js";
import { decodeAttachment, recoverSigner } from "../src/schemes/channels/ticket.js";
import { obolTokenAbi } from "../src/chain/abi/ObolToken.js";
import { paymentChannelsAbi } from "../src/chain/abi/PaymentChannels.js";
import { domainSeparator, privateKeySigner, roundCommitment, signTicket, toRedeemable, type RedeemableTicket } from "../src/schemes/channels/ticket.js";
import { pointAddress } from "../src/schemes/channels/por.js";
import { ATTACHMENT_SIZE, DEFAULT_PARAMS, RECEIPT_SIZE, SLOT_SIZE } from "../src/schemes/channels/constants.js";

const OBOL = 10n ** 18n;
const MNEMONIC = "test test test test test test test test test test test junk";
const MAX_WIN = (1n << 56n) - 1n;

async function gasFigures(): Promise<Metric[]> {
  const { viem } = await hre.network.connect();
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const client = { public: publicClient, wallet: wallets[0]! };
  const tokenAddress = (await viem.deployContract("ObolToken", [10n ** 9n * OBOL])).address;
  const token = getContract({ address: tokenAddress, abi: obolTokenAbi, client });
  const channelsAddress = (await viem.deployContract("PaymentChannels", [tokenAddress, 3600])).address;
  const channels = getContract({ address: channelsAddress, abi: paymentChannelsAbi, client });
  const domain = domainSeparator(await publicClient.getChainId(), channelsAddress);
  const relay = wallets[19]!.account;
  const gas = async (hash: `0x${string}`) => (await publicClient.waitForTransactionReceipt({ hash })).gasUsed;

  // Ten sources with an open channel to the relay; the relay already holds tokens
  // (a relay that has been paid before: its balance slot is non-zero).
  const sources = wallets.slice(1, 11).map((w, i) => ({
    account: w.account,
    signer: privateKeySigner(mnemonicToAccount(MNEMONIC, { addressIndex: i + 1 }).getHdKey().privateKey!),
  }));
  await token.write.transfer([relay.address, OBOL]);
  let openGas = 0n;
  for (const s of sources) {
    await token.write.transfer([s.account.address, 1000n * OBOL]);
    await token.write.approve([channelsAddress, 2n ** 255n], { account: s.account });
    openGas = await gas(await channels.write.openChannel([relay.address, 500n * OBOL], { account: s.account }));
  }
  // The relay's lottery round 1 (every ticket's index names it: round << 24 | n).
  const roundSecret = new Uint8Array(32).fill(5);
  const commitGas = await gas(await channels.write.commitRound([roundCommitment(roundSecret)], { account: relay }));
  const next = new Map<Address, bigint>();
  const ticket = async (s: (typeof sources)[number]): Promise<RedeemableTicket> => {
    const index = (next.get(s.signer.address) ?? 1n << 24n) + 1n;
    next.set(s.signer.address, index);
    const id = await channels.read.channelId([s.signer.address, relay.address]);
    const response = 0x1234567890abcdefn + index;
    const signed = await signTicket(
      { channel: id, amount: OBOL / 100n, index, epoch: 1n, winProb: MAX_WIN, challenge: pointAddress(response) },
      domain,
      s.signer,
    );
    return toRedeemable(signed, s.signer.address, response, roundSecret);
  };

  const single = await gas(await channels.write.redeemTicket([await ticket(sources[0]!)], { account: relay }));
  const batch: RedeemableTicket[] = [];
  for (let i = 0; i < 50; i++) batch.push(await ticket(sources[i % sources.length]!));
  batch.sort((a, b) => a.source.localeCompare(b.source) || a.index - b.index);
  const batchGas = await gas(await channels.write.redeemTickets([batch], { account: relay }));
  const oneChannel: RedeemableTicket[] = [];
  for (let i = 0; i < 50; i++) oneChannel.push(await ticket(sources[0]!));
  const oneChannelGas = await gas(await channels.write.redeemTickets([oneChannel], { account: relay }));
  return [
    { metric: "channels.gas.open", value: Number(openGas), unit: "gas", note: "openChannel incl. transferFrom" },
    { metric: "channels.gas.commit_round", value: Number(commitGas), unit: "gas", note: "commitRound: one per relay per epoch, shared by all its incoming channels" },
    { metric: "channels.gas.redeem_ticket", value: Number(single), unit: "gas", note: "one winning ticket, own tx, incl. token transfer" },
    { metric: "channels.gas.redeem_batch_per_ticket", value: Number(batchGas / 50n), unit: "gas", note: "batch of 50 over 10 channels, one transfer" },
    { metric: "channels.gas.redeem_batch_per_ticket_one_channel", value: Number(oneChannelGas / 50n), unit: "gas", note: "batch of 50 on one channel" },
  ];
}

/**
 * Relay CPU for payment work on a middle hop (ticket checks, sqlite writes,
 * signing the onward ticket) and on receipts; client cost per packet; and the
 * per-check split, so docs/channels.md can say what per-packet checking costs.
 */
async function cpuFigures(quick: boolean): Promise<Metric[]> {
  const conn = await hre.network.connect();
  const { viem } = conn;
  const publicClient = (await viem.getPublicClient()) as unknown as ChainClients["publicClient"];
  const tokenAddress = (await viem.deployContract("ObolToken", [10n ** 9n * OBOL])).address;
  const channelsAddress = (await viem.deployContract("PaymentChannels", [tokenAddress, 3600])).address;
  const chains = [1, 2, 3, 4].map((i): ChainClients => {
    const account = privateKeyToAccount(bytesToHex(mnemonicToAccount(MNEMONIC, { addressIndex: i }).getHdKey().privateKey!));
    return {
      publicClient,
      walletClient: createWalletClient({ account, chain: publicClient.chain, transport: custom(conn.provider) }),
      account: account.address,
      deployment: { chainId: publicClient.chain.id, rpcUrl: "in-process", startBlock: 0n, contracts: { ObolToken: tokenAddress, RelayRegistry: zeroAddress, PaymentChannels: channelsAddress } },
    };
  });
  const [client, a, b, c] = chains as [ChainClients, ChainClients, ChainClients, ChainClients];
  const token = getContract({ address: tokenAddress, abi: obolTokenAbi, client: { public: publicClient, wallet: (await viem.getWalletClients())[0]! } });
  for (const ch of chains) await token.write.transfer([ch.account, 10_000n * OBOL]);
  await openChannel(client, a.account, 1000n * OBOL);
  await openChannel(a, b.account, 1000n * OBOL);
  const params = DEFAULT_PARAMS;
  const deps = (ch: ChainClients) => ({ chain: ch, db: openDatabase(":memory:"), log: silentLogger(), libp2p: null as unknown as Libp2p });
  const payer = new ChannelsClient(deps(client), { params });
  const relayA = new ChannelsRelay({ ...deps(a), relay: a.account }, { params, topUpBelowUnits: 0n, redeemThreshold: 1e9 });
  await relayA.start();
  const route: RouteHop[] = [a, b, c].map((ch, layer) => ({ relay: ch.account, mixKey: new Uint8Array(32), layer }));
  const n = quick ? 200 : 2000;
  const packets = [];
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const secrets = route.map(() => new Uint8Array(randomBytes(32)));
    packets.push({ secrets, pay: await payer.pay({ route, secrets, epoch: 1n, kind: "payload" }) });
  }
  const clientUs = ((performance.now() - t0) * 1000) / n;
  t0 = performance.now();
  for (const p of packets) {
    const v = await relayA.onPacket({
      slot: p.pay.slots[0]!, attachment: p.pay.attachment, ss: p.secrets[0]!, replayTag: new Uint8Array(32),
      packetRef: new Uint8Array(32), fromPeer: "bench", nextHop: b.account, epoch: 1n,
    });
    if (!v.accept) throw new Error(`bench packet refused: ${v.reason}`);
  }
  const relayUs = ((performance.now() - t0) * 1000) / n;
  // Same work with signatures verified only for winners (docs/channels.md §5).
  const lazy = new ChannelsRelay({ ...deps(a), relay: a.account }, { params, topUpBelowUnits: 0n, redeemThreshold: 1e9, verifySignature: "winners-only" });
  await lazy.start();
  const lazyPackets = [];
  for (let i = 0; i < n; i++) {
    const secrets = route.map(() => new Uint8Array(randomBytes(32)));
    lazyPackets.push({ secrets, pay: await payer.pay({ route, secrets, epoch: 1n, kind: "payload" }) });
  }
  t0 = performance.now();
  for (const p of lazyPackets) {
    const v = await lazy.onPacket({
      slot: p.pay.slots[0]!, attachment: p.pay.attachment, ss: p.secrets[0]!, replayTag: new Uint8Array(32),
      packetRef: new Uint8Array(32), fromPeer: "bench", nextHop: b.account, epoch: 1n,
    });
    if (!v.accept) throw new Error(`bench packet refused: ${v.reason}`);
  }
  const lazyUs = ((performance.now() - t0) * 1000) / n;

  const receipts = packets.map((p) => encodeReceipt(ackKey(p.secrets[1]!)));
  t0 = performance.now();
  for (const r of receipts) await relayA.onReceipt({ packetRef: new Uint8Array(32), receipt: r, fromPeer: "bench" });
  const receiptUs = ((performance.now() - t0) * 1000) / n;
  if (relayA.stats.receipts !== n) throw new Error("bench receipts did not match");

  // Fuzz: random 1–3 byte changes to a valid (attachment, slot) pair, fed to the relay.
  // Never accepted, never thrown. OBOL_CHANNELS_FUZZ sets the count (DESIGN §8 asks 100k).
  const fuzzN = Number(process.env.OBOL_CHANNELS_FUZZ ?? (quick ? 300 : 20_000));
  const secrets = route.map(() => new Uint8Array(randomBytes(32)));
  const base = await payer.pay({ route, secrets, epoch: 1n, kind: "payload" });
  let accepted = 0;
  let crashes = 0;
  for (let i = 0; i < fuzzN; i++) {
    const slot = base.slots[0]!.slice();
    const attachment = base.attachment.slice();
    const inSlot = Math.random() < 0.25;
    const flips = 1 + Math.floor(Math.random() * 3);
    for (let f = 0; f < flips; f++) {
      const x = 1 + Math.floor(Math.random() * 255);
      if (inSlot) slot[Math.floor(Math.random() * 35)]! ^= x; // flags, remaining, hint
      else attachment[Math.floor(Math.random() * attachment.length)]! ^= x;
    }
    if (Buffer.compare(Buffer.from(slot), Buffer.from(base.slots[0]!)) === 0 && Buffer.compare(Buffer.from(attachment), Buffer.from(base.attachment)) === 0) continue;
    try {
      const v = await relayA.onPacket({ slot, attachment, ss: secrets[0]!, replayTag: new Uint8Array(32), packetRef: new Uint8Array(32), fromPeer: "fuzz", nextHop: b.account, epoch: 1n });
      // Lowering `remaining` only cheapens the onward ticket (the Sphinx MAC protects it on the wire).
      if (v.accept && !(inSlot && slot[1]! < base.slots[0]![1]! && slot[1]! > 0 && Buffer.compare(Buffer.from(slot.subarray(2)), Buffer.from(base.slots[0]!.subarray(2))) === 0 && slot[0] === 0)) accepted++;
    } catch {
      crashes++;
    }
  }

  // Split of the per-packet cost.
  const ms = quick ? 300 : 1500;
  const sk = new Uint8Array(randomBytes(32));
  const signer = privateKeySigner(sk);
  const digest = new Uint8Array(randomBytes(32));
  const sig = signer.signDigest(digest, null as never) as Uint8Array;
  const own = ownKey(packets[0]!.secrets[0]!);
  const hint = decodeSlot(packets[0]!.pay.slots[0]!).hint;
  const challenge = decodeAttachment(packets[0]!.pay.attachment).challenge;
  return [
    { metric: "channels.relay_us_per_packet", value: relayUs, unit: "µs", note: "mid hop: all checks + sqlite + signing the onward ticket (in-memory db)" },
    { metric: "channels.relay_us_per_packet_winners_only", value: lazyUs, unit: "µs", note: "same, signature verified only for winning tickets" },
    { metric: "channels.relay_us_per_receipt", value: receiptUs, unit: "µs", note: "ack → response → win decision → store" },
    { metric: "channels.client_us_per_packet", value: clientUs, unit: "µs", note: "3-hop route: challenges, slots, one signed ticket" },
    { metric: "channels.fuzz_tickets", value: fuzzN, unit: "tickets", note: "mutated attachments/slots fed to onPacket" },
    { metric: "channels.fuzz_tickets_accepted", value: accepted, unit: "tickets", note: "must be 0" },
    { metric: "channels.fuzz_tickets_crashes", value: crashes, unit: "tickets", note: "must be 0" },
    { metric: "channels.check_signature_us", value: 1e6 / opsPerSecond(() => recoverSigner(digest, sig), ms), unit: "µs", note: "ECDSA recover (noble)" },
    { metric: "channels.check_challenge_us", value: 1e6 / opsPerSecond(() => challengeAnswerable(own, hint, challenge), ms), unit: "µs", note: "own·G + hint, keccak" },
    { metric: "channels.sign_onward_us", value: 1e6 / opsPerSecond(() => signer.signDigest(digest, null as never), ms), unit: "µs", note: "ECDSA sign (noble, RFC 6979)" },
  ];
}

/** Runs the channels benchmarks. */
export async function run(options: BenchOptions): Promise<Metric[]> {
  const metrics = await gasFigures();
  metrics.push(...(await cpuFigures(options.quick)));
  metrics.push({ metric: "channels.bytes_per_packet", value: SLOT_SIZE + ATTACHMENT_SIZE + RECEIPT_SIZE, unit: "bytes", note: `per hop: slot ${SLOT_SIZE} + attachment ${ATTACHMENT_SIZE} + receipt ${RECEIPT_SIZE}` });
  return metrics;
}
