/**
 * Accounting scheme C: the secret shopper (DESIGN §5C, docs/shopper.md).
 * `loadScheme("shopper")` returns `scheme`.
 */
import type { Address } from "viem";
import type { AccountingScheme, SchemeDeps } from "../scheme.js";
import { SHOPPER_ATTACHMENT_SIZE, SHOPPER_RECEIPT_SIZE, SHOPPER_SLOT_SIZE } from "./constants.js";
import { ShopperClient } from "./client.js";
import { ShopperRelay } from "./relay.js";
import { ShopperSettle } from "./settle.js";

/**
 * @example
 * const shopper = await loadScheme("shopper");
 * const relay = shopper.relay({ ...deps, relay: account });
 */
export const scheme: AccountingScheme = {
  name: "shopper",
  slotSize: SHOPPER_SLOT_SIZE,
  attachmentSize: SHOPPER_ATTACHMENT_SIZE,
  receiptSize: SHOPPER_RECEIPT_SIZE,
  client: () => new ShopperClient(),
  relay: (deps: SchemeDeps & { relay: Address }) => new ShopperRelay(deps),
  settle: (deps: SchemeDeps & { relay: Address }) => new ShopperSettle(deps),
};
