/** `obol chain`: Hardhat's node on 127.0.0.1 until Ctrl-C. */
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs } from "../options.js";

export const command: Command = {
  name: "chain",
  summary: "run a local Hardhat chain on 127.0.0.1 (until Ctrl-C)",
  usage: `Usage: obol chain [--port N]

Starts Hardhat's node bound to loopback, with its 20 dev accounts holding
ETH (mnemonic "test test … junk"), and keeps it running until Ctrl-C.
Writes the key of dev account #0 to <data-dir>/deployer.key (mode 0600):
\`obol deploy\` deploys from that account, which then holds the whole OBOL
supply; hand OBOL and ETH to other accounts with
\`obol token transfer --key-file <data-dir>/deployer.key\`.

Options:
  --port <n>         TCP port (default 8545; 0 = any free port)
${COMMON_USAGE}`,
  async run(argv, { out, signal, log }) {
    const { values, common } = parseCommandArgs("chain", argv, { options: { port: { type: "string" } } });
    const port = numberOption(values.port, "--port", "chain", 8545);
    const { startLocalChain } = await import("../../chain/node.js");
    const chain = await startLocalChain({ port, signal });
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { devPrivateKey, devAccounts } = await import("../../chain/node.js");
    const keyFile = join(common.dataDir, "deployer.key");
    mkdirSync(common.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, `${devPrivateKey(0)}\n`, { mode: 0o600 });
    const deployer = devAccounts(1)[0]!.address;
    if (common.json) out.write(`${JSON.stringify({ rpcUrl: chain.rpcUrl, deployer, deployerKeyFile: keyFile })}\n`);
    else out.write(`local chain at ${chain.rpcUrl} (Ctrl-C to stop)\ndeployer ${deployer}: key in ${keyFile}\n`);
    log.debug({ rpcUrl: chain.rpcUrl }, "chain started");
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await chain.stop();
    return 0;
  },
};
