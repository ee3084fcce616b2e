/**
 * Base of every error a user of Obol can hit. Each domain has one error file
 * (`src/<domain>/errors.ts`) whose classes extend this one, so callers can
 * branch on `instanceof` or on the stable `name`, and humans get a hint that
 * says what to do next.
 */
export type ObolErrorOptions = {
  /** Extra context (the field, the value, the peer …) shown under the message. */
  details?: string | undefined;
  /** What the user should do about it, e.g. "start the chain with `obol chain`". */
  hint?: string | undefined;
  cause?: unknown;
};

export class ObolError extends Error {
  override name = "ObolError";
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly hint: string | undefined;

  constructor(shortMessage: string, { details, hint, cause }: ObolErrorOptions = {}) {
    const lines = [shortMessage];
    if (details) lines.push(`Details: ${details}`);
    if (hint) lines.push(`Hint: ${hint}`);
    super(lines.join("\n"), cause === undefined ? undefined : { cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.hint = hint;
  }
}

/** An input failed validation; names the offending field. */
export class InvalidInputError extends ObolError {
  override name = "InvalidInputError";
  readonly field: string;
  constructor(field: string, problem: string, options: ObolErrorOptions = {}) {
    super(`Invalid ${field}: ${problem}`, options);
    this.field = field;
  }
}
