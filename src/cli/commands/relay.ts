/** `obol relay`: run a mix relay or gateway until Ctrl-C / SIGTERM (docs/relay.md). */
import type { DatabaseSync } from "node:sqlite";
import type { Address } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, type CommonOptions, numberOption, parseCommandArgs, requireKey } from "../options.js";
import { UsageError } from "../errors.js";
import type { ChainClients, Deployment, RelayRole } from "../../chain/types.js";
import type { SchemeName } from "../../schemes/scheme.js";
import type { LaunchedRelay, LaunchRelayParameters } from "../../relay/launch.js";
import type { Logger } from "../../log.js";

export const command: Command = {
  name: "relay",
  summary: "run a relay (mix or gateway): registers on chain if needed, mixes until Ctrl-C",
  usage: `Usage: obol relay --role mix|gateway --key 0x… [--listen <multiaddr>]… [options]

Runs a relay from <data-dir>: its libp2p key (peer.key) and X25519 mix key
(mix.key) are created there on first start and reused afterwards; replay tags,
scheme credit and gateway inboxes live in <data-dir>/relay.sqlite. Reads the
deployment from <deployment-dir>/deployment.json, registers the account of
--key in the RelayRegistry (staking the minimum, or --stake) when it is not
registered, and updates the registered multiaddr when it changed. Logs JSON
lines (pino) to stderr; Ctrl-C or SIGTERM stops cleanly (the mixing queue is
drained first).

Options:
  --role <mix|gateway>   relay role (required)
  --listen <multiaddr>   listen address, repeatable (default /ip4/127.0.0.1/tcp/0 and …/ws)
  --announce <multiaddr> address to register instead of the first listen address (without /p2p)
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
  --stake <units>        stake to register with (default the registry minimum)
  --cover-rate <n>       relay loop cover packets per second, λM (default 0.5; 0 = off)
  --cover-delay-ms <n>   mean per-hop delay of cover loops (default 200, as clients: loops must not stand out)
  --max-delay-ms <n>     largest sender-chosen delay accepted (default 60000)
  --stats-every <s>      log statistics every s seconds (default 30)
  --metrics-port <n>     serve Prometheus metrics on http://<metrics-host>:<n>/metrics (0 = any free port; off when absent)
  --metrics-host <ip>    address the metrics server binds (default 127.0.0.1)
  --rotate-keys          new mix key every epoch, registered ahead with updateKeys; keys in <data-dir>/mix-keys/
  --key-grace-s <s>      with --rotate-keys: seconds the previous epoch's key is still accepted (default 360)
${COMMON_USAGE}`,
  async run(argv, { out, log, signal }) {
    const { common, values } = parseRelayArgs(argv);
    if (common.help) {
      out.write(`${command.usage}\n`);
      return 0;
    }
    const flags = relayFlags(common, values);

    const { loadScheme } = await import("../../schemes/registry.js");
    const { readDeployment } = await import("../../chain/deployment-file.js");
    const { connectChain } = await import("../../chain/client.js");
    const { launchRelay } = await import("../../relay/launch.js");
    const { forComponent } = await import("../../log.js");

    const { schemeOf } = await import("../scheme.js");
    const { writeRelayState } = await import("../relay-state.js");
    const { explainStartError, requireGas } = await import("../explain.js");
    const deployment = readDeployment(values["deployment-dir"] ?? common.dataDir);
    const scheme = await loadScheme(schemeOf(common, deployment, "relay"));
    const relayLog = forComponent(log, "obol:relay-cli");
    await refuseSchemeSwitch(common.dataDir, deployment, scheme.name);
    const chain = await connectChain({ rpcUrl: common.rpcUrl, privateKey: flags.key, deployment });
    await requireGas(chain);
    await requireStakeTokens(chain, deployment, flags.stake);
    const launched = await explainStartError(async () =>
      launchRelay({ ...(await launchParameters(common, values, flags, chain, relayLog)), scheme, log }),
    );
    if (scheme.name === "tickets" && flags.coverRate > 0) await warnNoCoverTokens(chain, launched.db, common.dataDir);
    writeRelayState(common.dataDir, {
      relay: chain.account,
      role: flags.role,
      scheme: scheme.name,
      registry: deployment.contracts.RelayRegistry,
      chainId: deployment.chainId,
    });
    try {
      const listed = await registerOrUpdate(chain, launched, flags, values.announce, relayLog);
      printSummary(out, common.json, {
        ...listed,
        relay: chain.account,
        role: flags.role,
        scheme: scheme.name,
        launched,
      });
      await serveUntilAborted(launched, flags.statsEvery, relayLog, signal);
    } finally {
      await launched.stop();
    }
    return 0;
  },
};

