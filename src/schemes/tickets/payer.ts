/**
 * Client side of scheme B without storage: one token per hop from a
 * `TokenPurse`, taken all at once so a packet never consumes tokens of some
 * hops and fails on another. Node's `TicketsClient` backs it with SQLite; a
 * browser page with IndexedDB (the same class in both).
 */
import type { ClientPayment, ClientPaymentParameters, ClientScheme } from "../scheme.js";
import type { TokenPurse } from "./purse.js";
import { encodeSlot } from "./slot.js";

/** Pays each hop with a token bound to it. */
export class TicketsPayer implements ClientScheme {
  readonly #purse: TokenPurse;

  constructor(purse: TokenPurse) {
    this.#purse = purse;
  }

  async pay({ route, epoch }: ClientPaymentParameters): Promise<ClientPayment> {
    const tokens = this.#purse.takeEach(
      route.map((hop) => hop.relay),
      epoch,
    );
    return { slots: tokens.map((t) => encodeSlot(t)), attachment: new Uint8Array(0) };
  }
}
