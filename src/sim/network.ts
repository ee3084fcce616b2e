/**
 * Boots a local Obol network (docs/devnet.md steps 1–5): Hardhat node on
 * 127.0.0.1, Ignition deployment (ObolCore + the scheme's module), funded and
 * registered relays (2 gateways + 3 layers of mixes, one dev account each),
 * the scheme's one-time setup, and the relays running in this process on
 * loopback TCP. Reused by the devnet and the comparison.
 */
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { Address } from "viem";
import { obolTokenAbi } from "../chain/abi/ObolToken.js";
import { connectChain } from "../chain/client.js";
import { deployObol } from "../chain/deploy.js";
import { advanceDevChainToEpoch, currentEpoch, ensureEpochOpen } from "../chain/epochs.js";
import { devAccounts, startLocalChain, type LocalChain } from "../chain/node.js";
import { registerRelay } from "../chain/registry.js";
import { sendContractTx } from "../chain/tx.js";
import type { ChainClients, Deployment, RelayRole } from "../chain/types.js";
import { obolNetwork, type Network } from "../client/packet.js";
import { forComponent, type Logger } from "../log.js";
import { createObolNode, loadOrCreatePeerKey, type ObolNode } from "../net/node.js";
import { chainSources, EPOCH_CACHE_MS, relayEpochLagMs } from "../relay/chain-sources.js";
import { RELAY_REFRESH_MS } from "../relay/config.js";
import { loadOrCreateMixKey } from "../relay/keys.js";
import { createRelay, type DirectorySource, type EpochSource, type Relay, type RelayInit } from "../relay/relay.js";
import { loadScheme } from "../schemes/registry.js";
import type { AccountingScheme, SchemeName } from "../schemes/scheme.js";
import { openDatabase } from "../store/db.js";
import {
  loadSchemeDevnet,
  type DevnetContext,
  type DevnetParticipant,
  type PrepaidHops,
  type SchemeDevnet,
} from "../schemes/devnet.js";

export type NetworkOptions = {
  scheme: SchemeName;
  /** Root directory of every participant's state. */
  dataDir: string;
  gateways?: number;
  mixesPerLayer?: number;
  clients?: number;
  /** Relay cover loops per second (λM) and per-hop mean delay for them. */
  relayLoopPerS?: number;
  meanDelayMs?: number;
  /** Seconds per epoch; long so a run stays in one epoch (docs/devnet.md). */
  epochDuration?: bigint;
  /**
   * JSON-RPC URL of an already running development chain (Hardhat or Anvil
   * node with the default mnemonic's funded accounts and `evm_*` time
   * methods) used instead of spawning one; it is left running on stop.
   */
  rpcUrl?: string;
  /**
   * Gateways listen on WebSockets (`/ws`) and register that multiaddr, so
   * browser clients can reach them (`npm run web`); mixes stay on TCP.
   */
  webSocketGateways?: boolean;
  /** Hops each participant prepays per relay before traffic (schemes that pay in advance; their default when absent). */
  prepaid?: PrepaidHops;
  /** Fault injection per relay name (e.g. a dropping relay in the comparison); none when undefined. */
  relayFaults?: (name: string) => RelayInit["faults"];
  /**
   * How often relays re-read the epoch (ms; default `RELAY_REFRESH_MS`), and how long their shared
   * epoch read is reused (at most this; default `EPOCH_CACHE_MS`): the comparison reads it often, as
   * it turns epochs mid-workload.
   */
  relayRefreshMs?: number;
  /** Passed to the scheme's devnet hook (`DevnetContext.epochTrafficMs`) when the comparison enters an epoch during traffic. */
  epochTrafficMs?: number;
  /** Wraps the scheme before clients and relays use it (the comparison instruments it). */
  wrapScheme?: (scheme: AccountingScheme) => AccountingScheme;
  /** The scheme's devnet hook, when not the one `src/schemes/<name>/devnet.ts` exports (e.g. at another win probability). */
  devnet?: SchemeDevnet;
  log: Logger;
  signal: AbortSignal;
  onStep?: (step: string) => void;
};

export type RunningRelay = DevnetParticipant & {
  role: RelayRole;
  relay: Relay;
  node: ObolNode;
  address: Address;
  db: DatabaseSync;
};

export type RunningNetwork = {
  scheme: AccountingScheme;
  chain: LocalChain;
  deployment: Deployment;
  deployer: ChainClients;
  network: Network;
  relays: RunningRelay[];
  /** Funded participants reserved for clients (their chain access and data dirs). */
  clients: DevnetParticipant[];
  directory: DirectorySource;
  epoch: EpochSource;
  /** Stops relays, the scheme's services and the chain; safe to call twice. */
  stop(): Promise<void>;
};

const STAKE = 1_000n * 10n ** 18n;

type Cleanup = () => Promise<void>;

/** A relay funded, registered and listening, whose relay service is not created yet. */
type PreparedRelay = DevnetParticipant & {
  role: RelayRole;
  node: ObolNode;
  mixKey: { secretKey: Uint8Array; publicKey: Uint8Array };
};

