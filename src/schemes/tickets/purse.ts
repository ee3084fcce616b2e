/**
 * The client's token wallet as a storage port (issue 16 §2): what the tickets
 * client needs from wherever its unspent tokens live. Node backs it with
 * SQLite (`TokenWallet`, `tk_wallet`); a browser page with IndexedDB
 * (src/web/app/token-store.ts). Both pick each token uniformly at random
 * among the unspent ones of its (relay, epoch), from the platform CSPRNG
 * (why: wallet.ts, issue 10 finding 2).
 */
import type { Address } from "viem";

export type WalletToken = { relay: Address; epoch: bigint; serial: Uint8Array; signature: Uint8Array };

export interface TokenPurse {
  /** Stores tokens (idempotent per serial). */
  add(tokens: readonly WalletToken[]): void;
  /**
   * One token for each of `relays` (in order) in `epoch`, each chosen uniformly
   * at random among the unspent ones and marked spent: all of them or none.
   *
   * @throws NoTokenError naming the first relay without an unspent token (nothing is spent then)
   */
  takeEach(relays: readonly Address[], epoch: bigint): WalletToken[];
}
