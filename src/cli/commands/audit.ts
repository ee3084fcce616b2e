/** `obol audit status --epoch N`: the secret-shopper audit of one epoch as the chain records it. */
import { formatUnits, getContract, type Hex } from "viem";
import type { Command } from "../command.js";
import { COMMON_USAGE, parseCommandArgs } from "../options.js";
import { UsageError } from "../errors.js";
import { openChain } from "../session.js";

const STATUS = ["none", "open", "paid", "broken", "voided"] as const;

export const command: Command = {
  name: "audit",
  summary: "show the secret-shopper audit of an epoch (commitments, beacon, revealed loops)",
  usage: `Usage: obol audit status --epoch N

Reads ShopperAudit: the epoch's layer members and their tag commitments, the
beacon, every revealed loop with its route, proven hops and outcome, and the
reward pool. See docs/shopper.md.

${COMMON_USAGE}`,
  async run(argv, { out }) {
    const { common, values, positionals } = parseCommandArgs("audit", argv, {
      options: { epoch: { type: "string" } },
      positionals: 1,
    });
    if (positionals[0] !== "status")
      throw new UsageError(`unknown subcommand "${positionals[0]}"`, "audit", {
        hint: "use `obol audit status --epoch N`",
      });
    if (values.epoch === undefined || !/^\d+$/.test(String(values.epoch)))
      throw new UsageError("--epoch N is required (a non-negative integer)", "audit");
    const epoch = BigInt(String(values.epoch));
    const chain = await openChain(common);
    const { shopperAuditAbi } = await import("../../chain/abi/ShopperAudit.js");
    const { shopperAddress, revealedLoops } = await import("../../schemes/shopper/chain.js");
    const address = shopperAddress(chain);
    // Typed reads: viem infers each function's arguments and result from the `as const` ABI.
    const { read } = getContract({ address, abi: shopperAuditAbi, client: chain.publicClient });
    const members = new Set<Hex>();
    for (let l = 0; l < 4; l++) for (const a of await read.layerMembers([epoch, l])) members.add(a);
    const commitments = [];
    for (const relay of members) {
      const [root, tagCount] = await read.commitment([epoch, relay]);
      commitments.push({ relay, root, tagCount });
    }
    const beacon = await read.beaconOf([epoch]);
    const loops = [];
    for (const loop of await revealedLoops(chain, epoch)) {
      const audit = await read.audit([loop.auditId]);
      loops.push({ ...loop, status: STATUS[audit.status] ?? String(audit.status), provenMask: audit.provenMask });
    }
    const [pool, reserved, totalOwed] = await Promise.all([read.pool(), read.reserved(), read.totalOwed()]);
    const report = { epoch, beacon, commitments, loops, pool, reserved, totalOwed };
    if (common.json) {
      out.write(`${JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
      return 0;
    }
    out.write(`epoch ${epoch}: beacon ${/^0x0+$/.test(beacon) ? "not fixed" : beacon}\n`);
    out.write(`commitments (${commitments.filter((c) => c.tagCount > 0n).length}/${commitments.length} relays):\n`);
    for (const c of commitments)
      out.write(`  ${c.relay}  ${c.tagCount > 0n ? `${c.tagCount} tags  ${c.root}` : "none"}\n`);
    out.write(`revealed loops: ${loops.length}\n`);
    for (const l of loops) {
      const proven = [0, 1, 2, 3, 4].map((h) => ((l.provenMask >> h) & 1 ? "✓" : "·")).join("");
      out.write(`  ${l.auditId.slice(0, 10)}… sender ${l.sender} j=${l.index} ${l.status} hops ${proven}\n`);
    }
    out.write(
      `pool ${formatUnits(pool, 18)} OBOL, reserved ${formatUnits(reserved, 18)}, owed ${formatUnits(totalOwed, 18)}\n`,
    );
    return 0;
  },
};
