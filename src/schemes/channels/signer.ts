/**
 * Ticket signers backed by the chain account of a process: a local viem
 * account signs the digest directly (fast path, no RPC); a JSON-RPC account
 * (e.g. Hardhat's unlocked accounts) signs the same typed data through
 * `eth_signTypedData_v4`, which yields the same signature.
 */
import { hexToBytes, bytesToHex, type Account } from "viem";
import type { ChainClients } from "../../chain/types.js";
import { EIP712_NAME, EIP712_VERSION } from "./constants.js";
import { channelsAddress } from "./chain.js";
import { compactFromRsv, privateKeySigner, type TicketSigner } from "./ticket.js";
import { nativeSecp256k1 } from "./secp.js";
import { rawKeyOf } from "../../chain/client.js";

/** The private key of a viem HD account (`mnemonicToAccount`, dev networks), else undefined. */
function hdKeyOf(account: Account): Uint8Array | undefined {
  const hd = (account as { getHdKey?: () => { privateKey: Uint8Array | null } }).getHdKey;
  return typeof hd === "function" ? (hd.call(account).privateKey ?? undefined) : undefined;
}

/**
 * The signer of `chain.walletClient.account`.
 *
 * @param chain chain clients of the channel source
 * @returns a TicketSigner producing EIP-2098 compact signatures
 * @example
 * const signed = await signTicket(ticket, domain, chainSigner(chain));
 */
export function chainSigner(chain: ChainClients): TicketSigner {
  return localSigner(chain) ?? rpcSigner(chain);
}

/**
 * The signer of `chain.walletClient.account` when it signs in this process (a raw key through
 * libsecp256k1, or a local viem account), else null: the account signs only through the node's
 * JSON-RPC (`eth_signTypedData_v4`), one round trip per ticket.
 *
 * @param chain chain clients of the channel source
 * @returns a TicketSigner that never leaves the process, or null
 */
export function localSigner(chain: ChainClients): TicketSigner | null {
  const account = chain.walletClient.account;
  // A relay signs one onward ticket per packet: with the raw key at hand, libsecp256k1 signs
  // it (same RFC 6979 low-s bytes as viem's account.sign, which is noble in JavaScript).
  const key = rawKeyOf(account) ?? hdKeyOf(account);
  if (key && nativeSecp256k1) {
    const signer = privateKeySigner(key);
    if (signer.address.toLowerCase() === account.address.toLowerCase())
      return { address: account.address, signDigest: signer.signDigest };
  }
  if (account.type === "local" && account.sign) {
    const sign = account.sign;
    return {
      address: account.address,
      async signDigest(digest) {
        return compactFromRsv(hexToBytes(await sign({ hash: bytesToHex(digest) })));
      },
    };
  }
  return null;
}

/** The signer of a JSON-RPC account (e.g. Hardhat's unlocked accounts): `eth_signTypedData_v4`, same signature bytes. */
function rpcSigner(chain: ChainClients): TicketSigner {
  const account = chain.walletClient.account;
  const domain = {
    name: EIP712_NAME,
    version: EIP712_VERSION,
    chainId: chain.walletClient.chain.id,
    verifyingContract: channelsAddress(chain),
  } as const;
  return {
    address: account.address,
    async signDigest(_digest, t) {
      const sig = await chain.walletClient.signTypedData({
        account,
        domain,
        primaryType: "Ticket",
        types: {
          Ticket: [
            { name: "channel", type: "bytes32" },
            { name: "amount", type: "uint96" },
            { name: "index", type: "uint48" },
            { name: "epoch", type: "uint24" },
            { name: "winProb", type: "uint56" },
            { name: "challenge", type: "address" },
          ],
        },
        message: {
          channel: t.channel,
          amount: t.amount,
          index: Number(t.index),
          epoch: Number(t.epoch),
          winProb: t.winProb,
          challenge: t.challenge,
        },
      });
      return compactFromRsv(hexToBytes(sig));
    },
  };
}
