/**
 * Accounting scheme A: payment channels with proof-of-relay tickets
 * (DESIGN §5A, docs/channels.md). `loadScheme("channels")` returns `scheme`.
 */
import type { Address } from "viem";
import type { AccountingScheme, SchemeDeps } from "../scheme.js";
import { ATTACHMENT_SIZE, RECEIPT_SIZE, SLOT_SIZE } from "./constants.js";
import { ChannelsClient } from "./client.js";
import { ChannelsRelay } from "./relay.js";
import { ChannelsSettle } from "./settle.js";

/**
 * The channels scheme with the network's default parameters
 * (`DEFAULT_PARAMS`); construct `ChannelsClient` / `ChannelsRelay` directly
 * for other parameters.
 *
 * @example
 * const channels = await loadScheme("channels");
 * const relay = channels.relay({ ...deps, relay: account });
 */
export const scheme: AccountingScheme = {
  name: "channels",
  slotSize: SLOT_SIZE,
  attachmentSize: ATTACHMENT_SIZE,
  receiptSize: RECEIPT_SIZE,
  client: (deps: SchemeDeps) => new ChannelsClient(deps),
  relay: (deps: SchemeDeps & { relay: Address }) => new ChannelsRelay(deps),
  settle: (deps: SchemeDeps & { relay: Address }) => new ChannelsSettle(deps),
};