/** Parses `obol relay`'s arguments (common options plus the relay's own). */
function parseRelayArgs(argv: string[]) {
  return parseCommandArgs("relay", argv, {
    options: {
      role: { type: "string" },
      listen: { type: "string", multiple: true },
      announce: { type: "string" },
      "deployment-dir": { type: "string" },
      stake: { type: "string" },
      "cover-rate": { type: "string" },
      "cover-delay-ms": { type: "string" },
      "max-delay-ms": { type: "string" },
      "stats-every": { type: "string" },
      "metrics-port": { type: "string" },
      "metrics-host": { type: "string" },
      "rotate-keys": { type: "boolean" },
      "key-grace-s": { type: "string" },
    },
  });
}

type RelayValues = ReturnType<typeof parseRelayArgs>["values"];

/** The options checked before anything starts. */
type RelayFlags = {
  role: RelayRole;
  key: `0x${string}`;
  stake: bigint | undefined;
  coverRate: number;
  coverDelayMs: number;
  maxDelayMs: number;
  statsEvery: number;
};

/**
 * Checks the options that need no chain, in the order the usage errors are reported.
 *
 * @throws UsageError on a missing or malformed option
 */
function relayFlags(common: CommonOptions, values: RelayValues): RelayFlags {
  const role = values.role;
  if (role !== "mix" && role !== "gateway") throw new UsageError("--role must be mix or gateway", "relay");
  const key = requireKey(common, "relay");
  let stake: bigint | undefined;
  try {
    stake = values.stake === undefined ? undefined : BigInt(values.stake);
  } catch {
    throw new UsageError(`--stake must be an integer, got "${values.stake}"`, "relay");
  }
  return {
    role,
    key,
    stake,
    coverRate: numberOption(values["cover-rate"], "--cover-rate", "relay", 0.5),
    coverDelayMs: numberOption(values["cover-delay-ms"], "--cover-delay-ms", "relay", 200),
    maxDelayMs: numberOption(values["max-delay-ms"], "--max-delay-ms", "relay", 60_000),
    statsEvery: numberOption(values["stats-every"], "--stats-every", "relay", 30),
  };
}

/**
 * Warns when the free scheme runs on a paid deployment, and refuses to run a data directory
 * under another paid scheme than the one it earned under.
 *
 * @throws UsageError when the directory's earnings would be stranded
 */
async function refuseSchemeSwitch(dataDir: string, deployment: Deployment, scheme: SchemeName): Promise<void> {
  const { deployedSchemes } = await import("../scheme.js");
  const { readRelayState } = await import("../relay-state.js");
  if (scheme === "free" && deployedSchemes(deployment).length > 0)
    process.stderr.write(
      `warning: this relay runs the free scheme on a deployment with ${deployedSchemes(deployment).join(", ")}: clients paying with it will be refused and it earns nothing; drop --scheme free to use the deployment's scheme\n`,
    );
  const previous = readRelayState(dataDir);
  // What a paid relay earned sits in relay.sqlite under its scheme; another scheme would never claim it.
  if (
    previous &&
    previous.scheme !== "free" &&
    previous.scheme !== scheme &&
    previous.registry === deployment.contracts.RelayRegistry
  )
    throw new UsageError(
      `this relay ran the ${previous.scheme} scheme; running it under ${scheme} would strand what it earned`,
      "relay",
      {
        hint: `claim first (\`obol claim --data-dir ${dataDir}\`), then use a new --data-dir for the other scheme`,
      },
    );
}

/** An unregistered relay must hold its stake (the given one, or the registry's minimum) before it starts. */
async function requireStakeTokens(chain: ChainClients, deployment: Deployment, stake: bigint | undefined) {
  const { readRelay } = await import("../../chain/registry.js");
  const { requireTokens } = await import("../explain.js");
  if ((await readRelay(chain)).status !== "none") return;
  const { obolTokenAbi } = await import("../../chain/abi/ObolToken.js");
  const { relayRegistryAbi } = await import("../../chain/abi/RelayRegistry.js");
  const [balance, minStake] = await Promise.all([
    chain.publicClient.readContract({
      address: deployment.contracts.ObolToken,
      abi: obolTokenAbi,
      functionName: "balanceOf",
      args: [chain.account],
    }),
    chain.publicClient.readContract({
      address: deployment.contracts.RelayRegistry,
      abi: relayRegistryAbi,
      functionName: "minStake",
    }),
  ]);
  requireTokens(chain.account, balance, stake ?? minStake, "registering a relay (the stake)");
}

