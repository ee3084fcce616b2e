/** `obol devnet` (= `npm start`): a whole local mixnet with clients, then a summary. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "../command.js";
import { COMMON_USAGE, numberOption, parseCommandArgs } from "../options.js";
import { DEFAULT_RATES } from "../../client/loopix.js";
import type { PrepaidHops } from "../../schemes/devnet.js";
import { UsageError } from "../errors.js";

export const command: Command = {
  name: "devnet",
  summary: "boot a local chain + 11 relays + 2 clients, exchange messages, print a summary",
  usage: `Usage: obol devnet [--scheme S] [--duration SECONDS] [--seed N] [--prepaid-gateway N] [--prepaid-mix N] [--keep]

Starts Hardhat's node on 127.0.0.1 (free port), deploys with Ignition,
funds and registers 2 gateways and 3×3 mixes, runs them in this process on
loopback TCP, starts 2 clients that exchange sealed messages and SURB
replies through 5 hops with Loopix cover traffic, and prints sent /
delivered / replies, latency percentiles, packets per relay and drops by
reason. Ctrl-C stops everything cleanly. State goes to a temporary
directory (removed at the end unless --keep).

Options:
  --duration <s>     seconds of traffic (default 20)
  --seed <n>         workload seed (default 1)
  --rate <n>         real messages per second per client (default 0.5)
  --mean-delay <ms>  mean per-mix delay 1/μ (default ${DEFAULT_RATES.meanDelayMs})
  --prepaid-gateway <n>, --prepaid-mix <n>
                     hops each client and relay prepays per gateway / per mix
                     before traffic, for a scheme that pays in advance (tickets:
                     tokens; default: the scheme's, docs/devnet.md); others ignore them
  --keep             keep the state directory and print its path
  --processes        run every relay and client as its own OS process, each relay
                     on its own loopback address 127.0.0.N (docs/operations.md)
${COMMON_USAGE}`,
  async run(argv, { out, signal, log }) {
    const { values, common } = parseCommandArgs("devnet", argv, {
      options: {
        duration: { type: "string" },
        seed: { type: "string" },
        rate: { type: "string" },
        "mean-delay": { type: "string" },
        "prepaid-gateway": { type: "string" },
        "prepaid-mix": { type: "string" },
        keep: { type: "boolean", default: false },
        processes: { type: "boolean", default: false },
      },
    });
    const durationS = numberOption(values.duration, "--duration", "devnet", 20);
    const messagesPerS = numberOption(values.rate, "--rate", "devnet", 0.5);
    const meanDelayMs = numberOption(values["mean-delay"], "--mean-delay", "devnet", DEFAULT_RATES.meanDelayMs);
    const seed = values.seed ?? "1";
    const prepaid = prepaidOption(values);
    const { runDevnet } = await import("../../sim/devnet.js");
    const { formatDevnetReport } = await import("../../sim/report.js");
    const dataDir = mkdtempSync(join(tmpdir(), "obol-devnet-"));
    // Component logs would tear the live line apart: errors only unless --verbose.
    const quiet = common.verbose ? log : log.child({}, { level: "error" });
    const live = new LiveLine(process.stderr);
    try {
      // What both devnets take; the in-process one adds the live progress line, the other crash notices.
      const run = {
        scheme: common.scheme,
        durationS,
        seed,
        dataDir,
        messagesPerS,
        prepaid,
        log: quiet,
        signal,
        rates: { ...DEFAULT_RATES, meanDelayMs },
        onStep: (step: string) => live.done(`• ${step}`),
      };
      if (values.processes) {
        const { runProcessDevnet, formatProcessDevnetReport } = await import("../../sim/processes/devnet.js");
        const report = await runProcessDevnet({
          ...run,
          onCrash: (exit) =>
            live.done(
              `! ${exit.name} exited with code ${exit.code ?? "none"} (signal ${exit.signal ?? "none"}); log: ${exit.logFile}`,
            ),
        });
        out.write(common.json ? `${JSON.stringify(report)}\n` : formatProcessDevnetReport(report));
        return report.messages.delivered > 0 && report.crashes.length === 0 ? 0 : 1;
      }
      const report = await runDevnet({
        ...run,
        onProgress: (p) =>
          live.update(
            `[${bar(p.elapsedS / Math.max(p.durationS, 1))}] ${Math.min(p.elapsedS, p.durationS).toFixed(0)}/${p.durationS} s  sent ${p.sent}  delivered ${p.delivered}  replies ${p.repliesReceived}/${p.repliesSent}  relay packets ${p.packets}`,
          ),
      });
      live.clear();
      out.write(
        common.json
          ? `${JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`
          : formatDevnetReport(report),
      );
      return report.messages.delivered > 0 || report.aborted ? 0 : 1;
    } finally {
      live.clear();
      if (values.keep) process.stderr.write(`state kept in ${dataDir}\n`);
      else rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

/** The `--prepaid-*` counts given (whole numbers ≥ 0); a role not given keeps the scheme's default. */
function prepaidOption(values: Record<string, unknown>): PrepaidHops {
  const prepaid: PrepaidHops = {};
  for (const role of ["gateway", "mix"] as const) {
    const flag = `--prepaid-${role}`;
    const value = values[`prepaid-${role}`];
    if (value === undefined) continue;
    const n = numberOption(value, flag, "devnet", 0);
    if (!Number.isSafeInteger(n))
      throw new UsageError(`${flag} must be a whole number ≥ 0, got "${String(value)}"`, "devnet");
    prepaid[role] = n;
  }
  return prepaid;
}

function bar(fraction: number, width = 20): string {
  const n = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return "#".repeat(n) + ".".repeat(width - n);
}

/** One status line on stderr, rewritten in place on a TTY, printed every 5 s otherwise. */
class LiveLine {
  #last = 0;
  #shown = false;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  update(text: string): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${text}`);
      this.#shown = true;
    } else if (Date.now() - this.#last > 5_000) {
      this.#last = Date.now();
      this.stream.write(`${text}\n`);
    }
  }
  done(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }
  clear(): void {
    if (this.#shown) this.stream.write("\r\x1b[2K");
    this.#shown = false;
  }
}
