/**
 * A relay signs one onward ticket per packet inside its group commit (docs/channels.md §5). An
 * account that signs only through the node's JSON-RPC (Hardhat's unlocked accounts, a remote
 * signer) would hold every packet's commit for an RPC round trip, so such a relay is refused at
 * construction with a typed error that names the fix (a key file); the payer keeps the RPC path.
 */
import { describe, it, expect } from "vitest";
import type { Libp2p } from "@libp2p/interface";
import { connect, hardhatKey } from "./helpers.js";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import type { ChainClients } from "../../../src/chain/types.js";
import { ChannelsRelay } from "../../../src/schemes/channels/relay.js";
import { RelaySignerError } from "../../../src/schemes/channels/errors.js";
import { chainSigner, localSigner } from "../../../src/schemes/channels/signer.js";
import { domainSeparator, privateKeySigner, ticketDigest } from "../../../src/schemes/channels/ticket.js";

describe("a channels relay whose account signs only through RPC", () => {
  it("is refused with RelaySignerError naming the key file; an explicit signer is accepted", async () => {
    const env = await connect();
    const { token, channels } = await env.deploy();
    const wallet = env.wallets[3]!; // a JSON-RPC account: the node holds its key
    expect(wallet.account.type).toBe("json-rpc");
    const chain = {
      publicClient: env.publicClient,
      walletClient: wallet,
      account: wallet.account.address,
      deployment: {
        chainId: await env.publicClient.getChainId(),
        rpcUrl: "in-process",
        startBlock: 0n,
        contracts: { ObolToken: token.address, PaymentChannels: channels.address },
      },
    } as unknown as ChainClients;
    const deps = { chain, db: openDatabase(":memory:"), log: silentLogger(), libp2p: null as unknown as Libp2p };

    expect(localSigner(chain)).toBeNull();
    let refused: unknown;
    try {
      new ChannelsRelay({ ...deps, relay: chain.account });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RelaySignerError);
    expect((refused as RelaySignerError).hint).toContain("--key-file");
    expect((refused as Error).message).toContain(chain.account);

    // With the key given as a signer the same account relays (the onward ticket never waits on RPC).
    const signer = privateKeySigner(hardhatKey(3));
    expect(signer.address).toBe(chain.account);
    expect(() => new ChannelsRelay({ ...deps, relay: chain.account }, { signer })).not.toThrow();

    // A payer (not inside any commit) still signs through the node, with the key-file signature's bytes.
    const ticket = {
      channel: `0x${"11".repeat(32)}`,
      amount: 3n,
      index: 4n,
      epoch: 1n,
      winProb: 7n,
      challenge: `0x${"22".repeat(20)}`,
    } as const;
    const digest = ticketDigest(ticket, domainSeparator(await env.publicClient.getChainId(), channels.address));
    const viaRpc = await chainSigner(chain).signDigest(digest, ticket);
    expect(Buffer.from(viaRpc).equals(Buffer.from(signer.signDigest(digest, ticket) as Uint8Array))).toBe(true);
  });
});
