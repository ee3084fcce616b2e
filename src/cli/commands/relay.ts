/** `obol relay`: run a mix relay or gateway until Ctrl-C / SIGTERM (docs/relay.md). */
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs, requireKey } from "../options.js";
import { UsageError } from "../errors.js";

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
    const { common, values } = parseCommandArgs("relay", argv, {
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
    if (common.help) {
      out.write(`${command.usage}\n`);
      return 0;
    }
    const role = values.role;
    if (role !== "mix" && role !== "gateway") throw new UsageError("--role must be mix or gateway", "relay");
    const key = requireKey(common, "relay");
    let stake: bigint | undefined;
    try {
      stake = values.stake === undefined ? undefined : BigInt(values.stake);
    } catch {
      throw new UsageError(`--stake must be an integer, got "${values.stake}"`, "relay");
    }
    const coverRate = numberOption(values["cover-rate"], "--cover-rate", "relay", 0.5);
    const coverDelayMs = numberOption(values["cover-delay-ms"], "--cover-delay-ms", "relay", 200);
    const maxDelayMs = numberOption(values["max-delay-ms"], "--max-delay-ms", "relay", 60_000);
    const statsEvery = numberOption(values["stats-every"], "--stats-every", "relay", 30);

    const { loadScheme } = await import("../../schemes/registry.js");
    const { readDeployment } = await import("../../chain/deployment-file.js");
    const { connectChain } = await import("../../chain/client.js");
    const { readRelay, registerRelay, updateRelayMultiaddr } = await import("../../chain/registry.js");
    const { chainSources } = await import("../../relay/chain-sources.js");
    const { launchRelay } = await import("../../relay/launch.js");
    const { forComponent } = await import("../../log.js");

    const { schemeOf, deployedSchemes } = await import("../scheme.js");
    const { writeRelayState, readRelayState } = await import("../relay-state.js");
    const { explainStartError, requireGas, requireTokens } = await import("../explain.js");
    const deployment = readDeployment(values["deployment-dir"] ?? common.dataDir);
    const scheme = await loadScheme(schemeOf(common, deployment, "relay"));
    const relayLog = forComponent(log, "obol:relay-cli");
    if (scheme.name === "free" && deployedSchemes(deployment).length > 0)
      process.stderr.write(
        `warning: this relay runs the free scheme on a deployment with ${deployedSchemes(deployment).join(", ")}: clients paying with it will be refused and it earns nothing; drop --scheme free to use the deployment's scheme\n`,
      );
    const previous = readRelayState(common.dataDir);
    // What a paid relay earned sits in relay.sqlite under its scheme; another scheme would never claim it.
    if (
      previous &&
      previous.scheme !== "free" &&
      previous.scheme !== scheme.name &&
      previous.registry === deployment.contracts.RelayRegistry
    )
      throw new UsageError(
        `this relay ran the ${previous.scheme} scheme; running it under ${scheme.name} would strand what it earned`,
        "relay",
        {
          hint: `claim first (\`obol claim --data-dir ${common.dataDir}\`), then use a new --data-dir for the other scheme`,
        },
      );
    const chain = await connectChain({ rpcUrl: common.rpcUrl, privateKey: key, deployment });
    await requireGas(chain);
    if ((await readRelay(chain)).status === "none") {
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
    const launched = await explainStartError(() =>
      launchRelay({
        dataDir: common.dataDir,
        role,
        address: chain.account,
        scheme,
        chain,
        log,
        ...(values.listen ? { listen: values.listen } : {}),
        sources: () => chainSources(chain, { log: relayLog, open: true }),
        cover: { ratePerSecond: coverRate, meanDelayMs: coverDelayMs },
        tuning: { maxDelayMs },
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
      }),
    );
    if (scheme.name === "tickets" && coverRate > 0) {
      // Cover loops are paid packets too: without tokens of the current epoch they cannot go out.
      const { TokenWallet } = await import("../../schemes/tickets/wallet.js");
      const { currentEpoch } = await import("../../chain/epochs.js");
      const epoch = await currentEpoch(chain);
      if (!new TokenWallet(launched.db).summary().some((r) => r.epoch >= epoch && r.unspent > 0))
        process.stderr.write(
          `warning: this tickets relay holds no tokens for epoch ${epoch} or later, so its cover loops cannot go out; buy some with \`obol tickets buy --data-dir ${common.dataDir} …\` each epoch, or run with --cover-rate 0 (docs/operator.md §5)\n`,
        );
    }
    writeRelayState(common.dataDir, {
      relay: chain.account,
      role,
      scheme: scheme.name,
      registry: deployment.contracts.RelayRegistry,
      chainId: deployment.chainId,
    });
    try {
      const peerId = launched.node.peerId.toString();
      const multiaddr = values.announce ? `${values.announce}/p2p/${peerId}` : launched.multiaddrs[0]!;
      const record = await readRelay(chain);
      let activeFrom = record.activeFrom;
      if (record.status === "none") {
        const registered = await explainStartError(() =>
          registerRelay(chain, { role, mixKey: launched.mixPublicKey, multiaddr, ...(stake ? { stake } : {}) }),
        );
        activeFrom = registered.activeFrom;
        relayLog.info({ activeFrom, gas: registered.register }, "registered in the RelayRegistry");
      } else if (record.multiaddr !== multiaddr) {
        await updateRelayMultiaddr(chain, multiaddr);
        relayLog.info({ multiaddr }, "registered multiaddr updated");
      }
      const summary = {
        relay: chain.account,
        role,
        peerId,
        multiaddr,
        mixKey: Buffer.from(launched.mixPublicKey).toString("hex"),
        activeFrom: activeFrom.toString(),
        scheme: scheme.name,
        ...(launched.metricsUrl ? { metrics: launched.metricsUrl } : {}),
      };
      if (common.json) out.write(`${JSON.stringify(summary)}\n`);
      else
        out.write(
          `relay ${summary.relay} (${role}, scheme ${scheme.name}) at ${multiaddr}\n  listed from epoch ${summary.activeFrom}${launched.metricsUrl ? `; metrics at ${launched.metricsUrl}` : ""}; Ctrl-C to stop\n`,
        );
      const timer =
        statsEvery > 0
          ? setInterval(() => relayLog.info({ stats: launched.relay.stats }, "stats"), statsEvery * 1_000)
          : null;
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
      if (timer) clearInterval(timer);
    } finally {
      await launched.stop();
    }
    return 0;
  },
};
