/**
 * Shared fixture for the tickets tests: ObolToken + TicketBank on Hardhat's
 * in-process chain, an issuer key (real BLS), and helpers that mint real
 * blind tokens through the client/issuer crypto.
 */
import hre from "hardhat";
import { bytesToHex, getContract, type Address } from "viem";
import { obolTokenAbi } from "../../../src/chain/abi/ObolToken.js";
import { ticketBankAbi } from "../../../src/chain/abi/TicketBank.js";
import { loadBlindBls, type BlindBls } from "../../../src/crypto/blind/bls.js";
import { g1ToEip2537, g2ToEip2537, tokenMessage, type TokenDomain } from "../../../src/crypto/blind/encoding.js";

export const OBOL = 10n ** 18n;
export const PRICE = 10n ** 15n;
export const EPOCH = 3600n;
export const WINDOW = 4n;
export const MIN_STAKE = 100n * OBOL;

export const hex = bytesToHex;

export async function connect() {
  const conn = await hre.network.connect();
  const { viem, networkHelpers } = conn;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const bls = await loadBlindBls();
  async function deploy() {
    // Typed through the generated ABIs (artifacts' .d.ts are outside tsconfig).
    const client = { public: publicClient, wallet: wallets[0]! };
    const tokenAddress = (await viem.deployContract("ObolToken", [10n ** 9n * OBOL])).address;
    const token = getContract({ address: tokenAddress, abi: obolTokenAbi, client });
    const genesis = (await publicClient.getBlock()).timestamp;
    const bankAddress = (await viem.deployContract("TicketBank", [tokenAddress, genesis, EPOCH, WINDOW, MIN_STAKE]))
      .address;
    const bank = getContract({ address: bankAddress, abi: ticketBankAbi, client });
    for (const w of wallets.slice(1, 10)) {
      await token.write.transfer([w.account.address, 1_000_000n * OBOL]);
      await token.write.approve([bank.address, 2n ** 255n], { account: w.account });
    }
    return { token, bank, genesis };
  }
  return { conn, viem, networkHelpers, publicClient, wallets, bls, deploy };
}

export type Token = { relay: Address; epoch: bigint; serial: Uint8Array; signature: Uint8Array };

/** Mints `n` real tokens of `domain` for `relay` and `epoch` through blind → sign → unblind. */
export function mintTokens(
  bls: BlindBls,
  secretKey: Uint8Array,
  publicKey: Uint8Array,
  domain: TokenDomain,
  relay: Address,
  epoch: bigint,
  n: number,
): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < n; i++) {
    const serial = crypto.getRandomValues(new Uint8Array(16));
    const state = bls.blind(tokenMessage(domain, relay, epoch, serial));
    const signature = bls.unblind(state, bls.signBlinded(secretKey, state.blinded), publicKey);
    out.push({ relay, epoch, serial, signature });
  }
  return out;
}

/** Calldata of a redemption: packed serials and the EIP-2537 aggregate signature. */
export function batchArgs(bls: BlindBls, tokens: readonly Token[]) {
  const serials = new Uint8Array(16 * tokens.length);
  tokens.forEach((t, i) => {
    serials.set(t.serial, 16 * i);
  });
  return {
    serials: bytesToHex(serials),
    signature: bytesToHex(g1ToEip2537(bls.aggregate(tokens.map((t) => t.signature)))),
  };
}

export { g1ToEip2537, g2ToEip2537, tokenMessage, type TokenDomain };
