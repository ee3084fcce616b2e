/**
 * Deploys `contracts/lib/VrfHarness.sol` (the shopper libraries exposed for
 * differential tests and gas figures) with a typed ABI, since library
 * harnesses get no generated module in src/chain/abi.
 */
import { getContract, parseAbi, type PublicClient, type WalletClient } from "viem";

export const vrfHarnessAbi = parseAbi([
  "function x25519(bytes32 k, bytes32 u) view returns (bytes32)",
  "function vrfVerify(bytes publicKey, bytes alpha, bytes proof) view returns (bool, bytes32)",
  "function hashToG1(bytes message) view returns (bytes)",
  "function hopTag(bytes32 x, bytes32[5] mixKeys, uint256 hop) view returns (bytes32)",
  "function merkleVerify(bytes32 root, bytes32 tag, bytes32[] proof) pure returns (bool)",
]);

type Viem = {
  deployContract(name: string): Promise<{ address: `0x${string}` }>;
  getPublicClient(): Promise<PublicClient>;
};

export async function deployHarness(viem: Viem) {
  const { address } = await viem.deployContract("VrfHarness");
  const publicClient = await viem.getPublicClient();
  return getContract({ address, abi: vrfHarnessAbi, client: { public: publicClient as PublicClient } });
}
export type VrfHarness = Awaited<ReturnType<typeof deployHarness>>;
export type { WalletClient };