/** What `launchRelay` is given apart from the scheme and the logger. */
async function launchParameters(
  common: CommonOptions,
  values: RelayValues,
  flags: RelayFlags,
  chain: ChainClients,
  relayLog: Logger,
): Promise<Omit<LaunchRelayParameters, "scheme" | "log">> {
  const { chainSources } = await import("../../relay/chain-sources.js");
  return {
    dataDir: common.dataDir,
    role: flags.role,
    address: chain.account,
    chain,
    ...(values.listen ? { listen: values.listen } : {}),
    sources: () => chainSources(chain, { log: relayLog, open: true }),
    cover: { ratePerSecond: flags.coverRate, meanDelayMs: flags.coverDelayMs },
    tuning: { maxDelayMs: flags.maxDelayMs },
    ...(values["rotate-keys"]
      ? { rotation: { graceMs: numberOption(values["key-grace-s"], "--key-grace-s", "relay", 360) * 1_000 } }
      : {}),
    ...(values["metrics-port"] === undefined
      ? {}
      : {
          metrics: {
            host: values["metrics-host"] ?? "127.0.0.1",
            port: numberOption(values["metrics-port"], "--metrics-port", "relay", 0),
          },
        }),
  };
}

/** Cover loops are paid packets too: without tokens of the current epoch they cannot go out. */
async function warnNoCoverTokens(chain: ChainClients, db: DatabaseSync, dataDir: string): Promise<void> {
  const { TokenWallet } = await import("../../schemes/tickets/wallet.js");
  const { currentEpoch } = await import("../../chain/epochs.js");
  const epoch = await currentEpoch(chain);
  if (!new TokenWallet(db).summary().some((r) => r.epoch >= epoch && r.unspent > 0))
    process.stderr.write(
      `warning: this tickets relay holds no tokens for epoch ${epoch} or later, so its cover loops cannot go out; buy some with \`obol tickets buy --data-dir ${dataDir} …\` each epoch, or run with --cover-rate 0 (docs/operator.md §5)\n`,
    );
}

/**
 * Registers the relay when it is not registered, or updates its multiaddr when it changed.
 *
 * @returns the relay's peer id, the multiaddr it is listed under and the epoch it is listed from
 */
async function registerOrUpdate(
  chain: ChainClients,
  launched: LaunchedRelay,
  flags: RelayFlags,
  announce: string | undefined,
  relayLog: Logger,
): Promise<{ peerId: string; multiaddr: string; activeFrom: bigint }> {
  const { readRelay, registerRelay, updateRelayMultiaddr } = await import("../../chain/registry.js");
  const { explainStartError } = await import("../explain.js");
  const peerId = launched.node.peerId.toString();
  const multiaddr = announce ? `${announce}/p2p/${peerId}` : launched.multiaddrs[0]!;
  const record = await readRelay(chain);
  let activeFrom = record.activeFrom;
  if (record.status === "none") {
    const { role, stake } = flags;
    const registered = await explainStartError(() =>
      registerRelay(chain, { role, mixKey: launched.mixPublicKey, multiaddr, ...(stake ? { stake } : {}) }),
    );
    activeFrom = registered.activeFrom;
    relayLog.info({ activeFrom, gas: registered.register }, "registered in the RelayRegistry");
  } else if (record.multiaddr !== multiaddr) {
    await updateRelayMultiaddr(chain, multiaddr);
    relayLog.info({ multiaddr }, "registered multiaddr updated");
  }
  return { peerId, multiaddr, activeFrom };
}

/** Prints where the relay is listed: one JSON line with `--json`, two lines for a person otherwise. */
function printSummary(
  out: NodeJS.WritableStream,
  json: boolean,
  p: {
    relay: Address;
    role: RelayRole;
    scheme: SchemeName;
    peerId: string;
    multiaddr: string;
    activeFrom: bigint;
    launched: LaunchedRelay;
  },
): void {
  const { launched, role, multiaddr } = p;
  const summary = {
    relay: p.relay,
    role,
    peerId: p.peerId,
    multiaddr,
    mixKey: Buffer.from(launched.mixPublicKey).toString("hex"),
    activeFrom: p.activeFrom.toString(),
    scheme: p.scheme,
    ...(launched.metricsUrl ? { metrics: launched.metricsUrl } : {}),
  };
  if (json) out.write(`${JSON.stringify(summary)}\n`);
  else
    out.write(
      `relay ${summary.relay} (${role}, scheme ${p.scheme}) at ${multiaddr}\n  listed from epoch ${summary.activeFrom}${launched.metricsUrl ? `; metrics at ${launched.metricsUrl}` : ""}; Ctrl-C to stop\n`,
    );
}

/** Logs the relay's statistics every `statsEvery` seconds (never when 0) until `signal` aborts. */
async function serveUntilAborted(
  launched: LaunchedRelay,
  statsEvery: number,
  relayLog: Logger,
  signal: AbortSignal,
): Promise<void> {
  const timer =
    statsEvery > 0
      ? setInterval(() => relayLog.info({ stats: launched.relay.stats }, "stats"), statsEvery * 1_000)
      : null;
  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  if (timer) clearInterval(timer);
}
