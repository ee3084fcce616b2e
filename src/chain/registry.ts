/**
 * Relay operator actions on the RelayRegistry (docs/registry.md): register,
 * rotate keys, move, add stake, unbond, withdraw; plus the admin's grant of
 * FAULT_RECORDER_ROLE to scheme contracts.
 */
import { bytesToHex, keccak256, toBytes, type Address } from "viem";
import { InvalidInputError } from "../errors.js";
import { obolTokenAbi } from "./abi/ObolToken.js";
import { relayRegistryAbi } from "./abi/RelayRegistry.js";
import { sendContractTx, type TxOutcome } from "./tx.js";
import type { ChainClients, RelayRole } from "./types.js";

/** Limits enforced by the contract (RelayRegistry.MAX_*). */
export const MAX_MULTIADDR_LENGTH = 256;
export const MAX_BLS_KEY_LENGTH = 256;
export const MIX_KEY_LENGTH = 32;

export const ROLE_CODES: Record<RelayRole, number> = { gateway: 0, mix: 1 };
export const RELAY_STATUSES = ["none", "active", "unbonding"] as const;
export type RelayStatus = (typeof RELAY_STATUSES)[number];

/**
 * The registry's ABI plus the token's custom errors: `register` and `addStake`
 * call `transferFrom`, whose reverts (ERC20InsufficientBalance …) bubble up
 * and should decode by name too.
 */
const registryCallAbi = [...relayRegistryAbi, ...obolTokenAbi.filter((item) => item.type === "error")] as const;

/** `keccak256("FAULT_RECORDER_ROLE")`, the AccessControl role of scheme contracts. */
export const FAULT_RECORDER_ROLE = keccak256(toBytes("FAULT_RECORDER_ROLE"));

export type RegisterRelayParameters = {
  role: RelayRole;
  /** 32-byte X25519 public key. */
  mixKey: Uint8Array;
  /** BLS12-381 / VRF public key bytes; default empty. */
  blsKey?: Uint8Array;
  /** libp2p multiaddr including `/p2p/<peerId>`. */
  multiaddr: string;
  /** Token units to stake; default the registry's minimum. */
  stake?: bigint;
};

export type RegisterRelayReturnType = {
  /** First epoch the relay is listed in. */
  activeFrom: bigint;
  /** The approval, when the allowance was short. */
  approve: TxOutcome | undefined;
  register: TxOutcome;
};

/**
 * Approves the stake (if needed) and registers `chain.account` as a relay.
 *
 * @param chain clients of the operator's account (holding the stake).
 * @param parameters role, keys, multiaddr, stake.
 * @returns receipts' figures and the first listed epoch (the next one).
 * @throws InvalidInputError naming the field; ContractRevertError from the registry.
 * @example
 * await registerRelay(chain, { role: "mix", mixKey, multiaddr: "/ip4/127.0.0.1/tcp/4001/p2p/12D3…" });
 */
export async function registerRelay(
  chain: ChainClients,
  { role, mixKey, blsKey = new Uint8Array(), multiaddr, stake }: RegisterRelayParameters,
): Promise<RegisterRelayReturnType> {
  if (!(role in ROLE_CODES)) throw new InvalidInputError("role", `must be "gateway" or "mix", got "${role}"`);
  validateKeys(mixKey, blsKey);
  validateMultiaddr(multiaddr);
  const registry = chain.deployment.contracts.RelayRegistry;
  const minStake = await chain.publicClient.readContract({
    address: registry,
    abi: relayRegistryAbi,
    functionName: "minStake",
  });
  const amount = stake ?? minStake;
  if (amount < minStake) throw new InvalidInputError("stake", `${amount} is below the registry's minimum ${minStake}`);
  const approve = await ensureAllowance(chain, amount);
  const register = await sendContractTx(
    chain,
    {
      address: registry,
      abi: registryCallAbi,
      functionName: "register",
      args: [ROLE_CODES[role], bytesToHex(mixKey), bytesToHex(blsKey), multiaddr, amount],
    },
    "register relay",
  );
  const info = await readRelay(chain, chain.account);
  return { activeFrom: info.activeFrom, approve, register };
}

/**
 * Commits new keys; they are in force from the next epoch (docs/registry.md).
 *
 * @param chain operator's clients.
 * @param keys new mix key (32 bytes) and BLS/VRF key (≤ 256 bytes).
 * @returns the transaction's figures.
 */
export async function updateRelayKeys(
  chain: ChainClients,
  { mixKey, blsKey = new Uint8Array() }: { mixKey: Uint8Array; blsKey?: Uint8Array },
): Promise<TxOutcome> {
  validateKeys(mixKey, blsKey);
  return sendContractTx(
    chain,
    {
      address: chain.deployment.contracts.RelayRegistry,
      abi: relayRegistryAbi,
      functionName: "updateKeys",
      args: [bytesToHex(mixKey), bytesToHex(blsKey)],
    },
    "update relay keys",
  );
}

/**
 * Replaces the operator's multiaddr at once.
 *
 * @param chain operator's clients.
 * @param multiaddr new libp2p multiaddr.
 * @returns the transaction's figures.
 */
export async function updateRelayMultiaddr(chain: ChainClients, multiaddr: string): Promise<TxOutcome> {
  validateMultiaddr(multiaddr);
  return sendContractTx(
    chain,
    {
      address: chain.deployment.contracts.RelayRegistry,
      abi: relayRegistryAbi,
      functionName: "updateMultiaddr",
      args: [multiaddr],
    },
    "update relay multiaddr",
  );
}

