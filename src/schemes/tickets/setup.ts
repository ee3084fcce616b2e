/**
 * Issuer setup shared by `obol issuer` and the devnet: the BLS key file and
 * on-chain registration (approve + registerIssuer) when not yet registered.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { bytesToHex, getContract, hexToBytes, isHex } from "viem";
import type { ChainClients } from "../../chain/types.js";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import type { BlindBls } from "../../crypto/blind/bls.js";
import { g2ToEip2537 } from "../../crypto/blind/encoding.js";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { InvalidInputError } from "../../errors.js";
import { ticketBank } from "./bank.js";

/** File (inside the data directory) holding the issuer's BLS secret key as 0x-hex. */
export const ISSUER_KEY_FILE = "issuer.bls";

/**
 * Loads the BLS secret key at `path`, creating one (mode 0600) when absent.
 *
 * @returns secret key and compressed G2 public key
 * @example
 * const { secretKey, publicKey } = loadOrCreateIssuerKey(".obol/issuer.bls", bls);
 */
export function loadOrCreateIssuerKey(path: string, bls: BlindBls): { secretKey: Uint8Array; publicKey: Uint8Array } {
  if (existsSync(path)) {
    const text = readFileSync(path, "utf8").trim();
    if (!isHex(text) || text.length !== 66)
      throw new InvalidInputError("issuer key file", `${path} must hold 0x + 64 hex digits`);
    const secretKey = hexToBytes(text);
    return { secretKey, publicKey: bls12_381.shortSignatures.getPublicKey(secretKey).toBytes(true) };
  }
  const pair = bls.keygen();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${bytesToHex(pair.secretKey)}\n`, { mode: 0o600, flag: "wx" });
  return pair;
}

/**
 * Registers `chain.account` as issuer with `publicKey` unless it already is.
 *
 * @returns whether a registration was sent
 * @example
 * await ensureIssuerRegistered(chain, { publicKey, price, winBits: 0, stake });
 */
export async function ensureIssuerRegistered(
  chain: ChainClients,
  { publicKey, price, winBits, stake }: { publicKey: Uint8Array; price: bigint; winBits: number; stake: bigint },
): Promise<boolean> {
  const bank = ticketBank(chain);
  const rec = await bank.read.issuer([chain.account]);
  if (rec.publicKey !== "0x") {
    if (rec.publicKey.toLowerCase() !== bytesToHex(g2ToEip2537(publicKey)).toLowerCase())
      throw new InvalidInputError("issuer key", "this account is registered with another BLS key", {
        hint: "use the issuer.bls file it was registered with",
      });
    return false;
  }
  const token = getContract({
    address: chain.deployment.contracts.ObolToken,
    abi: obolTokenAbi,
    client: { public: chain.publicClient, wallet: chain.walletClient },
  });
  await chain.publicClient.waitForTransactionReceipt({ hash: await token.write.approve([bank.address, stake]) });
  await chain.publicClient.waitForTransactionReceipt({
    hash: await bank.write.registerIssuer([bytesToHex(g2ToEip2537(publicKey)), price, winBits, stake]),
  });
  return true;
}
