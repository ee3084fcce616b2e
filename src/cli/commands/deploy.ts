/** `obol deploy`: ObolCore plus the scheme's contracts, through Ignition. */
import type { Command } from "../command.js";
import { existsSync } from "node:fs";
import { COMMON_USAGE, parseCommandArgs } from "../options.js";
import { CliStateError, UsageError } from "../errors.js";

export const command: Command = {
  name: "deploy",
  summary: "deploy Obol's contracts with Ignition (core + --scheme module)",
  usage: `Usage: obol deploy [--scheme S] [--rpc-url U] [--key 0x…] [--data-dir D]

Deploys ObolToken and RelayRegistry (Ignition module ObolCore) and the
contracts of the chosen scheme, then writes <data-dir>/deployment.json,
which every other command reads. Re-running resumes or extends the
same deployment. Without --key, account #0 of a dev node deploys (and then
holds the whole OBOL supply: give relays and clients theirs with
\`obol token transfer\`).

Options:
  --epoch-seconds <n>    length of a registry epoch (default 60); relays are
                         listed, channels re-keyed and tokens valid per epoch
${COMMON_USAGE}`,
  async run(argv, { out, log }) {
    const { common, values } = parseCommandArgs("deploy", argv, { options: { "epoch-seconds": { type: "string" } } });
    const epochSeconds = values["epoch-seconds"];
    if (epochSeconds !== undefined && !/^[1-9]\d*$/.test(epochSeconds))
      throw new UsageError(`--epoch-seconds must be a positive integer, got "${epochSeconds}"`, "deploy");
    const { deployObol } = await import("../../chain/deploy.js");
    const { deploymentPath, readDeployment } = await import("../../chain/deployment-file.js");
    if (existsSync(deploymentPath(common.dataDir))) {
      // A deployment.json that does not parse would be replaced with a new start block, silently
      // hiding every event before it from relays and claims: refuse instead.
      const { DeploymentFileInvalidError } = await import("../../chain/errors.js");
      try {
        readDeployment(common.dataDir);
      } catch (error) {
        if (!(error instanceof DeploymentFileInvalidError)) throw error;
        throw new CliStateError(
          `${deploymentPath(common.dataDir)} is corrupt; deploying over it would change the deployment's start block`,
          {
            details: error.shortMessage,
            hint: `restore it from a copy (every participant's --deployment-dir holds one), or, to deploy afresh, move ${common.dataDir} aside and run \`obol deploy\` again`,
          },
        );
      }
    }
    const { loadSchemeDevnet } = await import("../../schemes/devnet.js");
    const hook = await loadSchemeDevnet(common.scheme);
    const deployment = await deployObol({
      rpcUrl: common.rpcUrl,
      ...(common.key ? { privateKey: common.key } : {}),
      modules: hook.module ? [hook.module] : [],
      dataDir: common.dataDir,
      log,
      ...(epochSeconds ? { parameters: { ObolCore: { epochDuration: BigInt(epochSeconds) } } } : {}),
    });
    if (common.json) out.write(`${JSON.stringify({ ...deployment, startBlock: deployment.startBlock.toString() })}\n`);
    else {
      out.write(
        `deployed on chain ${deployment.chainId} (${deployment.rpcUrl}), from block ${deployment.startBlock}\n`,
      );
      for (const [name, address] of Object.entries(deployment.contracts))
        out.write(`  ${name.padEnd(16)} ${address}\n`);
      out.write(`written to ${common.dataDir}/deployment.json\n`);
    }
    return 0;
  },
};
