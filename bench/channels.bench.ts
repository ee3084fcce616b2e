/**
 * Scheme A (payment channels) figures: gas from receipts on Hardhat's
 * in-process chain, relay CPU per packet for payment work, bytes per packet.
 */
import hre from "hardhat";
import { getContract, type Address } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import type { BenchOptions, Metric } from "./metric.js";
import { obolTokenAbi } from "../src/chain/abi/ObolToken.js";
import { paymentChannelsAbi } from "../src/chain/abi/PaymentChannels.js";
import { domainSeparator, privateKeySigner, signTicket, toRedeemable, type RedeemableTicket } from "../src/schemes/channels/ticket.js";
import { pointAddress } from "../src/schemes/channels/por.js";
import { ATTACHMENT_SIZE, RECEIPT_SIZE, SLOT_SIZE } from "../src/schemes/channels/constants.js";

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
  const next = new Map<Address, bigint>();
  const ticket = async (s: (typeof sources)[number]): Promise<RedeemableTicket> => {
    const index = (next.get(s.signer.address) ?? 0n) + 1n;
    next.set(s.signer.address, index);
    const id = await channels.read.channelId([s.signer.address, relay.address]);
    const response = 0x1234567890abcdefn + index;
    const signed = await signTicket(
      { channel: id, amount: OBOL / 100n, index, epoch: 1n, winProb: MAX_WIN, challenge: pointAddress(response) },
      domain,
      s.signer,
    );
    return toRedeemable(signed, s.signer.address, response);
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
    { metric: "channels.gas.redeem_ticket", value: Number(single), unit: "gas", note: "one winning ticket, own tx, incl. token transfer" },
    { metric: "channels.gas.redeem_batch_per_ticket", value: Number(batchGas / 50n), unit: "gas", note: "batch of 50 over 10 channels, one transfer" },
    { metric: "channels.gas.redeem_batch_per_ticket_one_channel", value: Number(oneChannelGas / 50n), unit: "gas", note: "batch of 50 on one channel" },
  ];
}

/** Runs the channels benchmarks. */
export async function run(options: BenchOptions): Promise<Metric[]> {
  const metrics = await gasFigures();
  void options;
  metrics.push({ metric: "channels.bytes_per_packet", value: SLOT_SIZE + ATTACHMENT_SIZE + RECEIPT_SIZE, unit: "bytes", note: `per hop: slot ${SLOT_SIZE} + attachment ${ATTACHMENT_SIZE} + receipt ${RECEIPT_SIZE}` });
  return metrics;
}
