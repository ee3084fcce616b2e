/**
 * Client side of scheme B: one token per hop from the wallet, taken in one
 * transaction so a packet never consumes tokens of some hops and fails on
 * another.
 */
import type { ClientPayment, ClientPaymentParameters, ClientScheme, SchemeDeps } from "../scheme.js";
import { transaction } from "../../store/db.js";
import { NoTokenError } from "./errors.js";
import { encodeSlot } from "./slot.js";
import { TokenWallet } from "./wallet.js";

/** Pays each hop with a token bound to it. */
export class TicketsClient implements ClientScheme {
  readonly #deps: SchemeDeps;
  readonly #wallet: TokenWallet;

  constructor(deps: SchemeDeps) {
    this.#deps = deps;
    this.#wallet = new TokenWallet(deps.db);
  }

  async pay({ route, epoch }: ClientPaymentParameters): Promise<ClientPayment> {
    const slots = transaction(this.#deps.db, () =>
      route.map((hop) => {
        const token = this.#wallet.take(hop.relay, epoch);
        if (!token) throw new NoTokenError(hop.relay, epoch);
        return encodeSlot(token);
      }),
    );
    return { slots, attachment: new Uint8Array(0) };
  }
}