/**
 * Starts the whole network; on failure or abort everything started so far is stopped.
 *
 * @returns handles to the chain, relays and client slots.
 * @example
 * const net = await startNetwork({ scheme: "free", dataDir, log, signal });
 * try { … } finally { await net.stop(); }
 */
export async function startNetwork(options: NetworkOptions): Promise<RunningNetwork> {
  const { scheme: schemeName, dataDir, gateways = 2, mixesPerLayer = 3, clients = 2, log, signal } = options;
  const onStep = options.onStep ?? (() => {});
  const nRelays = gateways + 3 * mixesPerLayer;
  const accounts = devAccounts(1 + nRelays + clients);
  const cleanups: Cleanup[] = [];
  const stop = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((err) => log.warn({ err }, "shutdown step failed"));
  };
  try {
    const { chain, hook, scheme, deployment } = await deploy(options, onStep, cleanups);
    const connect = (i: number) => connectChain({ rpcUrl: chain.rpcUrl, deployment, account: accounts[i]! });
    const deployer = await connect(0);
    const network = obolNetwork(scheme);

    onStep(`funding and registering ${gateways} gateways and ${3 * mixesPerLayer} mixes`);
    const prepared = await registerRelays(deployer, {
      plan: relayPlan(gateways, mixesPerLayer),
      connect: (k) => connect(1 + k),
      dataDir,
      webSocketGateways: options.webSocketGateways ?? false,
      cleanups,
      signal,
    });
    const clientSlots = await fundClients(deployer, {
      count: clients,
      connect: (c) => connect(1 + nRelays + c),
      dataDir,
    });

    onStep("entering the epoch the relays are listed in");
    await advanceDevChainToEpoch(deployer, (await currentEpoch(deployer)) + 1n);
    await ensureEpochOpen(deployer);
    // One cached view of the directory for everyone in this process (it changes only per epoch).
    const epochCacheMs = Math.min(EPOCH_CACHE_MS, options.relayRefreshMs ?? EPOCH_CACHE_MS);
    const { directory, epoch } = chainSources(deployer, {
      log: forComponent(log, "obol:devnet"),
      open: true,
      epochCacheMs,
    });

    onStep(`setting up scheme ${schemeName}`);
    const context: DevnetContext = {
      deployer,
      relays: prepared.map(({ name, role, chain: c, dataDir: d }) => ({ name, role, chain: c, dataDir: d })),
      clients: clientSlots,
      packet: { params: network.params, layout: network.layout },
      prepaid: options.prepaid,
      servicesDir: dataDir,
      relayEpochLagMs: relayEpochLagMs(options.relayRefreshMs ?? RELAY_REFRESH_MS, epochCacheMs),
      ...(options.epochTrafficMs === undefined ? {} : { epochTrafficMs: options.epochTrafficMs }),
      log,
      signal,
    };
    cleanups.push(await hook.setup(context));

    onStep(`starting ${prepared.length} relays on loopback`);
    const relays = createRelays(prepared, { scheme, directory, epoch, network, options, cleanups });
    // Protocol handlers first, so no relay dials one that is not listening yet.
    for (const r of relays) await r.relay.start();
    onStep("connecting relays to each other");
    await connectAllPairs(relays, signal);
    return { scheme, chain, deployment, deployer, network, relays, clients: clientSlots, directory, epoch, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts (or reuses) the chain, stopped by `cleanups`, and deploys ObolCore with the scheme's module. */
async function deploy(options: NetworkOptions, onStep: (step: string) => void, cleanups: Cleanup[]) {
  const { scheme: schemeName, dataDir, log, signal } = options;
  onStep(options.rpcUrl ? `using the chain at ${options.rpcUrl}` : "starting Hardhat node on 127.0.0.1");
  const chain: LocalChain = options.rpcUrl
    ? { rpcUrl: options.rpcUrl, port: 0, stop: async () => {} }
    : await startLocalChain({ port: 0, signal });
  cleanups.push(() => chain.stop());

  const hook = options.devnet ?? (await loadSchemeDevnet(schemeName));
  onStep(`deploying ObolCore${hook.module ? ` + ${schemeName}` : ""} with Ignition`);
  const loaded = await loadScheme(schemeName);
  const scheme = options.wrapScheme ? options.wrapScheme(loaded) : loaded;
  const deployment = await deployObol({
    rpcUrl: chain.rpcUrl,
    modules: hook.module ? [hook.module] : [],
    parameters: { ObolCore: { epochDuration: options.epochDuration ?? 3_600n } },
    dataDir: join(dataDir, "deployer"),
    log,
  });
  return { chain, hook, scheme, deployment };
}

/** Names and roles of the relays: gateways first, then the mixes of all three layers. */
function relayPlan(gateways: number, mixesPerLayer: number): { name: string; role: RelayRole }[] {
  return [
    ...Array.from({ length: gateways }, (_, g) => ({ name: `gateway-${g}`, role: "gateway" as const })),
    ...Array.from({ length: 3 * mixesPerLayer }, (_, m) => ({ name: `mix-${m}`, role: "mix" as const })),
  ];
}

/** Sends `STAKE` tokens from the deployer to a participant. */
async function fund(deployer: ChainClients, to: Address, name: string): Promise<void> {
  await sendContractTx(
    deployer,
    {
      address: deployer.deployment.contracts.ObolToken,
      abi: obolTokenAbi,
      functionName: "transfer",
      args: [to, STAKE],
    },
    `fund ${name}`,
  );
}

/**
 * Funds each planned relay, starts its libp2p node (stopped by `cleanups`)
 * and registers it with its mix key and first multiaddr, in plan order.
 */
async function registerRelays(
  deployer: ChainClients,
  o: {
    plan: { name: string; role: RelayRole }[];
    /** Chain access of the k-th planned relay. */
    connect: (k: number) => Promise<ChainClients>;
    dataDir: string;
    webSocketGateways: boolean;
    cleanups: Cleanup[];
    signal: AbortSignal;
  },
): Promise<PreparedRelay[]> {
  const prepared: PreparedRelay[] = [];
  for (const [k, { name, role }] of o.plan.entries()) {
    o.signal.throwIfAborted();
    const dataDir = join(o.dataDir, name);
    const account = await o.connect(k);
    await fund(deployer, account.account, name);
    const listen = o.webSocketGateways && role === "gateway" ? ["/ip4/127.0.0.1/tcp/0/ws"] : ["/ip4/127.0.0.1/tcp/0"];
    const node = await createObolNode({ listen, privateKey: await loadOrCreatePeerKey(dataDir) });
    o.cleanups.push(async () => {
      await node.stop();
    });
    const mixKey = loadOrCreateMixKey(dataDir);
    const multiaddr = node.getMultiaddrs()[0]!.toString();
    await registerRelay(account, { role, mixKey: mixKey.publicKey, multiaddr, stake: STAKE });
    prepared.push({ name, role, chain: account, dataDir, node, mixKey });
  }
  return prepared;
}

/** Funds the accounts reserved for clients; the clients themselves start later (`runDevnet`). */
async function fundClients(
  deployer: ChainClients,
  o: { count: number; connect: (c: number) => Promise<ChainClients>; dataDir: string },
): Promise<DevnetParticipant[]> {
  const slots: DevnetParticipant[] = [];
  for (let c = 0; c < o.count; c++) {
    const account = await o.connect(c);
    await fund(deployer, account.account, `client-${c}`);
    slots.push({ name: `client-${c}`, chain: account, dataDir: join(o.dataDir, `client-${c}`) });
  }
  return slots;
}

/** Creates (does not start) every prepared relay's service over its own database; `cleanups` stops them all. */
function createRelays(
  prepared: PreparedRelay[],
  o: {
    scheme: AccountingScheme;
    directory: DirectorySource;
    epoch: EpochSource;
    network: Network;
    options: NetworkOptions;
    cleanups: Cleanup[];
  },
): RunningRelay[] {
  const relays: RunningRelay[] = [];
  const dbs = prepared.map((p) => openDatabase(join(p.dataDir, "relay.sqlite")));
  // Stop order matters: every relay stops (draining its queue) before any
  // node goes down, and databases close last, when no frame can arrive.
  o.cleanups.push(async () => {
    await Promise.allSettled(relays.map((r) => r.relay.stop()));
    await Promise.allSettled(prepared.map((p) => p.node.stop()));
    for (const db of dbs) if (db.isOpen) db.close();
  });
  for (const [k, p] of prepared.entries()) {
    const db = dbs[k]!;
    const deps = { chain: p.chain, db, log: o.options.log, libp2p: p.node };
    const relay = createRelay(
      { ...deps, scheme: o.scheme, directory: o.directory, epoch: o.epoch },
      {
        address: p.chain.account,
        role: p.role,
        mixSecretKey: p.mixKey.secretKey,
        params: o.network.params,
        cover: { ratePerSecond: o.options.relayLoopPerS ?? 0.2, meanDelayMs: o.options.meanDelayMs ?? 200 },
        faults: o.options.relayFaults?.(p.name),
        ...(o.options.relayRefreshMs === undefined ? {} : { refreshMs: o.options.relayRefreshMs }),
      },
    );
    relays.push({
      name: p.name,
      role: p.role,
      chain: p.chain,
      dataDir: p.dataDir,
      relay,
      node: p.node,
      address: p.chain.account,
      db,
    });
  }
  return relays;
}

/**
 * A long-running network has its links up; so that the first packets of a
 * run do not pay every Noise handshake on their path, every pair connects now.
 */
async function connectAllPairs(relays: RunningRelay[], signal: AbortSignal): Promise<void> {
  await Promise.allSettled(
    relays.flatMap((a, i) =>
      relays
        .slice(i + 1)
        .map((b) =>
          a.node.dial(b.node.getMultiaddrs()[0]!, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) }),
        ),
    ),
  );
}
