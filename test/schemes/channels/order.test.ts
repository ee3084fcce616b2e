/**
 * Issue 9, finding 3: the onward ticket must not reveal the order in which
 * packets reached a mix. The attacker is the next hop (or anyone it shares
 * tickets with): it reads the index of each onward ticket it receives and
 * sorts by it. If indices were taken on arrival, sorting would undo the
 * mix's reordering; taken when a packet leaves the delay queue
 * (`PacketVerdict.onward`), they follow the output order the next hop sees anyway.
 */
import { describe, it, expect } from "vitest";
import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import type { Libp2p } from "@libp2p/interface";
import { connect, chainsFor, leave, MAX_WIN, OBOL } from "./helpers.js";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import type { ChainClients } from "../../../src/chain/types.js";
import type { IncomingPacket, PacketVerdict, RouteHop } from "../../../src/schemes/scheme.js";
import { ChannelsClient } from "../../../src/schemes/channels/client.js";
import { ChannelsRelay } from "../../../src/schemes/channels/relay.js";
import { openChannel } from "../../../src/schemes/channels/chain.js";
import { decodeAttachment } from "../../../src/schemes/channels/ticket.js";

const UNIT = 10n ** 15n;
const params = { unitAmount: UNIT, winProb: MAX_WIN };
const env = await connect();
const noLibp2p = null as unknown as Libp2p;

describe("channels: onward tickets follow the mix's output order (issue 9, finding 3)", () => {
  it("the next hop cannot recover arrival order from onward ticket indices", async () => {
    const f = await env.deploy();
    const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
    const [clientChain, aChain, bChain] = await chainsFor(env, contracts, [1, 2, 3]);
    await openChannel(clientChain, aChain.account, 10n * OBOL);
    await openChannel(aChain, bChain.account, 10n * OBOL);
    const deps = (c: ChainClients) => ({
      chain: c,
      db: openDatabase(":memory:"),
      log: silentLogger(),
      libp2p: noLibp2p,
    });
    const B = new ChannelsRelay({ ...deps(bChain), relay: bChain.account }, { params, topUpBelowUnits: 0n });
    const A = new ChannelsRelay({ ...deps(aChain), relay: aChain.account }, { params, topUpBelowUnits: 0n });
    await B.start();
    await A.start();
    const client = new ChannelsClient(deps(clientChain), { params });
    const hop = (account: Address, layer: number): RouteHop => ({ relay: account, mixKey: new Uint8Array(32), layer });
    const route = [hop(aChain.account, 1), hop(bChain.account, 2), hop(clientChain.account, 3)];

    const arrivals: PacketVerdict[] = [];
    for (let i = 0; i < 6; i++) {
      const secrets = route.map(() => new Uint8Array(randomBytes(32)));
      const pay = await client.pay({ route, secrets, epoch: 1n, kind: "payload" });
      const packet: IncomingPacket = {
        slot: pay.slots[0]!,
        attachment: pay.attachment,
        ss: secrets[0]!,
        nextHop: bChain.account,
        replayTag: randomBytes(32),
        packetRef: randomBytes(32),
        fromPeer: "client",
        epoch: 1n,
      };
      arrivals.push(await A.onPacket(packet));
    }
    // The mix's delays reorder them: output order is a permutation of arrival order.
    const outputOrder = [4, 1, 5, 0, 3, 2];
    const indices: bigint[] = [];
    for (const k of outputOrder) indices.push(decodeAttachment(await leave(arrivals[k]!)).index);
    // What the next hop sees: indices increase in the order it receives packets, so sorting
    // by index gives back the output order, never the arrival order.
    const sortedByIndex = [...outputOrder].sort((x, y) =>
      Number(indices[outputOrder.indexOf(x)]! - indices[outputOrder.indexOf(y)]!),
    );
    expect(sortedByIndex).toEqual(outputOrder);
    expect(sortedByIndex).not.toEqual([0, 1, 2, 3, 4, 5]);
  });
});
