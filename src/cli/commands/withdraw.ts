/** `obol withdraw`: an unbonded relay takes its stake back. */
import { formatUnits } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs, requireKey } from "../options.js";
import { CliStateError } from "../errors.js";
import { openChain } from "../session.js";

export const command: Command = {
  name: "withdraw",
  summary: "take your relay's stake back once `obol unbond` has unlocked it",
  usage: `Usage: obol withdraw --key-file F [--deployment-dir DD]

Returns the stake of the relay of --key to its account and removes its
record, once the unbonding delay after \`obol unbond\` has passed.

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
${COMMON_USAGE}`,
  async run(argv, { out }) {
    const { common, values } = parseCommandArgs("withdraw", argv, {
      options: { "deployment-dir": { type: "string" } },
    });
    requireKey(common, "withdraw");
    const chain = await openChain(common, values["deployment-dir"]);
    const { readRelay, withdrawRelayStake } = await import("../../chain/registry.js");
    const { requireGas } = await import("../explain.js");
    const record = await readRelay(chain);
    if (record.status === "none")
      throw new CliStateError(`Account ${chain.account} has no relay registered`, {
        hint: "pass the relay's operator key",
      });
    if (record.status === "active")
      throw new CliStateError(`The relay of ${chain.account} is still active`, {
        hint: "run `obol unbond` first, then withdraw once the stake unlocks",
      });
    const now = (await chain.publicClient.getBlock({ blockTag: "pending" })).timestamp;
    if (now < record.unlockAt)
      throw new CliStateError(
        `The stake of ${chain.account} unlocks at ${new Date(Number(record.unlockAt) * 1000).toISOString()}`,
        {
          details: `${record.unlockAt - now} s from now`,
          hint: "run `obol withdraw` again after that time",
        },
      );
    await requireGas(chain);
    const tx = await withdrawRelayStake(chain);
    out.write(
      common.json
        ? `${JSON.stringify({ relay: chain.account, withdrawn: record.stake.toString(), tx: tx.hash })}\n`
        : `withdrew ${formatUnits(record.stake, 18)} OBOL of stake to ${chain.account} (tx ${tx.hash})\n`,
    );
    return 0;
  },
};
