/**
 * The tickets scheme in the page: the same `TicketsPayer` the Node client
 * runs (payer.ts), its tokens in IndexedDB (`WalletStore` as `TokenPurse`);
 * and "Buy tokens": the page's key deposits on the TicketBank through viem,
 * the page blinds one token message per (relay, serial) with the same
 * src/crypto/blind modules (mcl-wasm), asks the network's issuer to sign over
 * libp2p (`/obol/issue/1` on WebSockets), checks and unblinds every signature
 * and keeps the tokens (`purchaseTokens`, as `obol tickets buy`). Relays and
 * settlement never run in a page.
 */
import { multiaddr } from "@multiformats/multiaddr";
import type { Libp2p } from "@libp2p/interface";
import { formatEther, type Address } from "viem";
import type { ChainClients, DirectorySnapshot } from "../../chain/types.js";
import { loadBlindBls } from "../../crypto/blind/bls.js";
import { ObolError, type ObolErrorOptions } from "../../errors.js";
import type { AccountingScheme } from "../../schemes/scheme.js";
import { readIssuer, ticketBank } from "../../schemes/tickets/bank.js";
import { ATTACHMENT_SIZE, EPOCH_GRACE, RECEIPT_SIZE, SLOT_SIZE } from "../../schemes/tickets/constants.js";
import { IssuanceRefusedError } from "../../schemes/tickets/errors.js";
import { requestIssuance } from "../../schemes/tickets/issuer.js";
import { TicketsPayer } from "../../schemes/tickets/payer.js";
import { purchaseTokens } from "../../schemes/tickets/purchase.js";
import { keyBalances, requireFunds } from "./channels.js";
import { clientOnly } from "./client-only.js";
import type { WalletView, WebConfig } from "./protocol.js";
import type { WalletStore } from "./wallet-store.js";

/** What "Buy tokens" buys per relay of the directory: gateways carry every packet twice (entry and exit). */
export const BUY = { perGateway: 40, perMix: 20 } as const;

/** The issuer named in the page's configuration did not answer over libp2p. */
export class IssuerUnreachableError extends ObolError {
  override name = "IssuerUnreachableError";
  constructor(where: string, options: ObolErrorOptions = {}) {
    super(`The token issuer at ${where} cannot be reached`, {
      hint: "is `npm run web -- --scheme tickets` (or `obol issuer`) still running? Press “Buy tokens” again once it is",
      ...options,
    });
  }
}

/**
 * The tickets scheme for a page: client side only.
 *
 * @param purse where the tokens are kept (IndexedDB)
 */
export function pageTickets(purse: WalletStore): AccountingScheme {
  return clientOnly({
    name: "tickets",
    slotSize: SLOT_SIZE,
    attachmentSize: ATTACHMENT_SIZE,
    receiptSize: RECEIPT_SIZE,
    // As the Node scheme: a reply block's tokens are of its epoch, so a late reply is refused, not sent and dropped.
    replyWindow: EPOCH_GRACE,
    client: () => new TicketsPayer(purse),
  });
}

/** Balances of the page's key and its unspent tokens of the current epoch. */
export async function ticketsView(chain: ChainClients, store: WalletStore, faucet: boolean): Promise<WalletView> {
  const [{ eth, obol }, epoch] = await Promise.all([keyBalances(chain), ticketBank(chain).read.currentEpoch()]);
  return {
    account: chain.account,
    eth: formatEther(eth),
    obol: formatEther(obol),
    tokens: { epoch: epoch.toString(), unspent: store.unspentTokens().get(epoch) ?? 0 },
    faucet,
  };
}

/**
 * Buys {@link BUY} tokens for every relay of the directory for the bank's current epoch.
 *
 * @returns tokens stored and OBOL paid
 * @throws UnfundedKeyError before any transaction when the key lacks gas or tokens;
 *   IssuerUnreachableError when the issuer does not answer; IssuanceRefusedError
 */
export async function buyPageTokens(
  chain: ChainClients,
  libp2p: Libp2p,
  store: WalletStore,
  issuerConfig: NonNullable<WebConfig["issuer"]>,
  directory: DirectorySnapshot,
  faucet: boolean,
): Promise<{ tokens: number; paid: bigint }> {
  const issuer = await readIssuer(chain, issuerConfig.address as Address);
  const byRole = (role: "gateway" | "mix") => directory.entries.filter((e) => e.role === role).map((e) => e.relay);
  const plan = [
    { relays: byRole("gateway"), perRelay: BUY.perGateway },
    { relays: byRole("mix"), perRelay: BUY.perMix },
  ].filter((p) => p.relays.length > 0);
  const cost = plan.reduce((sum, p) => sum + issuer.price * BigInt(p.relays.length * p.perRelay), 0n);
  await requireFunds(chain, cost, "Buy tokens", faucet);
  const ws = issuerConfig.multiaddrs.find((m) => m.includes("/ws"));
  if (!ws)
    throw new IssuerUnreachableError(issuerConfig.multiaddrs.join(", ") || "(no address)", {
      details: "the issuer listens on no WebSockets address, the only transport a page has",
    });
  // The issuer is dialled before any deposit: an unreachable issuer costs the user nothing.
  const peer = multiaddr(ws);
  try {
    await libp2p.dial(peer, { signal: AbortSignal.timeout(15_000) });
  } catch (cause) {
    throw new IssuerUnreachableError(ws, { cause, details: (cause as Error).message });
  }
  const bls = await loadBlindBls();
  const epoch = await ticketBank(chain).read.currentEpoch();
  let tokens = 0;
  let paid = 0n;
  for (const p of plan) {
    const r = await purchaseTokens(chain, store, bls, {
      epoch,
      ...p,
      issuer,
      issue: async (request) => {
        try {
          return await requestIssuance(libp2p, peer, request);
        } catch (cause) {
          if (cause instanceof IssuanceRefusedError) throw cause;
          throw new IssuerUnreachableError(ws, { cause, details: (cause as Error).message });
        }
      },
    });
    tokens += r.tokens;
    paid += r.paid;
  }
  await store.flush(); // the tokens are on disk before the page says they are bought
  return { tokens, paid };
}
