/**
 * What the network dashboard shows, read from the chain only (viem over the
 * page's `/rpc` proxy): the epoch and the last epochs' openings, the directory
 * by layer with stakes, and per relay and scheme its earnings, claims and
 * recorded faults, all from contract events since the deployment block.
 * A "claim" is one transaction that paid the relay (a channels redemption
 * batch, a TicketBank redemption, a ShopperAudit reward claim).
 */
import { formatEther, type Address, type Hex } from "viem";
import { paymentChannelsAbi } from "../../chain/abi/PaymentChannels.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import { readDirectory } from "../../chain/directory.js";
import { currentEpoch, epochInfo } from "../../chain/epochs.js";
import type { ChainClients } from "../../chain/types.js";

export type SchemeTotals = { earned: string; claims: number; faults: number };

export type DashboardView = {
  epoch: string;
  epochSeconds: string;
  /** Seconds left in the current epoch (chain time). */
  epochLeft: string;
  /** The latest openings, newest first: epoch, when (chain time, ISO), seed. */
  timeline: { epoch: string; at: string; seed: string }[];
  relays: {
    relay: Address;
    role: string;
    layer: number;
    stake: string;
    multiaddr: string;
    schemes: Partial<Record<"channels" | "tickets" | "shopper" | "registry", SchemeTotals>>;
  }[];
};

const TIMELINE = 8;

/**
 * Reads everything the dashboard shows.
 *
 * @param chain read-only use of the chain clients
 */
export async function readDashboard(chain: ChainClients): Promise<DashboardView> {
  const { publicClient: pc, deployment } = chain;
  const fromBlock = deployment.startBlock;
  const c = deployment.contracts;
  const [epoch, info, head] = await Promise.all([
    currentEpoch(chain),
    epochInfo(chain),
    pc.getBlock({ blockTag: "latest" }),
  ]);
  const directory = await readDirectory(chain, { epoch });
  const opened = await pc.getContractEvents({
    address: c.RelayRegistry,
    abi: relayRegistryAbi,
    eventName: "EpochOpened",
    fromBlock,
  });
  const latest = opened.slice(-TIMELINE).reverse();
  const times = await Promise.all(
    latest.map((e) => pc.getBlock({ blockNumber: e.blockNumber }).then((b) => b.timestamp)),
  );
  const totals = new Map<string, DashboardView["relays"][number]["schemes"]>();
  const add = (
    relay: string,
    scheme: keyof DashboardView["relays"][number]["schemes"],
    earned: bigint,
    tx: Hex | null,
    fault = 0,
  ) => {
    const key = relay.toLowerCase();
    const s = totals.get(key) ?? {};
    totals.set(key, s);
    s[scheme] ??= { earned: "0", claims: 0, faults: 0 };
    const t = s[scheme];
    t.earned = (BigInt(t.earned) + earned).toString();
    t.faults += fault;
    if (tx && !claimTx.has(`${scheme}${tx}${key}`)) {
      claimTx.add(`${scheme}${tx}${key}`);
      t.claims++;
    }
  };
  const claimTx = new Set<string>();

  const faults = await pc.getContractEvents({
    address: c.RelayRegistry,
    abi: relayRegistryAbi,
    eventName: "FaultRecorded",
    fromBlock,
  });
  for (const f of faults) add(f.args.relay!, "registry", 0n, null, 1);
  if (c.PaymentChannels) {
    const [opens, redeemed] = await Promise.all([
      pc.getContractEvents({
        address: c.PaymentChannels,
        abi: paymentChannelsAbi,
        eventName: "ChannelOpened",
        fromBlock,
      }),
      pc.getContractEvents({
        address: c.PaymentChannels,
        abi: paymentChannelsAbi,
        eventName: "TicketRedeemed",
        fromBlock,
      }),
    ]);
    const destination = new Map(opens.map((o) => [o.args.channelId!, o.args.destination!]));
    for (const r of redeemed) {
      const to = destination.get(r.args.channelId!);
      if (to) add(to, "channels", r.args.amount!, r.transactionHash);
    }
  }
  if (c.TicketBank) {
    const redeemed = await pc.getContractEvents({
      address: c.TicketBank,
      abi: ticketBankAbi,
      eventName: "Redeemed",
      fromBlock,
    });
    for (const r of redeemed) add(r.args.relay!, "tickets", r.args.paid!, r.transactionHash);
  }
  if (c.ShopperAudit) {
    const [rewards, faulted] = await Promise.all([
      pc.getContractEvents({ address: c.ShopperAudit, abi: shopperAuditAbi, eventName: "RewardsClaimed", fromBlock }),
      pc.getContractEvents({ address: c.ShopperAudit, abi: shopperAuditAbi, eventName: "HopFaulted", fromBlock }),
    ]);
    for (const r of rewards) add(r.args.relay!, "shopper", r.args.amount!, r.transactionHash);
    for (const f of faulted) add(f.args.relay!, "shopper", 0n, null, 1);
  }
  const end = info.genesis + (epoch + 1n) * info.duration;
  return {
    epoch: epoch.toString(),
    epochSeconds: info.duration.toString(),
    epochLeft: (end > head.timestamp ? end - head.timestamp : 0n).toString(),
    timeline: latest.map((e, i) => ({
      epoch: e.args.epoch!.toString(),
      at: new Date(Number(times[i]!) * 1000).toISOString(),
      seed: e.args.seed!,
    })),
    relays: directory.entries.map((e) => {
      const schemes = totals.get(e.relay.toLowerCase()) ?? {};
      for (const t of Object.values(schemes)) t.earned = formatEther(BigInt(t.earned));
      return {
        relay: e.relay,
        role: e.role,
        layer: e.layer,
        stake: formatEther(e.stake),
        multiaddr: e.multiaddr,
        schemes,
      };
    }),
  };
}
