/**
 * The shopper scheme in the page: what a client pays under it is nothing per
 * packet. `ShopperClient` (the same class Node runs) fills every slot and the
 * attachment with zero bytes; relays are paid from the operator's pool for
 * the audited cover loops they carry (docs/shopper.md), so a page needs no
 * key, no wallet and no chain write. Relays, auditing and settlement never
 * run in a page.
 */
import { ObolError } from "../../errors.js";
import type { AccountingScheme } from "../../schemes/scheme.js";
import { ShopperClient } from "../../schemes/shopper/client.js";
import { SHOPPER_ATTACHMENT_SIZE, SHOPPER_RECEIPT_SIZE, SHOPPER_SLOT_SIZE } from "../../schemes/shopper/constants.js";

/** The shopper scheme for a page: client side only. */
export function pageShopper(): AccountingScheme {
  const notHere = (): never => {
    throw new ObolError("Relays and settlement do not run in a browser page", { hint: "run `obol relay` in Node" });
  };
  return {
    name: "shopper",
    slotSize: SHOPPER_SLOT_SIZE,
    attachmentSize: SHOPPER_ATTACHMENT_SIZE,
    receiptSize: SHOPPER_RECEIPT_SIZE,
    client: () => new ShopperClient(),
    relay: notHere,
    settle: notHere,
  };
}
