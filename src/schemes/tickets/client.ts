/**
 * Client side of scheme B in Node: `TicketsPayer` over the SQLite wallet
 * (`tk_wallet` in the process database), keeping its balance paid from its
 * standing order (`keeper.ts`): topped up as it spends, bought for a new
 * epoch when its first packet there finds no token.
 */
import type { ClientPayment, ClientPaymentParameters, SchemeDeps } from "../scheme.js";
import { NoTokenError } from "./errors.js";
import { BalanceKeeper } from "./keeper.js";
import { TicketsPayer } from "./payer.js";
import { TokenWallet } from "./wallet.js";

/** Pays each hop with a token bound to it, from `tk_wallet`. */
export class TicketsClient extends TicketsPayer {
  readonly #keeper: BalanceKeeper;

  constructor(deps: SchemeDeps) {
    const wallet = new TokenWallet(deps.db);
    super(wallet);
    this.#keeper = new BalanceKeeper(deps, wallet);
  }

  override async pay(parameters: ClientPaymentParameters): Promise<ClientPayment> {
    let payment: ClientPayment;
    try {
      payment = await super.pay(parameters);
    } catch (error) {
      // Nothing left for a hop (nothing was spent): buy from the standing order, then pay once more.
      if (!(error instanceof NoTokenError)) throw error;
      const bought = await this.#keeper.refill(
        parameters.epoch,
        parameters.route.map((h) => h.relay),
      );
      if (!bought) throw error;
      payment = await super.pay(parameters);
    }
    this.#keeper.spent(parameters.epoch);
    return payment;
  }
}
