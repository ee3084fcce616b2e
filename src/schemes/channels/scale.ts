/**
 * One epoch of channels at N relays for the comparison's scale probe
 * (docs/compare.md §Cost at scale): every relay commits a lottery round and
 * tops up its one channel (relay i to relay i xor 1), and the partners of a
 * sample of relays redeem one winning ticket each (signed by the channel's source at the
 * highest win probability, for the round the redeemer just committed), so the
 * per-hop operation has its gas measured at every N.
 */
import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { paymentChannelsAbi } from "../../chain/abi/PaymentChannels.js";
import { sendContractTx } from "../../chain/tx.js";
import type { ChainClients } from "../../chain/types.js";
import type { ScaleContext } from "../devnet.js";
import { openChannel, readChannel, readRound } from "./chain.js";
import { DEFAULT_PARAMS, MAX } from "./constants.js";
import { pointAddress, toScalar } from "./por.js";
import { chainSigner } from "./signer.js";
import {
  decodeAttachment,
  domainSeparator,
  ROUND_SHIFT,
  roundCommitment,
  signAttachment,
  toRedeemable,
} from "./ticket.js";

/** Relays per N that redeem a ticket: the operation's gas per call is what the probe measures (its count comes from the run). */
export const REDEEM_SAMPLE = 10;

export async function channelsScaleEpoch(c: ScaleContext): Promise<void> {
  const channels = c.deployer.deployment.contracts.PaymentChannels!;
  const token = c.deployer.deployment.contracts.ObolToken;
  const unit = DEFAULT_PARAMS.unitAmount;
  // Each relay pays one partner (the devnet's full mesh would be N(N−1) channels). Pairs stay the
  // same as N grows on one chain, so a channel opened for a smaller N is reused.
  const partner = (i: number) => ((i ^ 1) < c.relays.length ? i ^ 1 : 0);
  const indexed = c.relays.map((r, i) => ({ r, i }));
  // Opening is once per pair, not per epoch: done as preparation.
  await c.oneOff(async () => {
    for (const { r, i } of indexed) {
      await sendContractTx(
        r,
        { address: token, abi: obolTokenAbi, functionName: "approve", args: [channels, 4n * unit] },
        "approve channels",
      );
      const to = c.relays[partner(i)]!.account;
      if ((await readChannel(r, r.account, to)).status === "closed") await openChannel(r, to, 2n * unit);
    }
  });
  // What recurs every epoch: a new lottery round per relay (its secret kept to redeem with) and a top-up.
  const secrets = new Map<Address, Uint8Array>();
  await c.each("PaymentChannels.commitRound", c.relays, (r) => {
    const secret = new Uint8Array(randomBytes(32));
    secrets.set(r.account, secret);
    return sendContractTx(
      r,
      { address: channels, abi: paymentChannelsAbi, functionName: "commitRound", args: [roundCommitment(secret)] },
      "commit a round",
    );
  });
  await c.each("PaymentChannels.fundChannel", indexed, ({ r, i }) =>
    sendContractTx(
      r,
      {
        address: channels,
        abi: paymentChannelsAbi,
        functionName: "fundChannel",
        args: [c.relays[partner(i)]!.account, unit],
      },
      "top up",
    ),
  );
  // Per hop: the first relays each pay their partner one winning ticket, which the partner redeems.
  const domain = domainSeparator(await c.deployer.publicClient.getChainId(), channels);
  const sample = indexed.slice(0, Math.min(REDEEM_SAMPLE, c.relays.length));
  await c.each("PaymentChannels.redeemTickets", sample, ({ r, i }) => {
    const to = c.relays[partner(i)]!;
    return redeemFrom(r, to, domain, secrets.get(to.account)!, channels);
  });
}

/** `destination` redeems one ticket `source` signs for `destination`'s current round, sure to win. */
async function redeemFrom(
  source: ChainClients,
  destination: ChainClients,
  domain: Uint8Array,
  roundSecret: Uint8Array,
  channels: Address,
): Promise<unknown> {
  const ch = await readChannel(destination, source.account, destination.account);
  const round = await readRound(destination, destination.account);
  const response = toScalar(randomBytes(32)); // in [1, n): a valid proof-of-relay response
  const attachment = await signAttachment(
    {
      channel: ch.id,
      amount: DEFAULT_PARAMS.unitAmount,
      index: (round << ROUND_SHIFT) | 1n, // above any index of an earlier round
      epoch: ch.epoch,
      winProb: MAX.winProb,
      challenge: pointAddress(response),
    },
    domain,
    chainSigner(source),
  );
  const ticket = toRedeemable(decodeAttachment(attachment), source.account, response, roundSecret);
  return sendContractTx(
    destination,
    { address: channels, abi: paymentChannelsAbi, functionName: "redeemTickets", args: [[ticket]] },
    "redeem a ticket",
  );
}
