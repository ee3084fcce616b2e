/**
 * A local Obol network whose relays and clients are separate OS processes,
 * each relay on its own loopback address 127.0.0.N as if on its own host
 * (docs/operations.md §Devnet with processes). The parent only runs the chain
 * (Hardhat node), deploys, funds accounts and moves dev-chain time; every
 * relay is `obol relay` registering itself, and every participant finds the
 * others only through the RelayRegistry's directory and multiaddrs.
 */
import { relayEpochLagMs } from "../../relay/chain-sources.js";
import { RELAY_REFRESH_MS } from "../../relay/config.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { connectChain } from "../../chain/client.js";
import { deployObol } from "../../chain/deploy.js";
import { advanceDevChainToEpoch, currentEpoch, ensureEpochOpen } from "../../chain/epochs.js";
import { mnemonicToAccount } from "viem/accounts";
import { toHex } from "viem";
import { DEV_ACCOUNT_COUNT, DEV_MNEMONIC, startLocalChain, type LocalChain } from "../../chain/node.js";
import { sendContractTx } from "../../chain/tx.js";
import type { ChainClients, Deployment, RelayRole } from "../../chain/types.js";
import type { LoopixRates } from "../../client/loopix.js";
import { obolNetwork } from "../../client/packet.js";
import { METRICS_TARGETS_FILE, type MetricsTarget } from "../../cli/watch.js";
import { ObolError } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { SchemeName } from "../../schemes/scheme.js";
import { loadScheme } from "../../schemes/registry.js";
import {
  loadSchemeDevnet,
  type DevnetContext,
  type DevnetParticipant,
  type PrepaidHops,
} from "../../schemes/devnet.js";
import { describeExit, Supervisor, type ChildExit, type ManagedChild } from "./supervisor.js";
import type { ClientProcessConfig } from "./client-main.js";

const CLIENT_MAIN = new URL("./client-main.ts", import.meta.url).pathname;
const STAKE = 1_000n * 10n ** 18n;
/** Relay k listens on 127.0.0.(FIRST_HOST + k): every relay has a host of its own. */
const FIRST_HOST = 10;
/** Seconds to wait for one child to start (tsx compile + libp2p + chain round trips on a loaded 2-core machine). */
const START_TIMEOUT_MS = 300_000;
/** Client processes started together before waiting for them to be ready. */
const CLIENT_BATCH = 4;

export class LoopbackUnavailableError extends ObolError {
  constructor(host: string, cause: unknown) {
    super(`cannot bind ${host}`, {
      details: (cause as Error)?.message,
      hint: "this system routes only 127.0.0.1; on macOS add aliases with `sudo ifconfig lo0 alias 127.0.0.N up`",
      cause,
    });
  }
}

export type ProcessNetworkOptions = {
  scheme: SchemeName;
  dataDir: string;
  gateways?: number;
  mixesPerLayer?: number;
  clients?: number;
  /** Hops each participant prepays per relay, for a scheme that pays in advance (its default when absent). */
  prepaid?: PrepaidHops;
  /** λM of every relay. */
  relayLoopPerS?: number;
  rates: LoopixRates;
  messagesPerS: number;
  seed: string;
  log: Logger;
  signal: AbortSignal;
  onStep?: (step: string) => void;
  /** JSON-RPC URL the children use instead of the chain's own (the soak's pausable proxy). */
  childRpcUrl?: (chainRpcUrl: string) => Promise<string>;
  /** Relays rotate their mix key every epoch (default true) with this grace (s). */
  rotateKeys?: boolean;
  keyGraceS?: number;
  /** Called for every child that exits unasked (the report lists them too). */
  onCrash?: (exit: ChildExit) => void;
};

export type RelayProcess = {
  name: string;
  role: RelayRole;
  host: string;
  dataDir: string;
  /** Private key of the relay's operator account (handed to the child in OBOL_KEY). */
  key: `0x${string}`;
  chain: ChainClients;
  /** Registered multiaddr (with /p2p). */
  multiaddr: string;
  metricsUrl: string;
  child: ManagedChild;
};

export type ClientProcess = { name: string; dataDir: string; address: string; child: ManagedChild };

export type ProcessNetwork = {
  chain: LocalChain;
  deployment: Deployment;
  deployer: ChainClients;
  deploymentDir: string;
  supervisor: Supervisor;
  relays: RelayProcess[];
  clients: ClientProcess[];
  /** Restarts a relay that was killed, on the same data dir, host and port (it keeps its registration). */
  restartRelay(relay: RelayProcess): Promise<void>;
  /** Stops clients, then relays (SIGTERM, drained), then the chain; safe to call twice. */
  stop(): Promise<ChildExit[]>;
};

/** Checks the loopback address can be bound (Linux routes all of 127/8; macOS only 127.0.0.1). */
async function checkLoopback(host: string): Promise<void> {
  const { createServer } = await import("node:net");
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error) => reject(new LoopbackUnavailableError(host, error)));
    server.listen(0, host, () => server.close(() => resolve()));
  });
}