/**
 * Approves (if needed) and adds `amount` to the operator's stake.
 *
 * @param chain operator's clients.
 * @param amount token units, > 0.
 * @returns the addStake transaction's figures.
 */
export async function addRelayStake(chain: ChainClients, amount: bigint): Promise<TxOutcome> {
  if (amount <= 0n) throw new InvalidInputError("amount", "must be positive");
  await ensureAllowance(chain, amount);
  return sendContractTx(
    chain,
    {
      address: chain.deployment.contracts.RelayRegistry,
      abi: registryCallAbi,
      functionName: "addStake",
      args: [amount],
    },
    "add relay stake",
  );
}

/**
 * Leaves the directory from the next epoch; stake unlocks after the delay.
 *
 * @param chain operator's clients.
 * @returns the transaction's figures.
 */
export async function unbondRelay(chain: ChainClients): Promise<TxOutcome> {
  return sendContractTx(
    chain,
    { address: chain.deployment.contracts.RelayRegistry, abi: relayRegistryAbi, functionName: "unbond", args: [] },
    "unbond relay",
  );
}

/**
 * Takes the stake back once unlocked and removes the relay's record.
 *
 * @param chain operator's clients.
 * @returns the transaction's figures.
 */
export async function withdrawRelayStake(chain: ChainClients): Promise<TxOutcome> {
  return sendContractTx(
    chain,
    { address: chain.deployment.contracts.RelayRegistry, abi: relayRegistryAbi, functionName: "withdraw", args: [] },
    "withdraw relay stake",
  );
}

/**
 * Admin only: lets a scheme contract call `recordFault` / `slash`.
 *
 * @param chain clients of the registry admin (the deployer).
 * @param account the scheme contract's address.
 * @returns the transaction's figures.
 */
export async function grantFaultRecorder(chain: ChainClients, account: Address): Promise<TxOutcome> {
  return sendContractTx(
    chain,
    {
      address: chain.deployment.contracts.RelayRegistry,
      abi: relayRegistryAbi,
      functionName: "grantRole",
      args: [FAULT_RECORDER_ROLE, account],
    },
    "grant FAULT_RECORDER_ROLE",
  );
}

export type RelayRecord = {
  relay: Address;
  role: RelayRole;
  status: RelayStatus;
  stake: bigint;
  activeFrom: bigint;
  /** First epoch not listed; 2^64−1 while active. */
  exitEpoch: bigint;
  /** Unix seconds from which `withdraw` succeeds; 0 while active. */
  unlockAt: bigint;
  multiaddr: string;
  faults: bigint;
};

/**
 * Reads one relay's record (status "none" when unregistered).
 *
 * @param chain connected clients.
 * @param relay operator address; default `chain.account`.
 * @returns the decoded record with its fault count.
 */
export async function readRelay(chain: ChainClients, relay: Address = chain.account): Promise<RelayRecord> {
  const address = chain.deployment.contracts.RelayRegistry;
  const [info, faults] = await Promise.all([
    chain.publicClient.readContract({ address, abi: relayRegistryAbi, functionName: "relayInfo", args: [relay] }),
    chain.publicClient.readContract({ address, abi: relayRegistryAbi, functionName: "faults", args: [relay] }),
  ]);
  return {
    relay,
    role: info.role === ROLE_CODES.gateway ? "gateway" : "mix",
    status: RELAY_STATUSES[info.status] ?? "none",
    stake: info.stake,
    activeFrom: BigInt(info.activeFrom),
    exitEpoch: BigInt(info.exitEpoch),
    unlockAt: BigInt(info.unlockAt),
    multiaddr: info.multiaddr,
    faults,
  };
}

async function ensureAllowance(chain: ChainClients, amount: bigint): Promise<TxOutcome | undefined> {
  const token = chain.deployment.contracts.ObolToken;
  const registry = chain.deployment.contracts.RelayRegistry;
  const allowance = await chain.publicClient.readContract({
    address: token,
    abi: obolTokenAbi,
    functionName: "allowance",
    args: [chain.account, registry],
  });
  if (allowance >= amount) return undefined;
  return sendContractTx(
    chain,
    { address: token, abi: obolTokenAbi, functionName: "approve", args: [registry, amount] },
    "approve stake",
  );
}

function validateKeys(mixKey: Uint8Array, blsKey: Uint8Array): void {
  if (!(mixKey instanceof Uint8Array) || mixKey.length !== MIX_KEY_LENGTH)
    throw new InvalidInputError("mixKey", `must be ${MIX_KEY_LENGTH} bytes`);
  if (mixKey.every((b) => b === 0)) throw new InvalidInputError("mixKey", "must not be all zero");
  if (!(blsKey instanceof Uint8Array) || blsKey.length > MAX_BLS_KEY_LENGTH)
    throw new InvalidInputError("blsKey", `must be at most ${MAX_BLS_KEY_LENGTH} bytes`);
}

function validateMultiaddr(multiaddr: string): void {
  const length = typeof multiaddr === "string" ? toBytes(multiaddr).length : 0;
  if (length === 0 || length > MAX_MULTIADDR_LENGTH)
    throw new InvalidInputError("multiaddr", `must be 1..${MAX_MULTIADDR_LENGTH} bytes, got ${length}`);
}
