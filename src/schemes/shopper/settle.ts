/**
 * `obol claim --scheme shopper`: withdraws the rewards ShopperAudit credited to
 * this relay for complete audited routes. Crash safe: the submitted claim's
 * hash is stored before waiting; on restart a stored hash is resolved from its
 * receipt, and the contract's `owed` (zeroed by a claim) prevents a double pay.
 */
import type { Address, Hex } from "viem";
import { inTurn } from "../../chain/tx.js";
import type { ClaimResult, SchemeDeps, SettleScheme } from "../scheme.js";
import { forComponent, type Logger } from "../../log.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { rethrowRevert } from "../../chain/errors.js";
import { shopperAddress } from "./chain.js";
import { ShopperStore } from "./store.js";

export class ShopperSettle implements SettleScheme {
  readonly #deps: SchemeDeps & { relay: Address };
  readonly #store: ShopperStore;
  readonly #log: Logger;

  constructor(deps: SchemeDeps & { relay: Address }) {
    this.#deps = deps;
    this.#store = new ShopperStore(deps.db);
    this.#log = forComponent(deps.log, "obol:shopper:settle");
  }

  /**
   * Resolves any claim left in flight, then claims what is owed now.
   *
   * @returns tokens paid and gas; details: recovered claims
   * @example
   * const { paid } = await scheme.settle(deps).claim();
   */
  async claim(): Promise<ClaimResult> {
    const { chain, relay } = this.#deps;
    const address = shopperAddress(chain);
    const result: ClaimResult = {
      scheme: "shopper",
      relay,
      paid: 0n,
      gasUsed: 0n,
      transactions: [],
      details: { recovered: 0 },
    };
    for (const pending of this.#store.claimsIn("submitted")) {
      const receipt = await chain.publicClient
        .waitForTransactionReceipt({ hash: pending.txHash, timeout: 60_000 })
        .catch(() => null);
      this.#store.putClaim(pending.txHash, pending.amount, receipt?.status === "success" ? "done" : "failed");
      result.details.recovered = Number(result.details.recovered) + 1;
    }
    const owed = await chain.publicClient.readContract({
      address,
      abi: shopperAuditAbi,
      functionName: "owed",
      args: [relay],
    });
    if (owed === 0n) return result;
    let hash: Hex;
    try {
      hash = await inTurn(chain, async () => {
        const { request } = await chain.publicClient.simulateContract({
          address,
          abi: shopperAuditAbi,
          functionName: "claim",
          args: [relay],
          account: chain.walletClient.account,
        });
        return chain.walletClient.writeContract(request);
      });
    } catch (error) {
      rethrowRevert(error, "claim shopper rewards");
    }
    this.#store.putClaim(hash, owed, "submitted");
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    const ok = receipt.status === "success";
    this.#store.putClaim(hash, owed, ok ? "done" : "failed");
    if (ok) result.paid = owed;
    result.gasUsed = receipt.gasUsed;
    result.transactions.push(hash);
    this.#log.info({ paid: owed, hash }, "claimed shopper rewards");
    return result;
  }
}
