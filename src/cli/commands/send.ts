/** `obol send <address> <message>`: one sealed message through 5 hops. */
import { bytesToHex } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs } from "../options.js";
import { openClient } from "../session.js";

export const command: Command = {
  name: "send",
  summary: "send a sealed message (with a SURB for the reply) to an obol1… address",
  usage: `Usage: obol send <address> <message> [--no-reply]

Picks a stratified route (your gateway → one mix per layer → the
recipient's gateway), seals the message to the recipient's key, embeds a
SURB so the recipient can answer without learning who you are, pays every
hop with --scheme and sends it. Replies arrive in your mailbox: \`obol inbox\`.
The client state (keys, mailbox, SURB secrets) lives in --data-dir, which
must also hold deployment.json.

Options:
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
  --no-reply         do not embed a SURB
${COMMON_USAGE}`,
  async run(argv, { out, log }) {
    const { values, positionals, common } = parseCommandArgs("send", argv, {
      options: { "no-reply": { type: "boolean", default: false }, "deployment-dir": { type: "string" } },
      positionals: 2,
    });
    const [to, message] = positionals as [string, string];
    const { parseAddress } = await import("../../client/address.js");
    parseAddress(to); // fail on a bad address before touching the network
    const client = await openClient(common, log, values["deployment-dir"]);
    try {
      const id = await client.send(to, message, { reply: !values["no-reply"] });
      const hex = bytesToHex(id).slice(2);
      out.write(common.json ? `${JSON.stringify({ id: hex, gateway: client.gateway })}\n` : `sent ${hex} via gateway ${client.gateway}\n`);
      return 0;
    } finally {
      await client.stop();
    }
  },
};
