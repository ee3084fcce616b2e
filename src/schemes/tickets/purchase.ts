/**
 * Buying tokens, storage aside (Node: buy.ts with SQLite; a page: IndexedDB): deposit on the TicketBank, blind one token message per
 * (relay, serial), get the blinded points signed by the issuer, check and
 * unblind every signature, store the tokens in the wallet.
 */
import { getContract, parseEventLogs, type Address } from "viem";
import type { ChainClients } from "../../chain/types.js";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import type { BlindBls } from "../../crypto/blind/bls.js";
import { tokenMessage } from "../../crypto/blind/encoding.js";
import { InvalidInputError } from "../../errors.js";
import { SERIAL_SIZE } from "../../crypto/blind/constants.js";
import { explainRevert, rethrowRevert } from "../../chain/errors.js";
import { inTurn } from "../../chain/tx.js";
import { ticketBank, type IssuerInfo } from "./bank.js";
import { DepositEpochError } from "./errors.js";
import { issuanceDigest, MAX_ISSUE_COUNT, type IssueRequest } from "./issuer.js";
import type { TokenPurse } from "./purse.js";

export type BuyTokensParameters = {
  epoch: bigint;
  /** Relays to buy for; `perRelay` tokens each. */
  relays: readonly Address[];
  perRelay: number;
  issuer: IssuerInfo;
  /** Sends the request to the issuer (e.g. `(r) => requestIssuance(node, peer, r)`). */
  issue: (request: IssueRequest) => Promise<Uint8Array[]>;
};

export type BuyTokensReturnType = { depositId: bigint; tokens: number; paid: bigint };

/**
 * Buys tokens for `relays` × `perRelay` in `epoch`.
 *
 * @param chain the buyer's chain clients (its account pays)
 * @param purse where the tokens are stored (the buyer's wallet)
 * @param bls the blind-BLS backend
 * @param parameters epoch, relays, count per relay, issuer, transport
 * @returns deposit id, tokens stored, amount paid
 * @throws DepositEpochError (epoch not on sale) | IssuanceRefusedError |
 *   BlindSignatureRejectedError | InvalidInputError
 * @example
 * await purchaseTokens(chain, new TokenWallet(db), bls, { epoch, relays, perRelay: 50, issuer, issue: (r) => requestIssuance(node, peer, r) });
 */
export async function purchaseTokens(
  chain: ChainClients,
  purse: Pick<TokenPurse, "add">,
  bls: BlindBls,
  { epoch, relays, perRelay, issuer, issue }: BuyTokensParameters,
): Promise<BuyTokensReturnType> {
  if (relays.length === 0) throw new InvalidInputError("relays", "at least one relay");
  if (!Number.isInteger(perRelay) || perRelay < 1) throw new InvalidInputError("perRelay", "a positive integer");
  const count = relays.length * perRelay;
  if (count > MAX_ISSUE_COUNT) throw new InvalidInputError("count", `at most ${MAX_ISSUE_COUNT} tokens per purchase`);
  const bank = ticketBank(chain);
  const token = getContract({
    address: chain.deployment.contracts.ObolToken,
    abi: obolTokenAbi,
    client: { public: chain.publicClient, wallet: chain.walletClient },
  });
  const amount = issuer.price * BigInt(count);
  if ((await token.read.allowance([chain.account, bank.address])) < amount) {
    await chain.publicClient.waitForTransactionReceipt({
      hash: await inTurn(chain, () => token.write.approve([bank.address, amount])),
    });
  }
  let hash;
  try {
    // In turn with the account's other sends (a relay tops up while its claim redeems).
    hash = await inTurn(chain, () => bank.write.deposit([issuer.address, epoch, count]));
  } catch (error) {
    // The epoch can end between choosing it and depositing (e.g. read from `obol status` a while ago).
    const revert = explainRevert(error);
    if (revert?.errorName === "TicketBankInvalidEpoch")
      throw new DepositEpochError(epoch, revert.args[1] as bigint, await bank.read.MAX_EPOCHS_AHEAD(), {
        cause: error,
      });
    rethrowRevert(error, "deposit on the TicketBank");
  }
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  const [event] = parseEventLogs({ abi: ticketBankAbi, logs: receipt.logs, eventName: "Deposited" });
  if (!event) throw new InvalidInputError("deposit", "no Deposited event in the receipt");
  const depositId = event.args.depositId;
  // Random serials, shuffled relay order: the issuer sees only uniformly random points.
  const plan = relays.flatMap((relay) =>
    Array.from({ length: perRelay }, () => ({ relay, serial: crypto.getRandomValues(new Uint8Array(SERIAL_SIZE)) })),
  );
  const states = plan.map((p) => bls.blind(tokenMessage(issuer.domain, p.relay, epoch, p.serial)));
  const blinded = states.map((s) => s.blinded);
  const digest = issuanceDigest(chain.deployment.chainId, bank.address, issuer.address, depositId, blinded);
  const signature = await chain.walletClient.signMessage({
    account: chain.walletClient.account,
    message: { raw: digest },
  });
  const blindSignatures = await issue({ depositId, blinded, signature });
  const signatures = bls.unblindBatch(states, blindSignatures, issuer.publicKey);
  const tokens = plan.map((p, i) => ({ relay: p.relay, epoch, serial: p.serial, signature: signatures[i]! }));
  purse.add(tokens);
  return { depositId, tokens: tokens.length, paid: event.args.amount };
}
