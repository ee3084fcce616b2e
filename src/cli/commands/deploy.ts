/** `obol deploy`: ObolCore plus the scheme's contracts, through Ignition. */
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs } from "../options.js";

export const command: Command = {
  name: "deploy",
  summary: "deploy Obol's contracts with Ignition (core + --scheme module)",
  usage: `Usage: obol deploy [--scheme S] [--rpc-url U] [--key 0x…] [--data-dir D]

Deploys ObolToken and RelayRegistry (Ignition module ObolCore) and the
contracts of the chosen scheme, then writes <data-dir>/deployment.json,
which every other command reads. Re-running resumes or extends the
same deployment. Without --key, account #0 of a dev node deploys.

${COMMON_USAGE}`,
  async run(argv, { out, log }) {
    const { common } = parseCommandArgs("deploy", argv, { options: {} });
    const { deployObol } = await import("../../chain/deploy.js");
    const { loadSchemeDevnet } = await import("../../sim/schemes.js");
    const hook = await loadSchemeDevnet(common.scheme);
    const deployment = await deployObol({
      rpcUrl: common.rpcUrl,
      ...(common.key ? { privateKey: common.key } : {}),
      modules: hook?.module ? [hook.module] : [],
      dataDir: common.dataDir,
      log,
    });
    if (common.json) out.write(`${JSON.stringify({ ...deployment, startBlock: deployment.startBlock.toString() })}\n`);
    else {
      out.write(`deployed on chain ${deployment.chainId} (${deployment.rpcUrl}), from block ${deployment.startBlock}\n`);
      for (const [name, address] of Object.entries(deployment.contracts)) out.write(`  ${name.padEnd(16)} ${address}\n`);
      out.write(`written to ${common.dataDir}/deployment.json\n`);
    }
    return 0;
  },
};
