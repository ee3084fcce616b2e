/**
 * What the comparison reads back from the chain (docs/compare.md §Gas and
 * payouts): the receipt of every transaction in the run's blocks, attributed
 * to the scheme or to the common network, and the ERC-20 `Transfer`s from the
 * scheme's contracts to relays. Gas figures are `gasUsed` from receipts and
 * payouts are token transfers as the chain recorded them; nothing is estimated.
 */
import {
  decodeFunctionData,
  getAddress,
  parseEventLogs,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import type { ChainClients } from "../../chain/types.js";

/** One operation kind and the gas its transactions used. */
export type OperationGas = { contract: string; op: string; count: number; gasUsed: bigint };

export type ChainAudit = {
  fromBlock: bigint;
  toBlock: bigint;
  transactions: number;
  /** Gas of every transaction attributed to the scheme (its contracts, approvals to them, its key updates). */
  schemeGas: bigint;
  schemeTransactions: number;
  /** Gas of everything else: core deployment, funding, relay registration, epoch opening. */
  commonGas: bigint;
  operations: OperationGas[];
  /** Token units each address received from the scheme's contracts (Transfer events, queried by filter). */
  payouts: Map<Address, bigint>;
  /** The same, summed from the Transfer logs inside the receipts of the run's transactions (an independent read). */
  receiptPayouts: Map<Address, bigint>;
  /** Each of those transfers with its block's timestamp (pay per relay per epoch). */
  payoutEvents: { to: Address; value: bigint; timestamp: bigint }[];
  /** Scheme gas of transactions mined from `steadyFromBlock` on (after setup: the workload and settlement); setup is `schemeGas − steady.gas`. */
  steady: {
    fromBlock: bigint | null;
    gas: bigint;
    transactions: number;
    operations: OperationGas[] /** Transfers from the scheme's contracts to anyone in those blocks. */;
    payouts: number;
  };
  /** Every event the scheme's contracts emitted, with who sent the transaction and when: what any chain observer reads (the linking adversaries use it). */
  logs: ChainLog[];
};

/** One event of a scheme contract as the chain shows it to everyone. */
export type ChainLog = { block: bigint; timestamp: bigint; from: Address; contract: string; topics: Hex[]; data: Hex };

/** The common contracts' ABIs (the scheme's come from its devnet hook). */
const COMMON_ABIS: Record<string, Abi> = { RelayRegistry: relayRegistryAbi as Abi, ObolToken: obolTokenAbi as Abi };

/**
 * Reads every block of the run and attributes each transaction's gas.
 *
 * A transaction is the scheme's when it creates or calls one of the scheme's
 * contracts, approves one of them as spender, or updates a relay's keys in
 * the registry (e.g. a VRF key a scheme registers); everything else is common to
 * all schemes (the `free` run measures that part alone).
 *
 * @param chain any connected client of the deployment.
 * @param fromBlock first block of the run (the deployment's start block).
 * @param contracts the scheme's contracts (`SchemeDevnet.contracts`).
 * @returns gas per attribution and per operation, and the scheme's payouts.
 * @example
 * const audit = await auditChain(net.deployer, { fromBlock: net.deployment.startBlock, contracts: devnet.contracts });
 */
export async function auditChain(
  chain: ChainClients,
  {
    fromBlock,
    steadyFromBlock,
    contracts,
  }: { fromBlock: bigint; steadyFromBlock?: bigint | undefined; contracts: readonly { name: string; abi: Abi }[] },
): Promise<ChainAudit> {
  const abis: Record<string, Abi> = { ...COMMON_ABIS, ...Object.fromEntries(contracts.map((c) => [c.name, c.abi])) };
  const schemeContracts = contracts.map((c) => c.name);
  const { publicClient, deployment } = chain;
  const names = new Map<string, string>();
  for (const [name, address] of Object.entries(deployment.contracts))
    if (address) names.set(address.toLowerCase(), name);
  const isScheme = (address: string | null | undefined) =>
    address != null && schemeContracts.includes(names.get(address.toLowerCase()) ?? "");
  const toBlock = await publicClient.getBlockNumber({ cacheTime: 0 }); // every block of the run, none cached away
  const ops = new Map<string, OperationGas>();
  const audit: ChainAudit = {
    fromBlock,
    toBlock,
    transactions: 0,
    schemeGas: 0n,
    schemeTransactions: 0,
    commonGas: 0n,
    operations: [],
    payouts: new Map(),
    receiptPayouts: new Map(),
    payoutEvents: [],
    logs: [],
    steady: { fromBlock: steadyFromBlock ?? null, gas: 0n, transactions: 0, operations: [], payouts: 0 },
  };
  const steadyOps = new Map<string, OperationGas>();

  const hashes: { hash: Hex; to: Address | null; input: Hex; timestamp: bigint }[] = [];
  for (let n = fromBlock; n <= toBlock; n++) {
    const block = await publicClient.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions)
      hashes.push({ hash: tx.hash, to: tx.to ?? null, input: tx.input, timestamp: block.timestamp });
  }
  const receipts: TransactionReceipt[] = [];
  for (let i = 0; i < hashes.length; i += 16)
    receipts.push(
      ...(await Promise.all(hashes.slice(i, i + 16).map(({ hash }) => publicClient.getTransactionReceipt({ hash })))),
    );

  const token = deployment.contracts.ObolToken.toLowerCase();
  for (const [i, receipt] of receipts.entries()) {
    const { to, input, timestamp } = hashes[i]!;
    for (const l of receipt.logs)
      if (isScheme(l.address))
        audit.logs.push({
          block: receipt.blockNumber,
          timestamp,
          from: getAddress(receipt.from),
          contract: names.get(l.address.toLowerCase())!,
          topics: l.topics as Hex[],
          data: l.data,
        });
    const transfers = parseEventLogs({
      abi: obolTokenAbi,
      eventName: "Transfer",
      logs: receipt.logs.filter((l) => l.address.toLowerCase() === token),
    });
    for (const t of transfers) {
      if (!isScheme(t.args.from)) continue;
      const recipient = getAddress(t.args.to);
      audit.receiptPayouts.set(recipient, (audit.receiptPayouts.get(recipient) ?? 0n) + t.args.value);
      audit.payoutEvents.push({ to: recipient, value: t.args.value, timestamp });
      if (steadyFromBlock !== undefined && receipt.blockNumber >= steadyFromBlock) audit.steady.payouts++;
    }
    audit.transactions++;
    let contract = to ? (names.get(to.toLowerCase()) ?? "other") : "create";
    let op = "call";
    let scheme = false;
    if (!to) {
      contract = names.get(receipt.contractAddress?.toLowerCase() ?? "") ?? "create";
      op = "deploy";
      scheme = isScheme(receipt.contractAddress);
    } else {
      const abi = abis[contract];
      if (abi) {
        try {
          const decoded = decodeFunctionData({ abi, data: input });
          op = decoded.functionName;
          if (contract === "ObolToken" && op === "approve")
            scheme = isScheme((decoded.args as readonly unknown[])[0] as string);
          if (contract === "RelayRegistry" && op === "updateKeys") scheme = true;
        } catch {
          op = "unknown";
        }
      }
      if (isScheme(to)) scheme = true;
    }
    if (scheme) {
      audit.schemeGas += receipt.gasUsed;
      audit.schemeTransactions++;
      const key = `${contract}.${op}`;
      const entry = ops.get(key) ?? { contract, op, count: 0, gasUsed: 0n };
      entry.count++;
      entry.gasUsed += receipt.gasUsed;
      ops.set(key, entry);
      if (steadyFromBlock !== undefined && receipt.blockNumber >= steadyFromBlock) {
        audit.steady.gas += receipt.gasUsed;
        audit.steady.transactions++;
        const s = steadyOps.get(key) ?? { contract, op, count: 0, gasUsed: 0n };
        s.count++;
        s.gasUsed += receipt.gasUsed;
        steadyOps.set(key, s);
      }
    } else audit.commonGas += receipt.gasUsed;
  }
  audit.operations = [...ops.values()].sort((a, b) => (a.gasUsed > b.gasUsed ? -1 : 1));
  audit.steady.operations = [...steadyOps.values()].sort((a, b) => (a.gasUsed > b.gasUsed ? -1 : 1));

  for (const name of schemeContracts) {
    const from = (deployment.contracts as Record<string, Address | undefined>)[name];
    if (!from) continue;
    const logs = await publicClient.getContractEvents({
      address: deployment.contracts.ObolToken,
      abi: obolTokenAbi,
      eventName: "Transfer",
      args: { from },
      fromBlock,
      toBlock,
    });
    for (const log of logs) {
      const to = getAddress(log.args.to!);
      audit.payouts.set(to, (audit.payouts.get(to) ?? 0n) + log.args.value!);
    }
  }
  return audit;
}
