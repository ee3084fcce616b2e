/** `obol inbox`: your address, your messages, and replies through SURBs. */
import { bytesToHex, type Address } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs } from "../options.js";
import type { CommonOptions } from "../options.js";
import { openChain, openClient } from "../session.js";

export const command: Command = {
  name: "inbox",
  summary: "pull and print your messages; --reply <id> <text> answers via SURB; --address",
  usage: `Usage: obol inbox [--address] [--all]
       obol inbox --reply <id-prefix> <message>

Pulls your mailbox from your gateway (always 8 padded frames per pull, so
the gateway's answer does not reveal how many messages wait), opens what
arrived and prints new messages and replies. --all prints every stored one.
--address prints your obol1… address (gateway, mailbox, sealing key).
--reply answers a received message through the SURB it carried (once).

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
  --address          print your address and exit
  --all              print every stored message, not only new ones
  --reply <id>       reply to a received message (id prefix as printed)
${COMMON_USAGE}`,
  async run(argv, { out, log }) {
    const { values, positionals, common } = parseCommandArgs("inbox", argv, {
      options: {
        "deployment-dir": { type: "string" },
        address: { type: "boolean", default: false },
        all: { type: "boolean", default: false },
        reply: { type: "string" },
      },
      positionals: 0,
      maxPositionals: 1,
    });
    const client = await openClient(common, log, {
      command: "inbox",
      pays: false,
      deploymentDir: values["deployment-dir"],
    });
    try {
      if (values.address) {
        out.write(common.json ? `${JSON.stringify({ address: client.address })}\n` : `${client.address}\n`);
        return 0;
      }
      if (values.reply !== undefined) {
        const text = positionals[0];
        if (text === undefined)
          throw new (await import("../errors.js")).UsageError("--reply needs the reply text", "inbox");
        const { ClientStateError } = await import("../../client/errors.js");
        const { CliStateError } = await import("../errors.js");
        const { replyTarget } = await import("../../client/store.js");
        try {
          replyTarget(client.state.received(), values.reply); // a wrong id is named first, before any payment check
          await checkReplyPayable(common, client.state.identity().gateway, values["deployment-dir"]);
          await client.reply(values.reply, text);
          await client.acknowledged(); // before stop: the gateway holds the reply (ObolClient.acknowledged)
        } catch (error) {
          // The client's generic hint (create a data dir) is wrong here: the data dir is fine, the id is not.
          if (error instanceof ClientStateError)
            throw new CliStateError(error.shortMessage.replace(/^Client state: /, "Cannot reply: "), {
              hint: "list the messages you received, with their ids, with `obol inbox --all`",
            });
          throw error;
        }
        out.write(common.json ? `${JSON.stringify({ replied: values.reply })}\n` : `replied to ${values.reply}\n`);
        return 0;
      }
      const fresh = await client.pull();
      const shown = values.all
        ? client.state.received().map((m) => ({ ...m, canReply: m.surb !== null }))
        : fresh.map((m) => ({ ...m, canReply: m.kind === "message" && m.canReply }));
      for (const m of shown) {
        const id = bytesToHex(m.id).slice(2);
        const text = new TextDecoder().decode(m.content);
        if (common.json)
          out.write(`${JSON.stringify({ kind: m.kind, id, text, canReply: m.canReply, receivedAt: m.receivedAt })}\n`);
        else
          out.write(
            `${m.kind === "reply" ? "reply to" : "message"} ${id.slice(0, 12)}${m.canReply ? " (reply with --reply)" : ""}: ${text}\n`,
          );
      }
      if (!common.json && shown.length === 0) out.write("no new messages\n");
      return 0;
    } finally {
      await client.stop();
    }
  },
};

/**
 * Under channels the replier pays for its reply, on its own channel to its gateway, where every
 * reply block sent to it starts (a block names nobody; docs/channels.md §Replies). Checked
 * before the reply block is taken (it is single-use) and before anything is sent.
 *
 * @throws CliStateError without --key-file, or when the key's account has no open channel to the gateway
 */
async function checkReplyPayable(
  common: CommonOptions,
  gateway: Address | null,
  deploymentDir: string | undefined,
): Promise<void> {
  const { readDeployment } = await import("../../chain/deployment-file.js");
  const { schemeOf } = await import("../scheme.js");
  const { CliStateError } = await import("../errors.js");
  if (schemeOf(common, readDeployment(deploymentDir ?? common.dataDir), "inbox") !== "channels" || gateway === null)
    return;
  if (!common.key)
    throw new CliStateError("Replying under channels pays for the reply from your own account, and no key was given", {
      hint: "pass --key-file <your key>: the account with an open channel to your gateway (`obol channels open --to <gateway> --amount <OBOL>`)",
    });
  const chain = await openChain(common, deploymentDir);
  const { readChannel } = await import("../../schemes/channels/chain.js");
  if ((await readChannel(chain, chain.account, gateway)).status !== "open")
    throw new CliStateError(
      `Cannot reply: your account ${chain.account} has no open channel to your gateway ${gateway}`,
      {
        details: "under channels the replier pays for its reply on its own channel to its gateway",
        hint: `open one with \`obol channels open --to ${gateway} --amount <OBOL> --key-file <your key>\`, then reply again`,
      },
    );
}
