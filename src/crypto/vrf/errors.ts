/**
 * Errors of the BLS VRF (`src/crypto/vrf`). A malformed key or proof is a
 * `VrfInputError` naming the field; a proof that is well formed but wrong
 * simply fails verification (returns null), it is not an error.
 */
import { ObolError, type ObolErrorOptions } from "../../errors.js";

/** Base class of every VRF failure. */
export class VrfError extends ObolError {
  override name = "VrfError";
}

/** A caller-supplied key, input or proof is malformed. */
export class VrfInputError extends VrfError {
  override name = "VrfInputError";
  readonly field: string;
  constructor(field: string, problem: string, options: ObolErrorOptions = {}) {
    super(`Invalid ${field}: ${problem}`, {
      hint: "VRF keys are 32-byte secret keys / 256-byte EIP-2537 G2 points; proofs are 128-byte G1 points (docs/shopper.md §VRF)",
      ...options,
    });
    this.field = field;
  }
}
