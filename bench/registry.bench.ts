/**
 * RelayRegistry gas from receipts on Hardhat's in-process chain (operator
 * actions), and the gas of the O(n) directory views as the directory grows
 * (what an eth_call costs a node; gas caps of remote RPCs apply to it).
 */
import hre from "hardhat";
import { encodeFunctionData, encodePacked, getContract, keccak256, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { BenchOptions, Metric } from "./metric.js";
import { obolTokenAbi } from "../src/chain/abi/ObolToken.js";
import { relayRegistryAbi } from "../src/chain/abi/RelayRegistry.js";

const MIN = parseEther("100");
const EPOCH = 3600n;
const MA = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";
const BLS = `0x${"ab".repeat(48)}` as const; // a compressed G1 key
/** The registry refuses a BLS key another relay holds: one 48-byte key per registration. */
const bls = (i: number) => `0x${i.toString(16).padStart(8, "0")}${"ab".repeat(44)}` as const;

export async function run({ quick }: BenchOptions): Promise<Metric[]> {
  const { viem, networkHelpers } = await hre.network.connect();
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const admin = wallets[0]!;
  const client = { public: publicClient, wallet: admin };
  const tokenAddress = (await viem.deployContract("ObolToken", [parseEther("1000000000")])).address;
  const registryAddress = (
    await viem.deployContract("RelayRegistry", [tokenAddress, EPOCH, MIN, 60n, admin.account.address])
  ).address;
  const token = getContract({ address: tokenAddress, abi: obolTokenAbi, client });
  const registry = getContract({ address: registryAddress, abi: relayRegistryAbi, client });
  const gas = async (hash: `0x${string}`) => (await publicClient.waitForTransactionReceipt({ hash })).gasUsed;
  const key = (i: number) => keccak256(encodePacked(["uint256"], [BigInt(i + 1)]));

  const [r1, r2] = [wallets[1]!, wallets[2]!];
  for (const w of [r1, r2]) {
    await token.write.transfer([w.account.address, parseEther("1000")]);
    await token.write.approve([registryAddress, parseEther("1000")], { account: w.account });
  }
  // r1 is the first call of epoch 0 (also fixes the seed); r2 is a steady-state registration.
  const registerFirst = await gas(await registry.write.register([1, key(1), BLS, MA, MIN], { account: r1.account }));
  const register = await gas(await registry.write.register([1, key(2), bls(2), MA, MIN], { account: r2.account }));
  // In epoch 0 the keys committed at registration are still pending: this replaces them.
  const updateKeysAgain = await gas(await registry.write.updateKeys([key(4), bls(4)], { account: r2.account }));
  const addStake = await gas(await registry.write.addStake([MIN], { account: r2.account }));
  const unbond = await gas(await registry.write.unbond({ account: r2.account }));
  const genesis = await registry.read.genesis();
  await networkHelpers.time.setNextBlockTimestamp(genesis + EPOCH);
  const openEpoch = await gas(await registry.write.openEpoch());
  // A rotation in a later epoch appends to the key history.
  const updateKeys = await gas(await registry.write.updateKeys([key(3), BLS], { account: r1.account }));
  await networkHelpers.time.setNextBlockTimestamp(genesis + EPOCH + 60n);
  const withdraw = await gas(await registry.write.withdraw({ account: r2.account }));

  // Grow the directory with mixes registered by fresh local accounts, then price the views.
  const n = quick ? 30 : 120;
  for (let i = 0; i < n; i++) {
    const account = privateKeyToAccount(generatePrivateKey());
    await networkHelpers.setBalance(account.address, parseEther("1"));
    await token.write.transfer([account.address, MIN]);
    // The admin's client sends; `account` is local, so viem signs with it.
    const wallet = admin;
    await wallet.writeContract({
      address: tokenAddress,
      abi: obolTokenAbi,
      functionName: "approve",
      args: [registryAddress, MIN],
      account,
    });
    await wallet.writeContract({
      address: registryAddress,
      abi: relayRegistryAbi,
      functionName: "register",
      args: [1, key(100 + i), bls(100 + i), MA, MIN],
      account,
    });
  }
  await networkHelpers.time.setNextBlockTimestamp(genesis + 2n * EPOCH);
  await registry.write.openEpoch();
  const directoryPage = await publicClient.estimateGas({
    to: registryAddress,
    data: encodeFunctionData({ abi: relayRegistryAbi, functionName: "directory", args: [2n, 0n, 64n] }),
  });
  const layerOf = await publicClient.estimateGas({
    to: registryAddress,
    data: encodeFunctionData({ abi: relayRegistryAbi, functionName: "layerOf", args: [r1.account.address, 2n] }),
  });

  return [
    {
      metric: "registry.register.first-in-epoch.gas",
      value: Number(registerFirst),
      unit: "gas",
      note: "includes fixing the epoch seed",
    },
    {
      metric: "registry.register.gas",
      value: Number(register),
      unit: "gas",
      note: "48-byte BLS key, 77-byte multiaddr",
    },
    { metric: "registry.updateKeys.gas", value: Number(updateKeys), unit: "gas", note: "rotation: new history entry" },
    { metric: "registry.updateKeys.replace-pending.gas", value: Number(updateKeysAgain), unit: "gas" },
    { metric: "registry.addStake.gas", value: Number(addStake), unit: "gas" },
    { metric: "registry.unbond.gas", value: Number(unbond), unit: "gas" },
    { metric: "registry.openEpoch.gas", value: Number(openEpoch), unit: "gas" },
    { metric: "registry.withdraw.gas", value: Number(withdraw), unit: "gas" },
    {
      metric: `registry.directory-view.page64.n${n + 1}.gas`,
      value: Number(directoryPage),
      unit: "gas",
      note: "eth_call, O(n·page)",
    },
    { metric: `registry.layerOf-view.n${n + 1}.gas`, value: Number(layerOf), unit: "gas", note: "eth_call, O(n)" },
  ];
}
