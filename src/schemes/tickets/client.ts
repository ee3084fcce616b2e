/**
 * Client side of scheme B in Node: `TicketsPayer` over the SQLite wallet
 * (`tk_wallet` in the process database).
 */
import type { SchemeDeps } from "../scheme.js";
import { TicketsPayer } from "./payer.js";
import { TokenWallet } from "./wallet.js";

/** Pays each hop with a token bound to it, from `tk_wallet`. */
export class TicketsClient extends TicketsPayer {
  constructor(deps: SchemeDeps) {
    super(new TokenWallet(deps.db));
  }
}
