/**
 * A tickets client keeps a paid balance (docs/tickets.md §10, keeper.ts): with
 * a standing order it buys again, over the issuer's libp2p protocol, when it
 * runs low and when a new epoch begins, so its packets keep being paid and
 * accepted past what it bought at first. Before the keeper, the fifth packet
 * here was refused with NoTokenError, and so was every packet of the next
 * epoch (the comparison's further seeds carried almost no tickets traffic).
 */
import { afterAll, describe, expect, it } from "vitest";
import { getAddress, type Address } from "viem";
import { schemeEnv } from "./env.js";
import { EPOCH } from "./helpers.js";
import { ticketBankAbi } from "../../../src/chain/abi/TicketBank.js";
import { createObolNode } from "../../../src/net/node.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { readIssuer, setIssuer } from "../../../src/schemes/tickets/bank.js";
import { TicketsClient } from "../../../src/schemes/tickets/client.js";
import { TicketsRelay } from "../../../src/schemes/tickets/relay.js";
import { serveIssuer } from "../../../src/schemes/tickets/issuer.js";
import { setStandingOrder } from "../../../src/schemes/tickets/keeper.js";
import { decodeSlot } from "../../../src/schemes/tickets/slot.js";
import { TokenWallet } from "../../../src/schemes/tickets/wallet.js";
import { NoTokenError } from "../../../src/schemes/tickets/errors.js";
import type { RouteHop } from "../../../src/schemes/scheme.js";
import { incomingPacket } from "../../../src/schemes/incoming.js";

const s = await schemeEnv();
const server = await createObolNode();
const node = await createObolNode({ listen: [] });
const unserve = await serveIssuer(server, s.issuer, s.log);
afterAll(async () => {
  await unserve();
  await node.stop();
  await server.stop();
});
const relayA = getAddress(s.wallets[3]!.account.address);
const relayB = getAddress(s.wallets[4]!.account.address);
const hop = (relay: Address): RouteHop => ({ relay, mixKey: new Uint8Array(32), layer: 1 });
const PER_RELAY = 4;

/** A client holding `PER_RELAY` tokens per relay of `epoch`, with a standing order for that many (or none). */
async function client(index: number, epoch: bigint, standing: boolean) {
  const c = { ...s.participant(index), libp2p: node };
  setIssuer(c.db, s.issuerChain.account);
  await buyTokens(c.chain, c.db, s.bls, {
    epoch,
    relays: [relayA, relayB],
    perRelay: PER_RELAY,
    issuer: await readIssuer(c.chain, s.issuerChain.account),
    issue: (req) => s.issuer.issue(req),
  });
  if (standing)
    setStandingOrder(c.db, {
      issuer: [server.getMultiaddrs()[0]!.toString()],
      perRelay: { [relayA]: PER_RELAY, [relayB]: PER_RELAY },
    });
  return c;
}

async function deposits(owner: Address): Promise<number> {
  const logs = await s.publicClient.getContractEvents({
    address: s.bank.address,
    abi: ticketBankAbi,
    eventName: "Deposited",
    args: { owner },
    fromBlock: 0n,
  });
  return logs.length;
}

describe("tickets client: a paid balance across its allotment and epochs", () => {
  it("keeps paying past what it bought, tops up before it runs dry, and buys for a new epoch; the relay accepts every token", async () => {
    const epoch = await s.bank.read.currentEpoch();
    const c = await client(2, epoch, true);
    const pay = new TicketsClient(c);
    const relay = new TicketsRelay({ ...s.participant(3), relay: relayA }, { maxBatch: 4, maxDelayMs: 5 });
    await relay.start();
    const packets = 3 * PER_RELAY;
    for (let i = 0; i < packets; i++) {
      const { slots } = await pay.pay({ route: [hop(relayA), hop(relayB)], secrets: [], epoch, kind: "payload" });
      expect(await relay.onPacket(incomingPacket(slots[0]!, epoch))).toMatchObject({ accept: true });
    }
    const wallet = new TokenWallet(c.db);
    const spentIn = (e: bigint) =>
      wallet
        .summary()
        .filter((r) => r.epoch === e)
        .map((r) => r.spent);
    expect(spentIn(epoch)).toEqual([packets, packets]);
    // Three allotments' worth spent from one bought: at least two more purchases.
    expect(await deposits(c.chain.account)).toBeGreaterThanOrEqual(3);

    // The next epoch: nothing bought for it yet; the first packet waits for the purchase and pays with its tokens.
    await s.networkHelpers.time.increase(Number(EPOCH));
    const next = epoch + 1n;
    expect(await s.bank.read.currentEpoch()).toBe(next);
    const { slots } = await pay.pay({ route: [hop(relayA), hop(relayB)], secrets: [], epoch: next, kind: "loop" });
    expect(slots.map((x) => decodeSlot(x).epoch)).toEqual([next, next]);
    expect(await relay.onPacket(incomingPacket(slots[0]!, next))).toMatchObject({ accept: true });
    expect(spentIn(next)).toEqual([1, 1]);
    await relay.stop();
  });

  it("without a standing order pays only from what it holds: NoTokenError once the allotment is spent, nothing bought", async () => {
    const epoch = await s.bank.read.currentEpoch();
    const c = await client(5, epoch, false);
    const pay = new TicketsClient(c);
    for (let i = 0; i < PER_RELAY; i++)
      await pay.pay({ route: [hop(relayA), hop(relayB)], secrets: [], epoch, kind: "payload" });
    await expect(pay.pay({ route: [hop(relayA), hop(relayB)], secrets: [], epoch, kind: "payload" })).rejects.toThrow(
      NoTokenError,
    );
    expect(await deposits(c.chain.account)).toBe(1);
  });
});
