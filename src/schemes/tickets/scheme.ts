/**
 * Accounting scheme B: blind BLS12-381 tokens bought from an issuer against a
 * TicketBank deposit, one per hop, redeemed by relays in batches
 * (DESIGN §5B, docs/tickets.md). `loadScheme("tickets")` returns `scheme`.
 */
import type { Address } from "viem";
import type { AccountingScheme, SchemeDeps } from "../scheme.js";
import { ATTACHMENT_SIZE, EPOCH_GRACE, RECEIPT_SIZE, SLOT_SIZE } from "./constants.js";
import { TicketsClient } from "./client.js";
import { TicketsRelay } from "./relay.js";
import { TicketsSettle } from "./settle.js";

/**
 * The tickets scheme.
 *
 * @example
 * const tickets = await loadScheme("tickets");
 * const relay = tickets.relay({ ...deps, relay: account });
 * await relay.start();
 */
export const scheme: AccountingScheme = {
  name: "tickets",
  slotSize: SLOT_SIZE,
  attachmentSize: ATTACHMENT_SIZE,
  receiptSize: RECEIPT_SIZE,
  // A reply block pays with tokens of the epoch it was built in (docs/tickets.md §10).
  replyWindow: EPOCH_GRACE,
  client: (deps: SchemeDeps) => new TicketsClient(deps),
  relay: (deps: SchemeDeps & { relay: Address }) => new TicketsRelay(deps),
  settle: (deps: SchemeDeps & { relay: Address }) => new TicketsSettle(deps),
};
