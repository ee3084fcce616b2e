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
import { chainSources } from "../relay/chain-sources.js";
import { loadOrCreateMixKey } from "../relay/keys.js";
import { createRelay, type DirectorySource, type EpochSource, type Relay, type RelayInit } from "../relay/relay.js";
import { loadScheme } from "../schemes/registry.js";
import type { AccountingScheme, SchemeName } from "../schemes/scheme.js";
import { openDatabase } from "../store/db.js";
import { loadSchemeDevnet, type DevnetContext, type DevnetParticipant } from "../schemes/devnet.js";

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
  /** Fault injection per relay name (e.g. a dropping relay in the comparison); none when undefined. */
  relayFaults?: (name: string) => RelayInit["faults"];
  /** Wraps the scheme before clients and relays use it (the comparison instruments it). */
  wrapScheme?: (scheme: AccountingScheme) => AccountingScheme;
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

/**
 * Starts the whole network; on failure or abort everything started so far is stopped.
 *
 * @returns handles to the chain, relays and client slots.
 * @example
 * const net = await startNetwork({ scheme: "free", dataDir, log, signal });
 * try { … } finally { await net.stop(); }
 */
export async function startNetwork(options: NetworkOptions): Promise<RunningNetwork> {
  const {
    scheme: schemeName,
    dataDir,
    gateways = 2,
    mixesPerLayer = 3,
    clients = 2,
    log,
    signal,
    onStep = () => {},
  } = options;
  const nRelays = gateways + 3 * mixesPerLayer;
  const accounts = devAccounts(1 + nRelays + clients);
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((err) => log.warn({ err }, "shutdown step failed"));
  };
  try {
    onStep(options.rpcUrl ? `using the chain at ${options.rpcUrl}` : "starting Hardhat node on 127.0.0.1");
    const chain: LocalChain = options.rpcUrl
      ? { rpcUrl: options.rpcUrl, port: 0, stop: async () => {} }
      : await startLocalChain({ port: 0, signal });
    cleanups.push(() => chain.stop());

    const hook = await loadSchemeDevnet(schemeName);
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
    const connect = (i: number) => connectChain({ rpcUrl: chain.rpcUrl, deployment, account: accounts[i]! });
    const deployer = await connect(0);
    const network = obolNetwork(scheme);

    onStep(`funding and registering ${gateways} gateways and ${3 * mixesPerLayer} mixes`);
    const plan: { name: string; role: RelayRole }[] = [
      ...Array.from({ length: gateways }, (_, g) => ({ name: `gateway-${g}`, role: "gateway" as const })),
      ...Array.from({ length: 3 * mixesPerLayer }, (_, m) => ({ name: `mix-${m}`, role: "mix" as const })),
    ];
    const prepared: {
      name: string;
      role: RelayRole;
      chain: ChainClients;
      dataDir: string;
      node: ObolNode;
      mixKey: { secretKey: Uint8Array; publicKey: Uint8Array };
    }[] = [];
    for (const [k, { name, role }] of plan.entries()) {
      signal.throwIfAborted();
      const participantDir = join(dataDir, name);
      const account = await connect(1 + k);
      await sendContractTx(
        deployer,
        {
          address: deployment.contracts.ObolToken,
          abi: obolTokenAbi,
          functionName: "transfer",
          args: [account.account, STAKE],
        },
        `fund ${name}`,
      );
      const listen =
        options.webSocketGateways && role === "gateway" ? ["/ip4/127.0.0.1/tcp/0/ws"] : ["/ip4/127.0.0.1/tcp/0"];
      const node = await createObolNode({ listen, privateKey: await loadOrCreatePeerKey(participantDir) });
      cleanups.push(async () => {
        await node.stop();
      });
      const mixKey = loadOrCreateMixKey(participantDir);
      const multiaddr = node.getMultiaddrs()[0]!.toString();
      await registerRelay(account, { role, mixKey: mixKey.publicKey, multiaddr, stake: STAKE });
      prepared.push({ name, role, chain: account, dataDir: participantDir, node, mixKey });
    }
    const clientSlots: DevnetParticipant[] = [];
    for (let c = 0; c < clients; c++) {
      const account = await connect(1 + nRelays + c);
      await sendContractTx(
        deployer,
        {
          address: deployment.contracts.ObolToken,
          abi: obolTokenAbi,
          functionName: "transfer",
          args: [account.account, STAKE],
        },
        `fund client-${c}`,
      );
      clientSlots.push({ name: `client-${c}`, chain: account, dataDir: join(dataDir, `client-${c}`) });
    }

    onStep("entering the epoch the relays are listed in");
    await advanceDevChainToEpoch(deployer, (await currentEpoch(deployer)) + 1n);
    await ensureEpochOpen(deployer);
    // One cached view of the directory for everyone in this process (it changes only per epoch).
    const { directory, epoch } = chainSources(deployer, { log: forComponent(log, "obol:devnet"), open: true });

    onStep(`setting up scheme ${schemeName}`);
    const context: DevnetContext = {
      deployer,
      relays: prepared.map(({ name, role, chain: c, dataDir: d }) => ({ name, role, chain: c, dataDir: d })),
      clients: clientSlots,
      packet: { params: network.params, layout: network.layout },
      servicesDir: dataDir,
      log,
      signal,
    };
    cleanups.push(await hook.setup(context));

    onStep(`starting ${prepared.length} relays on loopback`);
    const relays: RunningRelay[] = [];
    const dbs = prepared.map((p) => openDatabase(join(p.dataDir, "relay.sqlite")));
    // Stop order matters: every relay stops (draining its queue) before any
    // node goes down, and databases close last, when no frame can arrive.
    cleanups.push(async () => {
      await Promise.allSettled(relays.map((r) => r.relay.stop()));
      await Promise.allSettled(prepared.map((p) => p.node.stop()));
      for (const db of dbs) if (db.isOpen) db.close();
    });
    for (const [k, p] of prepared.entries()) {
      const db = dbs[k]!;
      const deps = { chain: p.chain, db, log, libp2p: p.node };
      const relay = createRelay(
        { ...deps, scheme, directory, epoch },
        {
          address: p.chain.account,
          role: p.role,
          mixSecretKey: p.mixKey.secretKey,
          params: network.params,
          cover: { ratePerSecond: options.relayLoopPerS ?? 0.2, meanDelayMs: options.meanDelayMs ?? 200 },
          faults: options.relayFaults?.(p.name),
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
    // Protocol handlers first, so no relay dials one that is not listening yet.
    for (const r of relays) await r.relay.start();
    // A long-running network has its links up; so that the first packets of a
    // run do not pay every Noise handshake on their path, connect every pair now.
    onStep("connecting relays to each other");
    await Promise.allSettled(
      relays.flatMap((a, i) =>
        relays
          .slice(i + 1)
          .map((b) =>
            a.node.dial(b.node.getMultiaddrs()[0]!, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) }),
          ),
      ),
    );
    return { scheme, chain, deployment, deployer, network, relays, clients: clientSlots, directory, epoch, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
