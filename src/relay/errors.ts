/** Errors a relay operator can hit when configuring or starting a relay. */
import { ObolError, type ObolErrorOptions } from "../errors.js";

/** The relay's configuration is inconsistent (sizes, keys, role). */
export class RelayConfigError extends ObolError {
  override name = "RelayConfigError";
  readonly field: string;
  constructor(field: string, problem: string, options: ObolErrorOptions = {}) {
    super(`Invalid relay ${field}: ${problem}`, { hint: "see docs/relay.md §Configuration", ...options });
    this.field = field;
  }
}

/** The relay is not listed in the directory it was given. */
export class RelayNotListedError extends ObolError {
  override name = "RelayNotListedError";
  constructor(relay: string) {
    super(`Relay ${relay} is not in the directory`, {
      hint: "register it first (`obol relay` registers on start), or wait for the next epoch",
    });
  }
}
