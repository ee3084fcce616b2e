/** `obol chain`: Hardhat's node on 127.0.0.1 until Ctrl-C. */
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs } from "../options.js";

export const command: Command = {
  name: "chain",
  summary: "run a local Hardhat chain on 127.0.0.1 (until Ctrl-C)",
  usage: `Usage: obol chain [--port N]

Starts Hardhat's node bound to loopback, with its 20 funded dev accounts
(mnemonic "test test … junk"), and keeps it running until Ctrl-C.
Then run \`obol deploy\` against it.

Options:
  --port <n>         TCP port (default 8545; 0 = any free port)
${COMMON_USAGE}`,
  async run(argv, { out, signal, log }) {
    const { values, common } = parseCommandArgs("chain", argv, { options: { port: { type: "string" } } });
    const port = numberOption(values.port, "--port", "chain", 8545);
    const { startLocalChain } = await import("../../chain/node.js");
    const chain = await startLocalChain({ port, signal });
    if (common.json) out.write(`${JSON.stringify({ rpcUrl: chain.rpcUrl })}\n`);
    else out.write(`local chain at ${chain.rpcUrl} (Ctrl-C to stop)\n`);
    log.debug({ rpcUrl: chain.rpcUrl }, "chain started");
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await chain.stop();
    return 0;
  },
};
