/**
 * `obol tickets buy`: `purchaseTokens` storing into the process's SQLite
 * wallet (`tk_wallet`).
 */
import type { SqlDatabase } from "../../store/port.js";
import type { ChainClients } from "../../chain/types.js";
import type { BlindBls } from "../../crypto/blind/bls.js";
import { purchaseTokens, type BuyTokensParameters, type BuyTokensReturnType } from "./purchase.js";
import { TokenWallet } from "./wallet.js";

export type { BuyTokensParameters, BuyTokensReturnType } from "./purchase.js";

/**
 * Buys tokens for `relays` × `perRelay` in `epoch` into the wallet of `db`.
 *
 * @throws as {@link purchaseTokens}
 * @example
 * await buyTokens(chain, db, bls, { epoch, relays, perRelay: 50, issuer, issue: (r) => requestIssuance(node, peer, r) });
 */
export function buyTokens(
  chain: ChainClients,
  db: SqlDatabase,
  bls: BlindBls,
  parameters: BuyTokensParameters,
): Promise<BuyTokensReturnType> {
  return purchaseTokens(chain, new TokenWallet(db), bls, parameters);
}
