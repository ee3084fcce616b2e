/**
 * Chain access of scheme B: the TicketBank contract of the deployment and the
 * network's issuer (docs/tickets.md, "Which issuer"): the issuer address is
 * read from `tk_config` when set, else it is the first `IssuerRegistered`
 * issuer of the bank that is not unbonding, and is then remembered.
 */
import type { SqlDatabase } from "../../store/port.js";
import { bytesToBigInt, getContract, hexToBytes, parseAbiItem, type Address } from "viem";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import type { ChainClients } from "../../chain/types.js";
import type { TokenDomain } from "../../crypto/blind/encoding.js";
import { TicketsUnavailableError } from "./errors.js";

export type IssuerInfo = {
  address: Address;
  /** 96-byte compressed G2 key (what the crypto uses). */
  publicKey: Uint8Array;
  price: bigint;
  winBits: number;
  /** Chain, bank and issuer: the domain every token message of this issuer names. */
  domain: TokenDomain;
};

/** A viem contract instance of the deployment's TicketBank. */
export function ticketBank(chain: ChainClients) {
  const address = chain.deployment.contracts.TicketBank;
  if (!address) throw new TicketsUnavailableError("the deployment has no TicketBank");
  return getContract({
    address,
    abi: ticketBankAbi,
    client: { public: chain.publicClient, wallet: chain.walletClient },
  });
}

/** EIP-2537 G2 (x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1) → compressed. */
function compressG2(eip: Uint8Array): Uint8Array {
  const fp = (i: number) => bytesToBigInt(eip.subarray(64 * i + 16, 64 * i + 64));
  const Fp2 = bls12_381.fields.Fp2;
  const point = bls12_381.G2.Point.fromAffine({
    x: Fp2.create({ c0: fp(0), c1: fp(1) }),
    y: Fp2.create({ c0: fp(2), c1: fp(3) }),
  });
  return point.toBytes(true);
}

/**
 * Reads an issuer's record from the bank.
 *
 * @param chain chain clients
 * @param address issuer address
 * @returns key (compressed), price and lottery bits
 * @example
 * const info = await readIssuer(chain, "0x…");
 */
export async function readIssuer(chain: ChainClients, address: Address): Promise<IssuerInfo> {
  const rec = await ticketBank(chain).read.issuer([address]);
  if (rec.publicKey === "0x") throw new TicketsUnavailableError(`no issuer registered at ${address}`);
  const domain = { chainId: chain.deployment.chainId, bank: chain.deployment.contracts.TicketBank!, issuer: address };
  return { address, publicKey: compressG2(hexToBytes(rec.publicKey)), price: rec.price, winBits: rec.winBits, domain };
}

/**
 * The network's issuer: configured in `tk_config`, else discovered from the bank's events.
 *
 * @param chain chain clients
 * @param db process database
 * @returns the issuer
 * @example
 * const issuer = await resolveIssuer(deps.chain, deps.db);
 */
export async function resolveIssuer(chain: ChainClients, db: SqlDatabase): Promise<IssuerInfo> {
  db.exec("CREATE TABLE IF NOT EXISTS tk_config (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const row = db.prepare("SELECT value FROM tk_config WHERE key = 'issuer'").get() as { value: string } | undefined;
  if (row) return readIssuer(chain, row.value as Address);
  const bank = ticketBank(chain);
  const logs = await chain.publicClient.getLogs({
    address: bank.address,
    event: parseAbiItem(
      "event IssuerRegistered(address indexed issuer, bytes32 keyHash, uint128 price, uint8 winBits, uint256 stake)",
    ),
    fromBlock: chain.deployment.startBlock,
    toBlock: "latest",
  });
  for (const log of logs) {
    const address = log.args.issuer!;
    if ((await bank.read.issuer([address])).unbonding) continue;
    setIssuer(db, address);
    return readIssuer(chain, address);
  }
  throw new TicketsUnavailableError("no active issuer is registered on the TicketBank");
}

/** The issuer pinned in `tk_config` (the one this wallet bought from), or undefined. */
export function pinnedIssuer(db: SqlDatabase): Address | undefined {
  db.exec("CREATE TABLE IF NOT EXISTS tk_config (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  return (db.prepare("SELECT value FROM tk_config WHERE key = 'issuer'").get() as { value: Address } | undefined)
    ?.value;
}

/** Pins the issuer this process uses. */
export function setIssuer(db: SqlDatabase, address: Address): void {
  db.exec("CREATE TABLE IF NOT EXISTS tk_config (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  db.prepare(
    "INSERT INTO tk_config (key, value) VALUES ('issuer', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  ).run(address);
}
