/**
 * Shared fixture for the channels tests: ObolToken + PaymentChannels on
 * Hardhat's in-process chain, and the default accounts with their private
 * keys (Hardhat's well-known test mnemonic) so tickets can be signed locally.
 */
import hre from "hardhat";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { bytesToHex, createWalletClient, custom, getContract, zeroAddress, type Address } from "viem";
import type { ChainClients } from "../../../src/chain/types.js";
import type { PacketVerdict } from "../../../src/schemes/scheme.js";
import { obolTokenAbi } from "../../../src/chain/abi/ObolToken.js";
import { paymentChannelsAbi } from "../../../src/chain/abi/PaymentChannels.js";
import {
  domainSeparator,
  privateKeySigner,
  signTicket,
  toRedeemable,
  type Ticket,
  type TicketSigner,
} from "../../../src/schemes/channels/ticket.js";
import { pointAddress } from "../../../src/schemes/channels/por.js";

export const OBOL = 10n ** 18n;
export const NOTICE = 3600;
export const MAX_WIN = (1n << 56n) - 1n;
const MNEMONIC = "test test test test test test test test test test test junk";

export function hardhatKey(index: number): Uint8Array {
  return mnemonicToAccount(MNEMONIC, { addressIndex: index }).getHdKey().privateKey!;
}

export async function connect() {
  const conn = await hre.network.connect();
  const { viem, networkHelpers } = conn;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const signers: TicketSigner[] = wallets.map((_, i) => privateKeySigner(hardhatKey(i)));
  async function deploy() {
    // Typed through the generated ABIs (artifacts' .d.ts are outside tsconfig).
    const client = { public: publicClient, wallet: wallets[0]! };
    const tokenAddress = (await viem.deployContract("ObolToken", [10n ** 9n * OBOL])).address;
    const token = getContract({ address: tokenAddress, abi: obolTokenAbi, client });
    const channelsAddress = (await viem.deployContract("PaymentChannels", [tokenAddress, NOTICE])).address;
    const channels = getContract({ address: channelsAddress, abi: paymentChannelsAbi, client });
    for (const w of wallets.slice(1, 8)) {
      await token.write.transfer([w.account.address, 1_000_000n * OBOL]);
      await token.write.approve([channels.address, 2n ** 255n], { account: w.account });
    }
    const chainId = await publicClient.getChainId();
    const domain = domainSeparator(chainId, channels.address);
    return { token, channels, domain, chainId };
  }
  return { conn, viem, networkHelpers, publicClient, wallets, signers, deploy };
}

/** The round secret the contract tests' destinations commit for round 1. */
export const ROUND_SECRET = new Uint8Array(32).fill(7);
/** First ticket index of lottery round 1 minus one: indices `R1 + k` name round 1. */
export const R1 = 1n << 24n;

/** A ticket whose response is `response`, signed by `signer`, redeemable with `roundSecret`. */
export async function makeTicket(
  domain: Uint8Array,
  signer: TicketSigner,
  fields: Omit<Ticket, "challenge"> & { response: bigint; challenge?: Address; roundSecret?: Uint8Array },
) {
  const { response, roundSecret = ROUND_SECRET, ...rest } = fields;
  const ticket: Ticket = { ...rest, challenge: fields.challenge ?? pointAddress(response) };
  const signed = await signTicket(ticket, domain, signer);
  return { signed, redeemable: toRedeemable(signed, signer.address, response, roundSecret) };
}

export const hex = bytesToHex;

/**
 * The attachment a relay sends on for an accepted packet, as its pipeline makes
 * it when the packet leaves the delay queue (`PacketVerdict.onward`).
 */
export async function leave(v: PacketVerdict): Promise<Uint8Array> {
  if (!v.accept) throw new Error(`refused: ${v.reason}`);
  return v.onward ? v.onward() : v.attachment;
}

/**
 * ChainClients for Hardhat account `index` with a LOCAL viem account (it
 * signs tickets and transactions itself, as a relay or client process does).
 */
export async function chainClientsFor(
  env: Awaited<ReturnType<typeof connect>>,
  index: number,
  contracts: { ObolToken: Address; PaymentChannels: Address },
): Promise<ChainClients> {
  const publicClient = (await env.viem.getPublicClient()) as unknown as ChainClients["publicClient"];
  const account = privateKeyToAccount(bytesToHex(hardhatKey(index)));
  const walletClient = createWalletClient({ account, chain: publicClient.chain, transport: custom(env.conn.provider) });
  return {
    publicClient,
    walletClient,
    account: account.address,
    deployment: {
      chainId: publicClient.chain.id,
      rpcUrl: "in-process",
      startBlock: 0n,
      contracts: {
        ObolToken: contracts.ObolToken,
        RelayRegistry: zeroAddress,
        PaymentChannels: contracts.PaymentChannels,
      },
    },
  };
}

/**
 * Chain access for each of Hardhat's accounts `indices`, in that order, typed
 * as a tuple of the same length so a test destructures it without a cast.
 */
export async function chainsFor<const I extends readonly number[]>(
  env: Awaited<ReturnType<typeof connect>>,
  contracts: { ObolToken: Address; PaymentChannels: Address },
  indices: I,
): Promise<{ -readonly [K in keyof I]: ChainClients }> {
  const chains: ChainClients[] = [];
  for (const i of indices) chains.push(await chainClientsFor(env, i, contracts));
  return chains as { -readonly [K in keyof I]: ChainClients };
}
