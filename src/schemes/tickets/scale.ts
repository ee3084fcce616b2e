/**
 * One epoch of tickets at N relays for the comparison's scale probe
 * (docs/compare.md §Cost at scale): every relay buys the epoch's tokens
 * (approve + deposit of {@link TOKENS} tokens), a sample of relays have theirs
 * blindly signed by the real issuer core and redeem them in one batch, and the
 * epoch's beacon is set. So the per-hop operation (redeem) has its gas
 * measured at every N.
 */
import type { Address } from "viem";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import { sendContractTx } from "../../chain/tx.js";
import type { ChainClients } from "../../chain/types.js";
import { loadBlindBls } from "../../crypto/blind/bls.js";
import { silentLogger } from "../../log.js";
import { openDatabase } from "../../store/db.js";
import type { ScaleContext } from "../devnet.js";
import { crossEpochBuy, redemptionArgs, type AttackToken } from "./attacks.js";
import { ticketBank } from "./bank.js";
import { Issuer } from "./issuer.js";
import { ensureIssuerRegistered } from "./setup.js";

/** Tokens each relay buys per epoch, all redeemed in one batch by the sampled relays. */
export const TOKENS = 10;
/** Relays per N that redeem: the redemption's gas per call is what the probe measures (its count comes from the run). */
export const REDEEM_SAMPLE = 10;

/** The probe's issuer per chain (the deployer's account): registered once, its key kept for the later epochs. */
const issuers = new WeakMap<ChainClients, Issuer>();

export async function ticketsScaleEpoch(c: ScaleContext, terms: { price: bigint; issuerStake: bigint }): Promise<void> {
  const bank = c.deployer.deployment.contracts.TicketBank!;
  const token = c.deployer.deployment.contracts.ObolToken;
  const bls = await loadBlindBls();
  let issuer = issuers.get(c.deployer);
  if (!issuer) {
    if ((await ticketBank(c.deployer).read.issuer([c.deployer.account])).publicKey !== "0x")
      throw new Error(
        "the probe's chain already has an issuer whose key this process does not hold: use a fresh chain",
      );
    const { publicKey, secretKey } = bls.keygen();
    await c.oneOff(() =>
      ensureIssuerRegistered(c.deployer, { publicKey, price: terms.price, winBits: 0, stake: terms.issuerStake }),
    );
    issuer = new Issuer({ chain: c.deployer, db: openDatabase(":memory:"), log: silentLogger(), bls, secretKey });
    issuers.set(c.deployer, issuer);
  }
  const issue = issuer.issue.bind(issuer);
  // What recurs every epoch: every participant buys the next epoch's tokens (here each relay).
  await c.each("ObolToken.approve", c.relays, (r) =>
    sendContractTx(
      r,
      { address: token, abi: obolTokenAbi, functionName: "approve", args: [bank, terms.price * BigInt(TOKENS)] },
      "approve bank",
    ),
  );
  // The sampled relays have their tokens issued (naming themselves as relay, so they can redeem them).
  const bought: { r: ChainClients; tokens: AttackToken[] }[] = [];
  const indexed = c.relays.map((r, i) => ({ r, i }));
  await c.each("TicketBank.deposit", indexed, async ({ r, i }) => {
    if (i < REDEEM_SAMPLE) {
      const { tokens } = await crossEpochBuy(r, bls, c.deployer.account, issue, c.epoch, c.epoch, TOKENS);
      bought.push({ r, tokens });
      return;
    }
    await sendContractTx(
      r,
      { address: bank, abi: ticketBankAbi, functionName: "deposit", args: [c.deployer.account, c.epoch, TOKENS] },
      "deposit",
    );
  });
  // Per hop: each sampled relay redeems its batch (winBits 0: every token pays).
  await c.each("TicketBank.redeem", bought, ({ r, tokens }) => {
    const { serials, signature } = redemptionArgs(bls, tokens);
    return sendContractTx(
      r,
      {
        address: bank,
        abi: ticketBankAbi,
        functionName: "redeem",
        args: [c.deployer.account as Address, c.epoch, serials, signature],
      },
      "redeem tokens",
    );
  });
  // The epoch's beacon can be set from two epochs on.
  await c.advance(c.epoch + 2n);
  await c.each("TicketBank.setBeacon", [c.epoch], (epoch) =>
    sendContractTx(
      c.deployer,
      { address: bank, abi: ticketBankAbi, functionName: "setBeacon", args: [epoch] },
      "set beacon",
    ),
  );
}
