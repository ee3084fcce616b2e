import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from "viem";

/** Names of the contracts a deployment may hold (DESIGN §6). */
export type ContractName = "ObolToken" | "RelayRegistry" | "PaymentChannels" | "TicketBank" | "ShopperAudit";

/**
 * What `obol deploy` (Ignition) writes to `<dataDir>/deployment.json` and every
 * CLI command reads. Schemes whose contract is absent are simply unavailable.
 */
export type Deployment = {
  chainId: number;
  rpcUrl: string;
  /** Block the deployment landed in: event readers start here. */
  startBlock: bigint;
  contracts: { ObolToken: Address; RelayRegistry: Address } & Partial<Record<ContractName, Address>>;
};

/** Connected chain access handed to services (relay, client, schemes, CLI). */
export type ChainClients = {
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** `walletClient.account.address`, repeated because it is used everywhere. */
  account: Address;
  deployment: Deployment;
};

/** Relay role in the stratified topology (DESIGN §4). */
export type RelayRole = "gateway" | "mix";

/** One relay as the RelayRegistry directory lists it. */
export type DirectoryEntry = {
  /** Registry id: the operator address. */
  relay: Address;
  role: RelayRole;
  /** 32-byte X25519 mix public key. */
  mixKey: Uint8Array;
  /** BLS12-381 / VRF public key bytes (empty when unset). */
  blsKey: Uint8Array;
  /** libp2p multiaddr including `/p2p/<peerId>`. */
  multiaddr: string;
  stake: bigint;
  /**
   * Layer for the snapshot's epoch: 1..3 for mixes; 0 for gateways, each of
   * which serves both as entry (layer 0) and exit (layer 4) of a route.
   */
  layer: number;
};

/** The directory at one epoch; what route selection and forwarding read. */
export type DirectorySnapshot = {
  epoch: bigint;
  entries: DirectoryEntry[];
};

/** The current directory, read from the chain by the caller (relay, client), never inside the packet path. */
export type DirectorySource = () => DirectorySnapshot | Promise<DirectorySnapshot>;
/**
 * The current epoch. Sources may serve a recent read (chain sources share one for 500 ms);
 * `fresh: true` asks for the chain's epoch now, for decisions that flip at an epoch boundary
 * (a reply block's window): a read from before the boundary would decide them wrongly.
 */
export type EpochSource = (options?: { fresh?: boolean }) => bigint | Promise<bigint>;
