/** `obol send <address> <message>`: one sealed message through 5 hops. */
import { readFileSync } from "node:fs";
import { bytesToHex } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs } from "../options.js";
import { UsageError } from "../errors.js";
import { openClient, openDirectory } from "../session.js";

/** Characters of a printed address: "obol1" and 143 base32 characters (docs/client.md §Address). */
const ADDRESS_CHARS = 148;

export const command: Command = {
  name: "send",
  summary: "send a sealed message (with a SURB for the reply) to an obol1… address",
  usage: `Usage: obol send <address> <message> [--no-reply]
       obol send <address> --file <path>     (--file - reads standard input)

Picks a stratified route (your gateway → one mix per layer → the
recipient's gateway), seals the message to the recipient's key, embeds a
SURB so the recipient can answer without learning who you are, pays every
hop with the deployment's scheme and sends it. Replies arrive in your
mailbox: \`obol inbox\`. The client state (keys, mailbox, SURB secrets) lives
in --data-dir. Under channels and tickets the payment comes from your
account: pass --key-file (see docs/operator.md).

A message fits in one packet. With a SURB: at most 1,487 bytes under free
and shopper, 1,127 under tickets, 1,068 under channels (payment slots take
room in every hop); with --no-reply: 1,962. A longer one is refused.

Options:
  --file <path>          read the message from a file, or from stdin with -
  --deployment-dir <dir> where deployment.json is (default: --data-dir)
  --no-reply             do not embed a SURB
${COMMON_USAGE}`,
  async run(argv, { out, log }) {
    const { values, positionals, common } = parseCommandArgs("send", argv, {
      options: {
        "no-reply": { type: "boolean", default: false },
        "deployment-dir": { type: "string" },
        file: { type: "string" },
      },
      positionals: 1,
      maxPositionals: 2,
    });
    const [to, text] = positionals as [string, string | undefined];
    if ((text === undefined) === (values.file === undefined))
      throw new UsageError(
        text === undefined
          ? "no message: give it as the second argument or with --file"
          : "give the message as an argument or with --file, not both",
        "send",
      );
    const message = text !== undefined ? new TextEncoder().encode(text) : readMessage(values.file!);
    if (message.length === 0) throw new UsageError("the message is empty; there is nothing to send", "send");
    if (to.startsWith("obol1") && to.length < ADDRESS_CHARS)
      throw new UsageError(
        `the address has ${to.length} characters, an obol1… address has ${ADDRESS_CHARS}: it was cut when copied`,
        "send",
        {
          hint: "copy the whole address the recipient got from `obol inbox --address`",
        },
      );
    const { parseAddress } = await import("../../client/address.js");
    parseAddress(to); // fail on a bad address before touching the network
    const client = await openClient(common, log, {
      command: "send",
      pays: true,
      deploymentDir: values["deployment-dir"],
    });
    try {
      const { openChain } = await import("../session.js");
      const { schemeOf } = await import("../scheme.js");
      const chain = await openChain(common, values["deployment-dir"]);
      if (schemeOf(common, chain.deployment, "send") === "channels") {
        const { checkRouteChannels } = await import("../channels-check.js");
        const { readDirectory } = await import("../../chain/directory.js");
        const unpaid = await checkRouteChannels(
          chain,
          await openDirectory(chain, () => readDirectory(chain), { canOpen: false }),
        );
        for (const u of unpaid)
          process.stderr.write(
            `warning: relay ${u.from} has no open channel to ${u.to}: messages routed through both are dropped\n`,
          );
      }
      const id = await client.send(to, message, { reply: !values["no-reply"] });
      // Exit only once the gateway holds the packet: a stop right after the write could lose it (ObolClient.acknowledged).
      await client.acknowledged();
      const hex = bytesToHex(id).slice(2);
      out.write(
        common.json
          ? `${JSON.stringify({ id: hex, gateway: client.gateway })}\n`
          : `sent ${hex} via gateway ${client.gateway}\n`,
      );
      return 0;
    } finally {
      await client.stop();
    }
  },
};

function readMessage(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file === "-" ? 0 : file));
  } catch (cause) {
    throw new UsageError(
      `cannot read --file ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      "send",
      { cause },
    );
  }
}
