/**
 * Devnet hook of scheme A (docs/channels.md §Devnet): deploys PaymentChannels
 * and opens the channels payments need before traffic starts — every client
 * to every gateway (entry), and every relay to every other relay, because the
 * layer a relay serves is drawn per epoch from on-chain randomness and relays
 * also pay for their own loop packets. That mesh is the per-hop liquidity
 * cost DESIGN §5A asks to measure: (R·(R−1) + C·G) channels, each funded.
 */
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { sendContractTx } from "../../chain/tx.js";
import { forComponent } from "../../log.js";
import { paymentChannelsAbi } from "../../chain/abi/PaymentChannels.js";
import type { SchemeDevnet } from "../devnet.js";
import PaymentChannelsModule from "../../../ignition/modules/PaymentChannels.js";
import { DEFAULT_PARAMS } from "./constants.js";
import { openChannel } from "./chain.js";
import { channelsScaleEpoch } from "./scale.js";
import { join } from "node:path";
import { openDatabase } from "../../store/db.js";
import { ChannelsRounds } from "./rounds.js";
import { ChannelsStore } from "./store.js";
import { channelsPaidOnChain } from "./paid.js";
import { grindingSource } from "./attacks.js";
import { channelsLottery } from "./lottery.js";

/** Funding per channel, in unit wins (DEFAULT_PARAMS.unitAmount each). */
export const DEVNET_FUNDING = { clientChannelUnits: 5_000n, relayChannelUnits: 2_000n } as const;

export const devnet: SchemeDevnet = {
  paidOnChain: channelsPaidOnChain,
  attacks: [grindingSource],
  module: PaymentChannelsModule,
  contracts: [{ name: "PaymentChannels", abi: paymentChannelsAbi }],
  scaleEpoch: channelsScaleEpoch,
  // Winners per hop follow traffic (and the win probability): the run's redemptions per packet-hop scale them.
  sampled: { "PaymentChannels.redeemTickets": "hop" },
  unprobed: [
    {
      op: "PaymentChannels.openChannel",
      why: "once per pair of participants (the devnet opens R(R−1) + C·G channels): one-off preparation, not in the per-epoch model",
    },
  ],
  // Claims right after the traffic redeem every won ticket: no settlement epochs.
  expectedSeconds: { setup: 4, settlement: 1 },
  async setup({ deployer, relays, clients, log, signal }) {
    const l = forComponent(log, "obol:channels:devnet");
    const unit = DEFAULT_PARAMS.unitAmount;
    const gateways = relays.filter((r) => r.role === "gateway");
    const token = deployer.deployment.contracts.ObolToken;
    const give = (to: `0x${string}`, amount: bigint, who: string) =>
      sendContractTx(
        deployer,
        { address: token, abi: obolTokenAbi, functionName: "transfer", args: [to, amount] },
        `fund ${who} for channels`,
      );

    for (const c of clients) {
      signal.throwIfAborted();
      const perChannel = unit * DEVNET_FUNDING.clientChannelUnits;
      await give(c.chain.account, perChannel * BigInt(gateways.length), c.name);
      for (const g of gateways) await openChannel(c.chain, g.chain.account, perChannel);
    }
    for (const r of relays) {
      signal.throwIfAborted();
      const perChannel = unit * DEVNET_FUNDING.relayChannelUnits;
      // Twice the opening funds: the rest pays for top-ups during the run.
      await give(r.chain.account, 2n * perChannel * BigInt(relays.length - 1), r.name);
      for (const other of relays) if (other !== r) await openChannel(r.chain, other.chain.account, perChannel);
    }
    // Each relay's first lottery round, committed from its own store before any relay starts
    // sending: otherwise the first relays up would have nobody they could pay (docs/channels.md §Win rule).
    for (const r of relays) {
      signal.throwIfAborted();
      const db = openDatabase(join(r.dataDir, "relay.sqlite"));
      try {
        await new ChannelsRounds(r.chain, new ChannelsStore(db)).ensure();
      } finally {
        db.close();
      }
    }
    l.info({ clients: clients.length, gateways: gateways.length, relays: relays.length }, "channels opened");
    // Nothing keeps running: relays redeem and top up from their own epoch loop.
    return async () => {};
  },
};
devnet.lottery = channelsLottery(devnet);
