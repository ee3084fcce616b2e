/**
 * sendContractTx from one local key, many calls at once: a relay commits its
 * lottery round in the background while its claim redeems, and the CLI's
 * `obol claim` can run beside a live relay. viem picks each transaction's
 * nonce from the node's pending count, so two sends that read it before
 * either is broadcast collide ("nonce too low") unless sends are ordered.
 */
import { describe, expect, it } from "vitest";
import hre from "hardhat";
import { createPublicClient, createWalletClient, custom, parseEther, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { obolTokenAbi } from "../../src/chain/abi/ObolToken.js";
import { obolChain } from "../../src/chain/client.js";
import { sendContractTx } from "../../src/chain/tx.js";
import type { ChainClients } from "../../src/chain/types.js";

const { viem, provider } = await hre.network.connect();

// Hardhat's first default account (the public "test test … junk" mnemonic), as a local key so viem fills the nonce.
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

async function setup() {
  const token = await viem.deployContract("ObolToken", [parseEther("1000")]);
  const chain = obolChain(31337, "http://127.0.0.1:8545");
  const transport = custom(provider);
  const account = privateKeyToAccount(KEY);
  const clients: ChainClients = {
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
    walletClient: createWalletClient({ account, chain, transport, pollingInterval: 50 }),
    account: account.address,
    deployment: { chainId: 31337, contracts: { ObolToken: token.address } } as never,
  };
  return { token, clients };
}

describe("sendContractTx", () => {
  it("sends many transactions from one key at once without a nonce collision, in one process", async () => {
    const { token, clients } = await setup();
    const to = Array.from({ length: 12 }, (_, i) => `0x${(0x5100 + i).toString(16).padStart(40, "0")}` as Address);
    const sent = await Promise.allSettled(
      to.map((a) =>
        sendContractTx(
          clients,
          { address: token.address, abi: obolTokenAbi, functionName: "transfer", args: [a, 1n] },
          "transfer",
        ),
      ),
    );
    const failed = sent.filter((s) => s.status === "rejected").map((s) => String((s as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    for (const a of to)
      expect(
        await clients.publicClient.readContract({
          address: token.address,
          abi: obolTokenAbi,
          functionName: "balanceOf",
          args: [a],
        }),
      ).toBe(1n);
  }, 120_000);

  it("takes the next nonce when another process sending from the same key took this one", async () => {
    const { token, clients } = await setup();
    // The other process (`obol channels open` beside a relay running on the same key): raw sends that skip
    // this process's turn, each racing one of ours for the same pending nonce.
    const other = createWalletClient({
      account: privateKeyToAccount(KEY),
      chain: clients.walletClient.chain,
      transport: custom(provider),
    });
    const failed: string[] = [];
    for (let i = 0; i < 10; i++) {
      const a = `0x${(0x5200 + i).toString(16).padStart(40, "0")}` as Address;
      const [ours] = await Promise.allSettled([
        sendContractTx(
          clients,
          { address: token.address, abi: obolTokenAbi, functionName: "transfer", args: [a, 1n] },
          "transfer",
        ),
        other.writeContract({ address: token.address, abi: obolTokenAbi, functionName: "transfer", args: [a, 1n] }),
      ]);
      if (ours.status === "rejected") failed.push(String(ours.reason));
    }
    expect(failed).toEqual([]);
  }, 120_000);
});