function relayArgs(
  o: ProcessNetworkOptions,
  r: { role: RelayRole; dataDir: string; host: string; port: number },
  rpcUrl: string,
  deploymentDir: string,
): string[] {
  return [
    "relay",
    "--role",
    r.role,
    "--listen",
    `/ip4/${r.host}/tcp/${r.port}`,
    "--data-dir",
    r.dataDir,
    "--deployment-dir",
    deploymentDir,
    "--rpc-url",
    rpcUrl,
    "--scheme",
    o.scheme,
    "--stake",
    String(STAKE),
    "--json",
    "--stats-every",
    "0",
    "--metrics-port",
    "0",
    "--metrics-host",
    r.host,
    ...(o.rotateKeys === false ? [] : ["--rotate-keys", "--key-grace-s", String(o.keyGraceS ?? 360)]),
    "--cover-rate",
    String(o.relayLoopPerS ?? 0.2),
    "--cover-delay-ms",
    String(o.rates.meanDelayMs),
  ];
}

/**
 * Starts the chain, the relay processes and the client processes.
 *
 * @returns handles; call `stop()` in a finally block
 * @throws LoopbackUnavailableError when 127.0.0.N cannot be bound; ChildExitedError / ChildTimeoutError when a child fails to start
 * @example
 * const net = await startProcessNetwork({ scheme: "free", dataDir, rates, messagesPerS: 0.5, seed: "1", log, signal });
 * try { … } finally { await net.stop(); }
 */
