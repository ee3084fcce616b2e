/**
 * The channels scheme in the page: the same `ChannelsPayer` the Node client
 * runs (payer.ts), its ticket indices in IndexedDB (`WalletStore`), signed
 * with the page's own key through viem; and the wallet actions a user needs
 * before the first paid packet: read balances, open (or top up) the channel
 * to the entry gateway. Relays and settlement never run in a page.
 */
import { formatEther, type Address } from "viem";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import type { ChainClients } from "../../chain/types.js";
import { ObolError } from "../../errors.js";
import { fundChannel, openChannel, readChannel } from "../../schemes/channels/chain.js";
import { ATTACHMENT_SIZE, DEFAULT_PARAMS, RECEIPT_SIZE, SLOT_SIZE } from "../../schemes/channels/constants.js";
import { ChannelsPayer, type OutIndices } from "../../schemes/channels/payer.js";
import type { AccountingScheme } from "../../schemes/scheme.js";
import { clientOnly } from "./client-only.js";
import type { WalletView } from "./protocol.js";

/** What “Open channel” puts in: 500 packets of 5 hops' worth of winning tickets (4 OBOL). */
export const OPEN_AMOUNT = DEFAULT_PARAMS.unitAmount * 500n;

/** The page's key lacks the ETH (gas) or OBOL (deposit) an action needs. */
export class UnfundedKeyError extends ObolError {
  override name = "UnfundedKeyError";
  constructor(account: Address, need: string, hint: string) {
    super(`The page's key ${account} has not enough ${need}`, { hint });
  }
}

/**
 * The channels scheme for a page: client side only.
 *
 * @param indices where outgoing ticket indices are kept (IndexedDB)
 */
export function pageChannels(indices: OutIndices): AccountingScheme {
  return clientOnly({
    name: "channels",
    slotSize: SLOT_SIZE,
    attachmentSize: ATTACHMENT_SIZE,
    receiptSize: RECEIPT_SIZE,
    client: (deps) => new ChannelsPayer(deps, { indices }),
  });
}

/** The page key's ETH (gas) and OBOL balances, in base units. */
export async function keyBalances(chain: ChainClients): Promise<{ eth: bigint; obol: bigint }> {
  const [eth, obol] = await Promise.all([
    chain.publicClient.getBalance({ address: chain.account }),
    chain.publicClient.readContract({
      address: chain.deployment.contracts.ObolToken,
      abi: obolTokenAbi,
      functionName: "balanceOf",
      args: [chain.account],
    }),
  ]);
  return { eth, obol };
}

/**
 * Throws before any transaction when the page's key cannot pay gas or `deposit` OBOL.
 *
 * @param button the page button the user presses again once funded
 * @throws UnfundedKeyError
 */
export async function requireFunds(
  chain: ChainClients,
  deposit: bigint,
  button: string,
  faucet: boolean,
): Promise<void> {
  const how = faucet
    ? `press “Get devnet funds”, then “${button}” again`
    : `send ETH and OBOL to ${chain.account}, then press “${button}” again`;
  const { eth, obol } = await keyBalances(chain);
  if (eth === 0n) throw new UnfundedKeyError(chain.account, "ETH to pay gas", how);
  if (obol < deposit)
    throw new UnfundedKeyError(
      chain.account,
      `OBOL (${formatEther(deposit)} to deposit, has ${formatEther(obol)})`,
      how,
    );
}

/** Balances of the page's key and its channel to `gateway`. */
export async function walletView(chain: ChainClients, gateway: Address, faucet: boolean): Promise<WalletView> {
  const [{ eth, obol }, ch] = await Promise.all([keyBalances(chain), readChannel(chain, chain.account, gateway)]);
  return {
    account: chain.account,
    eth: formatEther(eth),
    obol: formatEther(obol),
    channel: {
      gateway,
      status: ch.status,
      balance: formatEther(ch.balance),
      packetsLeft: String(ch.balance / (DEFAULT_PARAMS.unitAmount * 5n)),
    },
    faucet,
  };
}

/**
 * Opens the channel to `gateway` with `OPEN_AMOUNT`, or tops it up when open.
 *
 * @throws UnfundedKeyError before any transaction when the key lacks gas or tokens
 */
export async function openGatewayChannel(chain: ChainClients, gateway: Address, faucet: boolean): Promise<void> {
  await requireFunds(chain, OPEN_AMOUNT, "Open channel", faucet);
  const ch = await readChannel(chain, chain.account, gateway);
  if (ch.status === "open") await fundChannel(chain, gateway, OPEN_AMOUNT);
  else await openChannel(chain, gateway, OPEN_AMOUNT);
}
