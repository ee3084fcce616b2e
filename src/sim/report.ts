/** Human-readable devnet summary (the table `npm start` prints). */
import { formatUnits } from "viem";
import type { DevnetReport } from "./devnet.js";

const ms = (v: number) => (Number.isNaN(v) ? "–" : `${Math.round(v)} ms`);

/**
 * Formats a devnet report as plain-text tables.
 *
 * @example
 * out.write(formatDevnetReport(report));
 */
export function formatDevnetReport(r: DevnetReport): string {
  const lines: string[] = [];
  lines.push(
    `Obol devnet — scheme ${r.scheme}, seed ${r.seed}, ${r.durationS} s${r.aborted ? " (stopped early)" : ""}`,
  );
  lines.push(
    `Loopix: λP ${r.rates.payloadPerS}/s, λL ${r.rates.loopPerS}/s, λD ${r.rates.dropPerS}/s, mean mix delay 1/μ = ${r.rates.meanDelayMs} ms`,
  );
  lines.push("");
  lines.push("                 sent  delivered        p50        p95        p99");
  lines.push(
    `messages  ${String(r.messages.sent).padStart(10)} ${String(r.messages.delivered).padStart(10)} ${ms(r.latency.p50).padStart(10)} ${ms(r.latency.p95).padStart(10)} ${ms(r.latency.p99).padStart(10)}`,
  );
  lines.push(
    `replies   ${String(r.replies.sent).padStart(10)} ${String(r.replies.received).padStart(10)} ${ms(r.replyLatency.p50).padStart(10)} ${ms(r.replyLatency.p95).padStart(10)} ${ms(r.replyLatency.p99).padStart(10)}`,
  );
  lines.push("");
  lines.push(
    "relay        role      received  forwarded  delivered  loops out/back  dropped  claimed (OBOL)  claim gas",
  );
  for (const x of r.relays)
    lines.push(
      `${x.name.padEnd(12)} ${x.role.padEnd(8)} ${String(x.received).padStart(9)} ${String(x.forwarded).padStart(10)} ${String(x.delivered).padStart(10)} ${`${x.loopsSent}/${x.loopsReturned}`.padStart(15)} ${String(x.dropped).padStart(8)} ${(x.claimError ? "failed" : formatUnits(x.paid, 18)).padStart(15)} ${String(x.claimGas).padStart(10)}`,
    );
  for (const x of r.relays.filter((y) => y.claimError)) lines.push(`  claim of ${x.name} failed: ${x.claimError}`);
  lines.push("");
  lines.push("client       payload   loop   drop  reply  receipts  unreadable");
  for (const c of r.clients)
    lines.push(
      `${c.name.padEnd(12)} ${String(c.sent.payload ?? 0).padStart(7)} ${String(c.sent.loop ?? 0).padStart(6)} ${String(c.sent.drop ?? 0).padStart(6)} ${String(c.sent.reply ?? 0).padStart(6)} ${String(c.receipts).padStart(9)} ${String(c.unreadable).padStart(11)}`,
    );
  lines.push("");
  const drops = Object.entries(r.drops);
  lines.push(
    drops.length === 0 ? "drops by reason: none" : `drops by reason: ${drops.map(([k, v]) => `${k} ${v}`).join(", ")}`,
  );
  return `${lines.join("\n")}\n`;
}