export async function startProcessNetwork(o: ProcessNetworkOptions): Promise<ProcessNetwork> {
  const { dataDir, log, signal, gateways = 2, mixesPerLayer = 3, clients: nClients = 2, onStep = () => {} } = o;
  const nRelays = gateways + 3 * mixesPerLayer;
  await checkLoopback(`127.0.0.${FIRST_HOST + nRelays - 1}`);
  // Hardhat funds the first 20 mnemonic accounts with ETH; later ones (clients of a big soak) can only read the chain.
  if (o.scheme !== "free" && 1 + nRelays + nClients > DEV_ACCOUNT_COUNT)
    throw new ObolError(
      `scheme ${o.scheme} needs a funded account per participant: at most ${DEV_ACCOUNT_COUNT - 1 - nRelays} clients`,
      { hint: "use --scheme free for bigger runs" },
    );
  const accounts = Array.from({ length: 1 + nRelays + nClients }, (_, addressIndex) =>
    mnemonicToAccount(DEV_MNEMONIC, { addressIndex }),
  );
  const devPrivateKey = (i: number) => toHex(accounts[i]!.getHdKey().privateKey!);
  const supervisor = new Supervisor({
    onCrash: (e) => {
      log.error({ exit: e }, describeExit(e));
      o.onCrash?.(e);
    },
  });
  let chain: LocalChain | null = null;
  const relays: RelayProcess[] = [];
  const clients: ClientProcess[] = [];
  let stopScheme: (() => Promise<void>) | null = null;
  let stopped: Promise<ChildExit[]> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      const exits = [...(await supervisor.stopAll(clients.map((c) => c.child))), ...(await supervisor.stopAll())];
      await stopScheme?.().catch((err) => log.warn({ err }, "scheme services did not stop cleanly"));
      await chain?.stop();
      return exits;
    })());
  try {
    onStep("starting Hardhat node on 127.0.0.1");
    chain = await startLocalChain({ port: 0, signal });
    const rpcUrl = o.childRpcUrl ? await o.childRpcUrl(chain.rpcUrl) : chain.rpcUrl;
    const hook = await loadSchemeDevnet(o.scheme);
    onStep(`deploying ObolCore${hook.module ? ` + ${o.scheme}` : ""} with Ignition`);
    const deploymentDir = join(dataDir, "deployer");
    const deployment = await deployObol({
      rpcUrl: chain.rpcUrl,
      modules: hook.module ? [hook.module] : [],
      parameters: { ObolCore: { epochDuration: 3_600n } },
      dataDir: deploymentDir,
      log,
    });
    const connect = (i: number) => connectChain({ rpcUrl: chain!.rpcUrl, deployment, account: accounts[i]! });
    const deployer = await connect(0);

    onStep(`funding ${nRelays} relays and ${nClients} clients`);
    const plan = [
      ...Array.from({ length: gateways }, (_, g) => ({ name: `gateway-${g}`, role: "gateway" as const })),
      ...Array.from({ length: 3 * mixesPerLayer }, (_, m) => ({ name: `mix-${m}`, role: "mix" as const })),
    ];
    const accountChains: ChainClients[] = [];
    for (let i = 0; i < nRelays + nClients && 1 + i < DEV_ACCOUNT_COUNT; i++) {
      const account = await connect(1 + i);
      accountChains.push(account);
      await sendContractTx(
        deployer,
        {
          address: deployment.contracts.ObolToken,
          abi: obolTokenAbi,
          functionName: "transfer",
          args: [account.account, STAKE],
        },
        `fund account ${1 + i}`,
      );
    }

    onStep(`starting ${nRelays} relay processes on 127.0.0.${FIRST_HOST}…${FIRST_HOST + nRelays - 1}`);
    const spawnRelay = (
      p: { name: string; role: RelayRole; host: string; dataDir: string; key: `0x${string}` },
      port: number,
    ) =>
      supervisor.spawn({
        name: p.name,
        args: relayArgs(o, { ...p, port }, rpcUrl, deploymentDir),
        env: { OBOL_KEY: p.key },
        logFile: join(p.dataDir, "process.log"),
      });
    const started = plan.map((p, k) => {
      const host = `127.0.0.${FIRST_HOST + k}`;
      const relayDir = join(dataDir, p.name);
      const key = devPrivateKey(1 + k);
      return {
        ...p,
        host,
        dataDir: relayDir,
        key,
        chain: accountChains[k]!,
        child: spawnRelay({ ...p, host, dataDir: relayDir, key }, 0),
      };
    });
    for (const s of started) {
      const summary = await s.child.waitLine(
        (l) => typeof l.multiaddr === "string",
        "register and print its summary",
        START_TIMEOUT_MS,
        signal,
      );
      relays.push({ ...s, multiaddr: String(summary.multiaddr), metricsUrl: String(summary.metrics), child: s.child });
    }
    const targets: MetricsTarget[] = relays.map((r) => ({ name: r.name, url: r.metricsUrl }));
    writeFileSync(join(dataDir, METRICS_TARGETS_FILE), `${JSON.stringify(targets, null, 2)}\n`);

    onStep(`setting up scheme ${o.scheme}`);
    const { params, layout } = obolNetwork(await loadScheme(o.scheme));
    const context: DevnetContext = {
      deployer,
      relays: relays.map((r) => ({ name: r.name, role: r.role, chain: r.chain, dataDir: r.dataDir })),
      clients: Array.from(
        { length: nClients },
        (_, c): DevnetParticipant => ({
          name: `client-${c}`,
          chain: accountChains[nRelays + c]!,
          dataDir: join(dataDir, `client-${c}`),
        }),
      ),
      packet: { params, layout },
      prepaid: o.prepaid,
      // Each relay process reads the chain itself at the default refresh.
      relayEpochLagMs: relayEpochLagMs(RELAY_REFRESH_MS),
      log,
      signal,
    };
    stopScheme = await hook.setup(context); // its services (issuer, auditor) run in this process

    onStep("entering the epoch the relays are listed in");
    await advanceDevChainToEpoch(deployer, (await currentEpoch(deployer)) + 1n);
    await ensureEpochOpen(deployer);

    onStep(`starting ${nClients} client processes`);
    for (let c = 0; c < nClients; c++) {
      const name = `client-${c}`;
      const clientDir = join(dataDir, name);
      const config: ClientProcessConfig = {
        name,
        dataDir: clientDir,
        deploymentDir,
        rpcUrl,
        scheme: o.scheme,
        gatewayIndex: c,
        rates: o.rates,
        messagesPerS: o.messagesPerS,
        pollMs: 250,
        seed: o.seed,
      };
      const child = supervisor.spawn({
        name,
        script: CLIENT_MAIN,
        args: [JSON.stringify(config)],
        env: { OBOL_KEY: devPrivateKey(1 + nRelays + c) },
        logFile: join(clientDir, "process.log"),
        ipc: true,
      });
      clients.push({ name, dataDir: clientDir, address: "", child });
      // A few at a time: twenty Node processes compiling and dialling at once starve a 2-core machine.
      if (clients.length % CLIENT_BATCH === 0 || c === nClients - 1)
        for (const started of clients.slice(-CLIENT_BATCH))
          if (!started.address)
            started.address = String(
              (
                await started.child.waitLine(
                  (l) => l.type === "ready",
                  "connect to its gateway",
                  START_TIMEOUT_MS,
                  signal,
                )
              ).address,
            );
    }
    for (const [i, c] of clients.entries())
      c.child.send({ type: "peer", address: clients[(i + 1) % clients.length]!.address });

    const restartRelay = async (r: RelayProcess) => {
      if (r.child.running) throw new ObolError(`${r.name} is still running`, { hint: "kill it first" });
      const port = Number(/\/tcp\/(\d+)/.exec(r.multiaddr)![1]);
      r.child = spawnRelay(r, port); // same host and port: the registered multiaddr stays valid
      await r.child.waitLine((l) => typeof l.multiaddr === "string", "restart", START_TIMEOUT_MS, signal);
    };
    return { chain, deployment, deployer, deploymentDir, supervisor, relays, clients, restartRelay, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
