/** `obol unbond`: a relay leaves the directory; its stake unlocks after the unbonding delay. */
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs, requireKey } from "../options.js";
import { CliStateError } from "../errors.js";
import { openChain } from "../session.js";

export const command: Command = {
  name: "unbond",
  summary: "take your relay out of the directory from the next epoch (then `obol withdraw`)",
  usage: `Usage: obol unbond --key-file F [--deployment-dir DD]

Tells the RelayRegistry that the relay of --key leaves: it stays listed until
the end of the current epoch (clients may still route through it, so keep it
running until then) and is not listed from the next one. Its stake unlocks
after the registry's unbonding delay; \`obol withdraw\` then returns it.
Claim what the relay earned first (\`obol claim\`).

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
${COMMON_USAGE}`,
  async run(argv, { out }) {
    const { common, values } = parseCommandArgs("unbond", argv, { options: { "deployment-dir": { type: "string" } } });
    requireKey(common, "unbond");
    const chain = await openChain(common, values["deployment-dir"]);
    const { readRelay, unbondRelay } = await import("../../chain/registry.js");
    const { requireGas } = await import("../explain.js");
    const before = await readRelay(chain);
    if (before.status === "none")
      throw new CliStateError(`Account ${chain.account} has no relay registered`, {
        hint: "pass the relay's operator key",
      });
    if (before.status === "unbonding")
      throw new CliStateError(`The relay of ${chain.account} is already unbonding`, {
        details: `stake unlocks at ${new Date(Number(before.unlockAt) * 1000).toISOString()}`,
        hint: "run `obol withdraw` once that time has passed",
      });
    await requireGas(chain);
    const tx = await unbondRelay(chain);
    const after = await readRelay(chain);
    const unlock = new Date(Number(after.unlockAt) * 1000).toISOString();
    out.write(
      common.json
        ? `${JSON.stringify({ relay: chain.account, exitEpoch: after.exitEpoch.toString(), unlockAt: after.unlockAt.toString(), tx: tx.hash })}\n`
        : `relay ${chain.account} unbonding: listed until epoch ${after.exitEpoch - 1n}, stake unlocks at ${unlock}; then \`obol withdraw\` (tx ${tx.hash})\n`,
    );
    return 0;
  },
};
