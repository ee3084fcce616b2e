/**
 * Errors of the secret-shopper scheme (docs/shopper.md). Contract reverts
 * surface as `ContractRevertError` from `src/chain/errors.ts`; these cover
 * what the off-chain side detects itself.
 */
import { ObolError, type ObolErrorOptions } from "../../errors.js";

/** Base class of every shopper failure. */
export class ShopperError extends ObolError {
  override name = "ShopperError";
}

/** The deployment has no ShopperAudit contract. */
export class ShopperNotDeployedError extends ShopperError {
  override name = "ShopperNotDeployedError";
  constructor(options: ObolErrorOptions = {}) {
    super("ShopperAudit is not deployed on this chain", {
      hint: "deploy it with `obol deploy --scheme shopper` (Ignition module ignition/modules/ShopperAudit.ts)",
      ...options,
    });
  }
}

/** The relay has no VRF secret key, so it cannot send verifiable loops. */
export class ShopperNoVrfKeyError extends ShopperError {
  override name = "ShopperNoVrfKeyError";
  constructor(options: ObolErrorOptions = {}) {
    super("no VRF key for loop sending", {
      hint: "register the 256-byte VRF public key as the relay's blsKey (`obol relay` does it) one epoch before sending loops",
      ...options,
    });
  }
}

/** An epoch layer is empty, so no loop route exists in that epoch. */
export class ShopperEmptyLayerError extends ShopperError {
  override name = "ShopperEmptyLayerError";
  constructor(epoch: bigint, layer: number) {
    super(`layer ${layer} of epoch ${epoch} has no relay`, {
      hint: "wait for relays to register; loops need every layer populated",
    });
  }
}
