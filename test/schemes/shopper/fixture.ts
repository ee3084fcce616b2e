/**
 * A real shopper world on Hardhat's in-process chain: ObolToken, RelayRegistry
 * and ShopperAudit deployed from their artifacts, then the world of
 * `src/schemes/shopper/world.ts` (relays registered with real X25519 mix keys
 * and BLS VRF keys, loop packets built and peeled by the real Sphinx code).
 * Used by the contract tests, the relay-side tests and `bench/shopper.bench.ts`.
 */
import hre from "hardhat";
import { getContract } from "viem";
import { relayRegistryAbi } from "../../../src/chain/abi/RelayRegistry.js";
import {
  OBOL,
  shopperWorld,
  WORLD_PARAMS,
  type WorldRelay,
  type WorldWallet,
} from "../../../src/schemes/shopper/world.js";
import { SHOPPER_DEFAULTS } from "../../../ignition/modules/ShopperAudit.js";

export { OBOL };
export const EPOCH = 3600;
export const REWARD = 10n * OBOL;
export const MAX_THRESHOLD = (1n << 256n) - 1n;
export const PARAMS = WORLD_PARAMS;

export type Relay = WorldRelay;

export type WorldOptions = {
  gateways?: number;
  mixesPerLayer?: number;
  jMax?: number;
  winThreshold?: bigint;
  reward?: bigint;
  pool?: bigint;
  exitLag?: bigint;
};

export async function createWorld({
  gateways = 2,
  mixesPerLayer = 2,
  jMax = 16,
  winThreshold = MAX_THRESHOLD,
  reward = REWARD,
  pool = 1000n * OBOL,
  exitLag = SHOPPER_DEFAULTS.exitLag,
}: WorldOptions = {}) {
  const conn = await hre.network.connect();
  const { viem, networkHelpers } = conn;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const deployer = wallets[0]!;
  const client = { public: publicClient, wallet: deployer };
  const tokenAddress = (await viem.deployContract("ObolToken", [10n ** 9n * OBOL])).address;
  const registryAddress = (
    await viem.deployContract("RelayRegistry", [tokenAddress, BigInt(EPOCH), 100n * OBOL, 0n, deployer.account.address])
  ).address;
  const registry = getContract({ address: registryAddress, abi: relayRegistryAbi, client });
  const shopperAddress = (
    await viem.deployContract("ShopperAudit", [registryAddress, tokenAddress, jMax, winThreshold, reward])
  ).address;
  await registry.write.grantRole([await registry.read.FAULT_RECORDER_ROLE(), shopperAddress]);
  // As the Ignition module does: stake stays locked through the reveal window of the last epoch served.
  await registry.write.setExitLag([exitLag]);
  const world = await shopperWorld(
    {
      publicClient: publicClient as never,
      deployer: deployer as unknown as WorldWallet,
      relayWallets: wallets.slice(1) as unknown as WorldWallet[],
      contracts: { ObolToken: tokenAddress, RelayRegistry: registryAddress, ShopperAudit: shopperAddress },
      increaseTo: (ts) => networkHelpers.time.increaseTo(ts),
      mine: (blocks) => networkHelpers.mine(blocks),
    },
    { gateways, mixesPerLayer, pool },
  );
  return { ...world, conn, viem, networkHelpers, wallets };
}
export type World = Awaited<ReturnType<typeof createWorld>>;
