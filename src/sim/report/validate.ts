/**
 * Validation of `report.json`: the JSON Schema (`report.schema.json`, checked
 * with Ajv) and the consistency rules the schema cannot state
 * (docs/compare.md §Checks): per relay, what its claims reported paid equals
 * what the Transfer events show; totals are the sums of their rows; gas per
 * 1,000 hops is the scheme gas over the hops; `free` pays nothing and sends no
 * scheme transaction; every chart file named exists in the report.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { SCHEME_NAMES } from "../../schemes/registry.js";
import type { CompareReport, SchemeRun } from "./types.js";
import { MIN_CARRIED_SHARE } from "../compare/adversaries.js";

/** The schema, with scheme names from the registry (the one list of them). */
const SCHEMA = (() => {
  const schema = JSON.parse(readFileSync(new URL("./report.schema.json", import.meta.url), "utf8")) as {
    definitions: Record<string, object>;
  };
  schema.definitions.schemeName = { enum: [...SCHEME_NAMES] };
  return schema;
})();
let compiled: ReturnType<Ajv["compile"]> | null = null;

/**
 * Problems with a parsed report, empty when it is valid.
 *
 * @param report the parsed JSON (unknown: it is validated here).
 * @returns one line per problem (schema path and message, or the rule broken).
 * @example
 * const problems = validateReport(JSON.parse(readFileSync("report.json", "utf8")));
 * if (problems.length) throw new ReportInvalidError(problems);
 */
export function validateReport(report: unknown): string[] {
  compiled ??= new Ajv({ allErrors: true, strict: true }).compile(SCHEMA);
  if (!compiled(report))
    return (compiled.errors ?? []).map((e) => `schema: ${e.instancePath || "/"} ${e.message ?? "invalid"}`);
  const r = report as CompareReport;
  const problems: string[] = [];
  for (const s of r.schemes) {
    if (s.status !== "ok") continue;
    problems.push(...schemeRules(s));
  }
  const names = r.schemes.map((s) => s.scheme);
  if (new Set(names).size !== names.length) problems.push("schemes: a scheme appears twice");
  return problems;
}

function schemeRules(s: SchemeRun): string[] {
  const p: string[] = [];
  const at = (what: string) => `${s.scheme}: ${what}`;
  let paid = 0n;
  let inReceipts = 0n;
  let claimed = 0n;
  for (const r of s.relays) {
    if (r.paid !== r.paidInReceipts)
      p.push(at(`relay ${r.name} received ${r.paid} in Transfer events but ${r.paidInReceipts} in the run's receipts`));
    if (BigInt(r.claimReported) > BigInt(r.paid))
      p.push(
        at(`relay ${r.name} claims report ${r.claimReported} paid, more than the ${r.paid} the chain transferred`),
      );
    paid += BigInt(r.paid);
    inReceipts += BigInt(r.paidInReceipts);
    claimed += BigInt(r.claimReported);
  }
  if (BigInt(s.payouts.total) !== paid)
    p.push(at(`payouts.total ${s.payouts.total} is not the sum of the relays' ${paid}`));
  if (BigInt(s.payouts.inReceipts) !== inReceipts)
    p.push(at(`payouts.inReceipts ${s.payouts.inReceipts} is not the sum of the relays' ${inReceipts}`));
  if (BigInt(s.payouts.claimReported) !== claimed)
    p.push(at(`payouts.claimReported ${s.payouts.claimReported} is not the sum of the relays' ${claimed}`));
  if (!s.payouts.consistent) p.push(at("payouts.consistent is false: Transfer events, receipts and claims disagree"));
  const hops = s.relays.reduce((sum, r) => sum + r.acceptedInWorkload, 0);
  if (hops !== s.hops) p.push(at(`hops ${s.hops} is not the sum of packets accepted during the workload ${hops}`));
  for (const r of s.relays)
    if (r.acceptedInWorkload > r.accepted) p.push(at(`relay ${r.name} accepted more during the workload than in all`));
  const opGas = s.gas.operations.reduce((sum, o) => sum + o.gasUsed, 0);
  if (opGas !== s.gas.scheme) p.push(at(`operations sum to ${opGas} gas, scheme gas is ${s.gas.scheme}`));
  const opTx = s.gas.operations.reduce((sum, o) => sum + o.count, 0);
  if (opTx !== s.gas.schemeTransactions)
    p.push(at(`operations count ${opTx} transactions, schemeTransactions is ${s.gas.schemeTransactions}`));
  if (s.hops > 0) {
    const expected = (s.gas.scheme / s.hops) * 1000;
    if (s.gas.per1000Hops === null || Math.abs(s.gas.per1000Hops - expected) > 1e-6 * Math.max(1, expected))
      p.push(at(`per1000Hops ${s.gas.per1000Hops} ≠ scheme gas / hops × 1000 = ${expected}`));
  }
  if (s.gas.steady) {
    if (s.gas.setup + s.gas.steady.gas !== s.gas.scheme)
      p.push(at(`setup ${s.gas.setup} + steady ${s.gas.steady.gas} gas ≠ scheme gas ${s.gas.scheme}`));
    if (s.gas.steady.operations.reduce((sum, o) => sum + o.gasUsed, 0) !== s.gas.steady.gas)
      p.push(at("steady operations do not sum to steady gas"));
  }
  if (s.scheme === "free" && (paid !== 0n || s.gas.scheme !== 0))
    p.push(at("the free scheme must pay nothing and send no scheme transaction"));
  if (s.bytes.perPacketMeasured !== null && Math.abs(s.bytes.perPacketMeasured - s.bytes.perPacket) > 1e-9)
    p.push(
      at(
        `clients produced ${s.bytes.perPacketMeasured} payment bytes per packet, the scheme declares ${s.bytes.perPacket}`,
      ),
    );
  if (s.latency.count !== s.latencySamples.length) p.push(at("latency.count differs from the number of samples"));
  if (s.dropper.caught !== s.dropper.faults > 0) p.push(at("dropper.caught contradicts dropper.faults"));
  for (const w of s.workloads)
    if (w.carried !== (w.hops === null || w.freeHops === null || w.hops >= MIN_CARRIED_SHARE * w.freeHops))
      p.push(at(`seed ${w.seed}: carried contradicts its packet-hops against free's`));
  const gaps = new Set(s.workloads.filter((w) => !w.carried).map((w) => w.seed));
  for (const l of s.linking) {
    if (l.accuracy.n > l.perSeed.filter((r) => r.targets > 0 && !gaps.has(r.seed)).length)
      p.push(at(`linking ${l.adversary}: its interval counts a seed whose workload was not carried`));
    for (const r of l.perSeed) {
      if (r.correct > r.targets || r.pairCorrect > r.pairTargets)
        p.push(at(`linking ${l.adversary} seed ${r.seed}: more correct guesses than targets`));
      if (r.targets > 0 && Math.abs(r.accuracy - r.correct / r.targets) > 1e-9)
        p.push(at(`linking ${l.adversary} seed ${r.seed}: accuracy ≠ correct / targets`));
    }
    if (l.accuracy.low > l.accuracy.mean || l.accuracy.mean > l.accuracy.high)
      p.push(at(`linking ${l.adversary}: interval does not contain its mean`));
    if (l.leaks === true && !(l.diffVsFree && l.diffVsFree.low > 0))
      p.push(at(`linking ${l.adversary}: marked leaking while its difference to free is not above zero`));
  }
  return p;
}
