/**
 * The TicketBank Ignition module deploys on top of ObolCore with the
 * registry's epoch clock.
 */
import { describe, it, expect } from "vitest";
import hre from "hardhat";
import TicketBankModule from "../../../ignition/modules/TicketBank.js";
import { ticketBankAbi } from "../../../src/chain/abi/TicketBank.js";
import { relayRegistryAbi } from "../../../src/chain/abi/RelayRegistry.js";
import { getContract } from "viem";

describe("ignition/modules/TicketBank", () => {
  it("deploys TicketBank over the core token with the registry's genesis and epoch duration", async () => {
    const conn = await hre.network.connect();
    const deployed = (await conn.ignition.deploy(TicketBankModule)) as unknown as Record<
      "ticketBank" | "relayRegistry" | "obolToken",
      { address: `0x${string}` }
    >;
    const publicClient = await conn.viem.getPublicClient();
    const bank = getContract({ address: deployed.ticketBank.address, abi: ticketBankAbi, client: publicClient });
    const relayRegistry = getContract({
      address: deployed.relayRegistry.address,
      abi: relayRegistryAbi,
      client: publicClient,
    });
    const obolToken = deployed.obolToken;
    const [token, genesis, duration, window, minStake] = await bank.read.parameters();
    expect(token.toLowerCase()).toBe(obolToken.address.toLowerCase());
    expect(genesis).toBe(await relayRegistry.read.genesis());
    expect(duration).toBe(await relayRegistry.read.epochDuration());
    expect(window).toBe(10n);
    expect(minStake).toBe(1_000n * 10n ** 18n);
    expect(await bank.read.currentEpoch()).toBe(await relayRegistry.read.currentEpoch());
  });
});
