/**
 * Cost at scale, measured (docs/compare.md §Cost at scale): one fresh local
 * chain with the scheme deployed; for each N in turn, relays registered up to
 * N and listed in a new epoch; the scheme's devnet hook (`SchemeDevnet.scaleEpoch`) then sends one
 * epoch of its recurring transactions (after one warm-up epoch): those a network of N relays sends
 * whatever the traffic as it would, those that follow traffic or audits as a fixed sample
 * (`SchemeDevnet.sampled`). Every receipt of that span is read back and grouped by operation. Growth exponents are fitted per operation
 * (`fitExponent`); an operation that fails at some N is reported failing
 * there, not extrapolated.
 */
import { createWalletClient, decodeFunctionData, http, type Abi, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { advanceDevChainToEpoch, currentEpoch, ensureEpochOpen } from "../../chain/epochs.js";
import { registerRelay } from "../../chain/registry.js";
import { sendContractTx } from "../../chain/tx.js";
import type { ChainClients } from "../../chain/types.js";
import { forComponent, type Logger } from "../../log.js";
import { x25519Group } from "../../crypto/sphinx/group.js";
import type { SchemeDevnet } from "../../schemes/devnet.js";
import { deployOnFreshChain } from "./fresh-chain.js";
import { fitExponent, type ExponentFit } from "./fit.js";

/** Stake each probe relay registers with, and the tokens it holds beyond it for the scheme's calls. */
const STAKE = 1_000n * 10n ** 18n;
const SPARE = 100n * 10n ** 18n;
/** An O(N²) call near the block gas limit keeps a loaded Hardhat node busy for long: generous RPC deadlines. */
const RPC_TIMEOUT_MS = 180_000;
/** A syntactically valid multiaddr: probe relays are never dialled. */
const MULTIADDR = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";

/** One operation in one epoch at one N: its calls and their gas from receipts, or why it failed. */
export type ProbedOperation = {
  op: string;
  calls: number;
  gasPerEpoch: number;
  meanGas: number;
  failed: string | null;
};
/** One N: the epoch's operations, or why the whole probe at this N failed (then every operation counts as failing there). */
export type ScaleProbe = { relays: number; operations: ProbedOperation[]; seconds: number; failed?: string };
export type OperationGrowth = {
  op: string;
  /** The scheme drives it only as a sample at each N (`SchemeDevnet.sampled`): its per-call exponent is the one that counts. */
  sampled: boolean;
  /** Per N: gas per epoch (null where it failed) and calls. */
  points: { relays: number; gasPerEpoch: number | null; calls: number; failed: string | null }[];
  /** Exponent b of gas per epoch ∝ N^b over the N where it ran, with its 95% interval. */
  perEpoch: ExponentFit | null;
  /** The same for the gas of one call (how the operation itself grows). */
  perCall: ExponentFit | null;
};

/**
 * Measures one scheme at each relay count, on one chain: relays are added up
 * to each N in turn (ascending) and each N gets an epoch of its own.
 *
 * @param devnet the scheme's hook (module, contracts, `scaleEpoch`).
 * @param relayCounts e.g. [10, 100, 1000].
 * @returns per operation its measurements and fitted exponents.
 * @example
 * const growth = await measureScale(await loadSchemeDevnet(name), { relayCounts: [10, 100], dataDir, log, signal });
 */
export async function measureScale(
  devnet: SchemeDevnet,
  {
    relayCounts,
    dataDir,
    log,
    signal,
    onStep = () => {},
  }: {
    relayCounts: readonly number[];
    dataDir: string;
    log: Logger;
    signal: AbortSignal;
    onStep?: (step: string) => void;
  },
): Promise<{ probes: ScaleProbe[]; growth: OperationGrowth[] }> {
  const probes: ScaleProbe[] = [];
  const l = forComponent(log, "obol:compare:scale");
  onStep("scale: starting a chain and deploying");
  const { chain, deployer } = await deployOnFreshChain(devnet, { dataDir, log, signal, timeoutMs: RPC_TIMEOUT_MS });
  try {
    const relays: ChainClients[] = [];
    let broken: string | null = null;
    for (const n of [...relayCounts].sort((a, b) => a - b)) {
      signal.throwIfAborted();
      const started = Date.now();
      if (broken) {
        probes.push({ relays: n, operations: [], seconds: 0, failed: broken });
        continue;
      }
      try {
        onStep(`scale: registering relays up to ${n}`);
        while (relays.length < n) relays.push(await registerProbeRelay(deployer, chain.rpcUrl, relays.length));
        onStep(`scale: ${n} relays: one epoch of the scheme's recurring transactions`);
        probes.push({
          relays: n,
          ...(await probeEpoch(devnet, deployer, relays, { log: l, signal })),
          seconds: (Date.now() - started) / 1000,
        });
      } catch (error) {
        // A chain that cannot keep up at this N is a result at this N (and every larger one); smaller N stay measured.
        if (signal.aborted) throw error;
        const reason = (error as Error).message.split("\n")[0]!;
        l.warn({ relays: n, reason }, "scale probe failed at this N");
        broken = `probe failed at N = ${n}: ${reason}`;
        probes.push({ relays: n, operations: [], seconds: (Date.now() - started) / 1000, failed: broken });
      }
    }
  } finally {
    await chain.stop();
  }
  return { probes, growth: growthOf(probes, Object.keys(devnet.sampled ?? {})) };
}

/** Fits each operation's exponents over the probes where it ran (pure; tested on known inputs). */
export function growthOf(probes: readonly ScaleProbe[], sampled: readonly string[] = []): OperationGrowth[] {
  const ops = [...new Set(probes.flatMap((p) => p.operations.map((o) => o.op)))].sort();
  return ops.map((op) => {
    const points = probes.map((p) => {
      const o = p.operations.find((x) => x.op === op);
      const failed = o?.failed ?? p.failed ?? null;
      return {
        relays: p.relays,
        gasPerEpoch: o && !failed ? o.gasPerEpoch : null,
        calls: o?.calls ?? 0,
        failed,
        meanGas: o && !failed ? o.meanGas : null,
      };
    });
    const ran = points.filter((p) => p.gasPerEpoch !== null && p.gasPerEpoch > 0);
    return {
      op,
      sampled: sampled.includes(op),
      points: points.map(({ meanGas: _, ...p }) => p),
      perEpoch: fitExponent(ran.map((p) => [p.relays, p.gasPerEpoch!])),
      perCall: fitExponent(ran.map((p) => [p.relays, p.meanGas!])),
    };
  });
}

/** Funds and registers the i-th probe relay from a fresh account (2 gateways in every 10 relays, the rest mixes). */
async function registerProbeRelay(deployer: ChainClients, rpcUrl: string, i: number): Promise<ChainClients> {
  const account = privateKeyToAccount(generatePrivateKey());
  await deployer.publicClient.request({
    method: "hardhat_setBalance" as never,
    params: [account.address, "0x56BC75E2D63100000"] as never,
  });
  await sendContractTx(
    deployer,
    {
      address: deployer.deployment.contracts.ObolToken,
      abi: obolTokenAbi,
      functionName: "transfer",
      args: [account.address, STAKE + SPARE],
    },
    `fund probe relay ${i}`,
  );
  const walletClient = createWalletClient({
    account,
    chain: deployer.walletClient.chain,
    transport: http(rpcUrl, { timeout: RPC_TIMEOUT_MS }),
    pollingInterval: 20,
  });
  const relay: ChainClients = {
    publicClient: deployer.publicClient,
    walletClient,
    account: account.address,
    deployment: deployer.deployment,
  };
  await registerRelay(relay, {
    role: i % 10 < 2 ? "gateway" : "mix",
    mixKey: x25519Group.publicKey(x25519Group.randomSecretKey()), // a valid key: a scheme may build packets to it
    multiaddr: MULTIADDR,
    stake: STAKE,
  });
  return relay;
}

/**
 * Enters the epoch the relays are listed in and runs the scheme's epoch there
 * twice: the first epoch warms every relay's storage up (a relay's first
 * commitment or top-up writes fresh slots; it is one-off), the second is the
 * steady state measured. Returns the operations of the second epoch's span.
 */
async function probeEpoch(
  devnet: SchemeDevnet,
  deployer: ChainClients,
  relays: readonly ChainClients[],
  { log, signal }: { log: Logger; signal: AbortSignal },
): Promise<{ operations: ProbedOperation[] }> {
  const advance = async (epoch: bigint) => {
    await advanceDevChainToEpoch(deployer, epoch);
    await ensureEpochOpen(deployer);
  };
  const head = () => deployer.publicClient.getBlockNumber({ cacheTime: 0 });
  let from = 0n;
  const failed = new Map<string, string>();
  const excluded: [bigint, bigint][] = [];
  for (const measured of [false, true]) {
    const epoch = (await currentEpoch(deployer)) + 1n; // registrations are listed from the next epoch
    // From here on every transaction is the epoch's: its opening (common to every scheme) and the scheme's.
    from = (await head()) + 1n;
    await advance(epoch);
    await devnet.scaleEpoch?.({
      deployer,
      relays,
      epoch,
      advance,
      log,
      signal,
      oneOff: async (prepare) => {
        const first = (await head()) + 1n;
        try {
          return await prepare();
        } finally {
          excluded.push([first, await head()]);
        }
      },
      each: async (op, items, call) => {
        for (const item of items) {
          signal.throwIfAborted();
          try {
            await call(item);
          } catch (error) {
            const reason = (error as Error).message.split("\n")[0]!;
            log.info({ op, relays: relays.length, reason, measured }, "operation fails at this scale");
            if (measured) failed.set(op, reason);
            return;
          }
        }
      },
    });
  }
  const operations = await readOperations(deployer, from, devnet.contracts, excluded);
  for (const [op, reason] of failed) {
    const o = operations.find((x) => x.op === op);
    if (o) o.failed = reason;
    else operations.push({ op, calls: 0, gasPerEpoch: 0, meanGas: 0, failed: reason });
  }
  return { operations };
}

/** Every transaction from `from` to the latest block outside one-off preparation, grouped by `Contract.function` (receipts' gasUsed). */
async function readOperations(
  chain: ChainClients,
  from: bigint,
  contracts: readonly { name: string; abi: Abi }[],
  excluded: readonly (readonly [bigint, bigint])[],
): Promise<ProbedOperation[]> {
  const abis = new Map<string, { name: string; abi: Abi }>();
  const add = (name: string, abi: Abi) => {
    const address = (chain.deployment.contracts as Record<string, Hex | undefined>)[name];
    if (address) abis.set(address.toLowerCase(), { name, abi });
  };
  add("ObolToken", obolTokenAbi as Abi);
  add("RelayRegistry", relayRegistryAbi as Abi);
  for (const c of contracts) add(c.name, c.abi);
  const to = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const ops = new Map<string, ProbedOperation>();
  for (let b = from; b <= to; b++) {
    if (excluded.some(([lo, hi]) => b >= lo && b <= hi)) continue;
    const block = await chain.publicClient.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) {
      const receipt = await chain.publicClient.getTransactionReceipt({ hash: tx.hash });
      const target = tx.to ? abis.get(tx.to.toLowerCase()) : undefined;
      let op = `${target?.name ?? "other"}.call`;
      if (target) {
        try {
          op = `${target.name}.${decodeFunctionData({ abi: target.abi, data: tx.input }).functionName}`;
        } catch {
          op = `${target.name}.unknown`;
        }
      }
      const o = ops.get(op) ?? { op, calls: 0, gasPerEpoch: 0, meanGas: 0, failed: null };
      o.calls++;
      o.gasPerEpoch += Number(receipt.gasUsed);
      o.meanGas = Math.round(o.gasPerEpoch / o.calls);
      ops.set(op, o);
    }
  }
  return [...ops.values()];
}
