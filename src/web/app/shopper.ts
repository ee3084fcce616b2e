/**
 * The shopper scheme in the page: what a client pays under it is nothing per
 * packet. `ShopperClient` (the same class Node runs) fills every slot and the
 * attachment with zero bytes; relays are paid from the operator's pool for
 * the audited cover loops they carry (docs/shopper.md), so a page needs no
 * key, no wallet and no chain write. Relays, auditing and settlement never
 * run in a page.
 */
import type { AccountingScheme } from "../../schemes/scheme.js";
import { ShopperClient } from "../../schemes/shopper/client.js";
import { SHOPPER_ATTACHMENT_SIZE, SHOPPER_RECEIPT_SIZE, SHOPPER_SLOT_SIZE } from "../../schemes/shopper/constants.js";
import { clientOnly } from "./client-only.js";

/** The shopper scheme for a page: client side only. */
export function pageShopper(): AccountingScheme {
  return clientOnly({
    name: "shopper",
    slotSize: SHOPPER_SLOT_SIZE,
    attachmentSize: SHOPPER_ATTACHMENT_SIZE,
    receiptSize: SHOPPER_RECEIPT_SIZE,
    client: () => new ShopperClient(),
  });
}
