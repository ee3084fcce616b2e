/**
 * Keeping a paid balance (docs/tickets.md §10): a client that has bought
 * tokens once keeps buying as it spends, so its traffic is never refused for
 * want of a token. What it keeps is its **standing order** (`tk_config` key
 * `standing`): per relay, how many tokens one purchase buys, and the issuer's
 * multiaddrs. After each packet, a relay whose unspent tokens for the
 * packet's epoch fall under a quarter of its order is topped up in the
 * background (one deposit for every such relay); a packet that finds no token
 * (a new epoch, or spending faster than the top-up) waits for that purchase.
 * Without a standing order nothing is bought (the client pays from what it
 * holds, as before).
 */
import { multiaddr } from "@multiformats/multiaddr";
import { getAddress, type Address } from "viem";
import type { Libp2p } from "libp2p";
import type { SqlDatabase } from "../../store/port.js";
import type { ChainClients } from "../../chain/types.js";
import { loadBlindBls } from "../../crypto/blind/bls.js";
import { forComponent, type Logger } from "../../log.js";
import { resolveIssuer } from "./bank.js";
import { MAX_ISSUE_COUNT, requestIssuance } from "./issuer.js";
import { purchaseTokens } from "./purchase.js";
import type { TokenWallet } from "./wallet.js";

/** What one purchase buys per relay, and where the issuer listens. */
export type StandingOrder = { issuer: readonly string[]; perRelay: Readonly<Record<Address, number>> };

/** A relay is topped up when its unspent tokens of the epoch fall under this share of its order. */
export const LOW_WATER = 0.25;

const CONFIG = "CREATE TABLE IF NOT EXISTS tk_config (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

/** Records (replaces) the standing order of the wallet in `db`. */
export function setStandingOrder(db: SqlDatabase, order: StandingOrder): void {
  db.exec(CONFIG);
  db.prepare(
    "INSERT INTO tk_config (key, value) VALUES ('standing', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  ).run(JSON.stringify(order));
}

/** The standing order of the wallet in `db`, or undefined when it never set one. */
export function standingOrder(db: SqlDatabase): StandingOrder | undefined {
  db.exec(CONFIG);
  const row = db.prepare("SELECT value FROM tk_config WHERE key = 'standing'").get() as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as StandingOrder) : undefined;
}

/** Buys for a wallet from its standing order; one purchase per epoch at a time. */
export class BalanceKeeper {
  readonly #deps: { chain: ChainClients; db: SqlDatabase; log: Logger; libp2p: Libp2p };
  readonly #wallet: TokenWallet;
  readonly #inFlight = new Map<bigint, Promise<void>>();

  constructor(deps: { chain: ChainClients; db: SqlDatabase; log: Logger; libp2p: Libp2p }, wallet: TokenWallet) {
    this.#deps = deps;
    this.#wallet = wallet;
  }

  /** After a packet of `epoch` was paid: starts a top-up of the relays under the low-water mark, without waiting. */
  spent(epoch: bigint): void {
    if (this.#inFlight.has(epoch)) return;
    const low = this.#below(epoch, []);
    if (low.length > 0)
      void this.#buy(epoch, low).catch((err: unknown) =>
        forComponent(this.#deps.log, "obol:tickets:keeper").warn(
          { err, epoch },
          "top-up failed; the next packet retries",
        ),
      );
  }

  /**
   * A packet of `epoch` found no token for one of `relays`: waits for the purchase under way, then buys what is
   * still missing. Resolves false when there is no standing order (nothing to buy).
   */
  async refill(epoch: bigint, relays: readonly Address[]): Promise<boolean> {
    if (!standingOrder(this.#deps.db)) return false;
    // Packets waiting together share one purchase: each waits out the one under way before looking again.
    for (let pending = this.#inFlight.get(epoch); pending; pending = this.#inFlight.get(epoch))
      await pending.catch(() => {});
    const missing = this.#below(epoch, relays);
    if (missing.length > 0) await this.#buy(epoch, missing);
    return true;
  }

  /** Relays of the order (and `also`) whose unspent tokens of `epoch` are under the low-water mark, with the count to buy. */
  #below(epoch: bigint, also: readonly Address[]): { relay: Address; count: number }[] {
    const order = standingOrder(this.#deps.db);
    if (!order) return [];
    const counts = new Map(Object.entries(order.perRelay).map(([r, n]) => [getAddress(r), n] as const));
    // A relay outside the order (a new one in the directory) gets the largest allotment.
    const largest = Math.max(1, ...counts.values());
    for (const r of also) if (!counts.has(getAddress(r))) counts.set(getAddress(r), largest);
    return [...counts].flatMap(([relay, count]) =>
      count > 0 && this.#wallet.unspent(relay, epoch) < Math.max(1, Math.ceil(count * LOW_WATER))
        ? [{ relay, count }]
        : [],
    );
  }

  #buy(epoch: bigint, wanted: { relay: Address; count: number }[]): Promise<void> {
    const run = (async () => {
      const { chain, db, libp2p } = this.#deps;
      const order = standingOrder(db)!;
      const issuer = await resolveIssuer(chain, db);
      const bls = await loadBlindBls();
      const peer = multiaddr(order.issuer[0]!);
      // One purchase per allotment size, each under the issuer's per-request cap.
      const bySize = new Map<number, { relay: Address; count: number }[]>();
      for (const w of wanted) bySize.set(w.count, [...(bySize.get(w.count) ?? []), w]);
      for (const [count, group] of bySize) {
        const perPurchase = Math.max(1, Math.floor(MAX_ISSUE_COUNT / count));
        for (let i = 0; i < group.length; i += perPurchase)
          await purchaseTokens(chain, this.#wallet, bls, {
            epoch,
            relays: group.slice(i, i + perPurchase).map((w) => w.relay),
            perRelay: count,
            issuer,
            issue: (request) => requestIssuance(libp2p, peer, request),
          });
      }
    })();
    this.#inFlight.set(epoch, run);
    return run.finally(() => {
      if (this.#inFlight.get(epoch) === run) this.#inFlight.delete(epoch);
    });
  }
}
