/** Errors of the scheme comparison (`obol compare`, docs/compare.md). */
import { ObolError, type ObolErrorOptions } from "../../errors.js";

/** A comparison option is invalid; names the option. */
export class CompareInputError extends ObolError {
  override name = "CompareInputError";
  readonly field: string;
  constructor(field: string, problem: string, options: ObolErrorOptions = {}) {
    super(`Invalid ${field}: ${problem}`, {
      hint: "see `obol compare --help` for the options and their ranges",
      ...options,
    });
    this.field = field;
  }
}

/** A scheme's run ended (e.g. its devnet stopped) before settlement and the chain read-back ran. */
export class SchemeRunIncompleteError extends ObolError {
  override name = "SchemeRunIncompleteError";
  constructor(scheme: string, options: ObolErrorOptions = {}) {
    super(`the ${scheme} run ended before settlement`, {
      hint: "run again with --verbose to see which devnet step stopped it",
      ...options,
    });
  }
}

/** `report.json` does not match its schema or breaks a consistency rule. */
export class ReportInvalidError extends ObolError {
  override name = "ReportInvalidError";
  readonly problems: string[];
  constructor(problems: string[], options: ObolErrorOptions = {}) {
    super(`report is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"})`, {
      details: problems.slice(0, 10).join("; "),
      hint: "this is a bug in the comparison: run again with --verbose and keep the report directory",
      ...options,
    });
    this.problems = problems;
  }
}
