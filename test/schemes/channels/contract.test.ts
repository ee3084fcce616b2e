/**
 * PaymentChannels on Hardhat's in-process chain: every path, every revert
 * with its custom error, every event, and token conservation.
 */
import { describe, it, expect } from "vitest";
import { parseEventLogs, zeroAddress, type Address } from "viem";
import { connect, makeTicket, MAX_WIN, NOTICE, OBOL, R1, ROUND_SECRET } from "./helpers.js";
import { ticketDigest, isWinning, roundCommitment } from "../../../src/schemes/channels/ticket.js";
import { paymentChannelsAbi } from "../../../src/chain/abi/PaymentChannels.js";
import { chainSigner } from "../../../src/schemes/channels/signer.js";
import { signTicket, toRedeemable } from "../../../src/schemes/channels/ticket.js";
import { pointAddress } from "../../../src/schemes/channels/por.js";
import type { ChainClients } from "../../../src/chain/types.js";

const env = await connect();
const { viem, networkHelpers, wallets, signers, publicClient } = env;
const [, client, relayA, relayB, stranger] = wallets.map((w) => w!.account);
const [, clientKey, , , strangerKey] = signers;
const fixture = () => env.deploy();

async function opened(amount = 100n * OBOL) {
  const f = await networkHelpers.loadFixture(fixture);
  await f.channels.write.openChannel([relayA!.address, amount], { account: client });
  await f.channels.write.commitRound([roundCommitment(ROUND_SECRET)], { account: relayA });
  const id = await f.channels.read.channelId([client!.address, relayA!.address]);
  return { ...f, id };
}

describe("PaymentChannels: open, fund, close", () => {
  it("opens a channel in epoch 1 with events and pulls the tokens", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const id = await f.channels.read.channelId([client!.address, relayA!.address]);
    const tx = f.channels.write.openChannel([relayA!.address, 5n * OBOL], { account: client });
    await viem.assertions.emitWithArgs(tx, f.channels, "ChannelOpened", [id, client!.address, relayA!.address, 1]);
    const ch = await f.channels.read.channel([client!.address, relayA!.address]);
    expect(ch).toEqual({ balance: 5n * OBOL, ticketIndex: 0, epoch: 1, closureTime: 0, status: 1 });
    expect(await f.token.read.balanceOf([f.channels.address])).toBe(5n * OBOL);
  });

  it("rejects bad opens with the exact custom errors", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const as = { account: client };
    await viem.assertions.revertWithCustomError(
      f.channels.write.openChannel([relayA!.address, 0n], as),
      f.channels,
      "PaymentChannelsZeroAmount",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.openChannel([client!.address, 1n], as),
      f.channels,
      "PaymentChannelsInvalidDestination",
      [client!.address],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.openChannel([zeroAddress, 1n], as),
      f.channels,
      "PaymentChannelsInvalidDestination",
      [zeroAddress],
    );
    await f.channels.write.openChannel([relayA!.address, 1n], as);
    const id = await f.channels.read.channelId([client!.address, relayA!.address]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.openChannel([relayA!.address, 1n], as),
      f.channels,
      "PaymentChannelsWrongStatus",
      [id, 1],
    );
  });

  it("funds an open channel, rejects funding a closed one or zero", async () => {
    const f = await opened(10n);
    await viem.assertions.emitWithArgs(
      f.channels.write.fundChannel([relayA!.address, 5n], { account: client }),
      f.channels,
      "ChannelFunded",
      [f.id, 5n, 15n],
    );
    await viem.assertions.revertWithCustomError(
      f.channels.write.fundChannel([relayA!.address, 0n], { account: client }),
      f.channels,
      "PaymentChannelsZeroAmount",
    );
    const otherId = await f.channels.read.channelId([client!.address, relayB!.address]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.fundChannel([relayB!.address, 5n], { account: client }),
      f.channels,
      "PaymentChannelsWrongStatus",
      [otherId, 0],
    );
  });

  it("source closes only after the notice period, refunds, and reopens in a new epoch", async () => {
    const f = await opened(10n * OBOL);
    const before = await f.token.read.balanceOf([client!.address]);
    await viem.assertions.emit(
      f.channels.write.initiateClosure([relayA!.address], { account: client }),
      f.channels,
      "ChannelClosureInitiated",
    );
    const ch = await f.channels.read.channel([client!.address, relayA!.address]);
    expect(ch.status).toBe(2);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.finalizeClosure([relayA!.address], { account: client }),
      f.channels,
      "PaymentChannelsNoticePeriodNotElapsed",
      [f.id, ch.closureTime],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.initiateClosure([relayA!.address], { account: client }),
      f.channels,
      "PaymentChannelsWrongStatus",
      [f.id, 2],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.fundChannel([relayA!.address, 1n], { account: client }),
      f.channels,
      "PaymentChannelsWrongStatus",
      [f.id, 2],
    );
    await networkHelpers.time.increase(NOTICE);
    await viem.assertions.emitWithArgs(
      f.channels.write.finalizeClosure([relayA!.address], { account: client }),
      f.channels,
      "ChannelClosed",
      [f.id, 10n * OBOL],
    );
    expect(await f.token.read.balanceOf([client!.address])).toBe(before + 10n * OBOL);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.finalizeClosure([relayA!.address], { account: client }),
      f.channels,
      "PaymentChannelsWrongStatus",
      [f.id, 0],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.initiateClosure([relayA!.address], { account: client }),
      f.channels,
      "PaymentChannelsWrongStatus",
      [f.id, 0],
    );
    await viem.assertions.emitWithArgs(
      f.channels.write.openChannel([relayA!.address, 1n], { account: client }),
      f.channels,
      "ChannelOpened",
      [f.id, client!.address, relayA!.address, 2],
    );
  });

  it("destination closes at once; the balance goes back to the source", async () => {
    const f = await opened(7n);
    const before = await f.token.read.balanceOf([client!.address]);
    await viem.assertions.emitWithArgs(
      f.channels.write.closeByDestination([client!.address], { account: relayA }),
      f.channels,
      "ChannelClosed",
      [f.id, 7n],
    );
    expect(await f.token.read.balanceOf([client!.address])).toBe(before + 7n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.closeByDestination([client!.address], { account: relayA }),
      f.channels,
      "PaymentChannelsWrongStatus",
      [f.id, 0],
    );
  });
});

describe("PaymentChannels: tickets", () => {
  const base = (
    id: `0x${string}`,
    over: Partial<{ amount: bigint; index: bigint; epoch: bigint; winProb: bigint; response: bigint }> = {},
  ) => ({
    channel: id,
    amount: 1n * OBOL,
    index: R1 + 1n,
    epoch: 1n,
    winProb: MAX_WIN,
    response: 123456789n,
    ...over,
  });

  it("computes the same EIP-712 digest as our off-chain code", async () => {
    const f = await opened();
    const t = { channel: f.id, amount: 3n, index: 9n, epoch: 1n, winProb: 77n, challenge: relayB!.address as Address };
    const onChain = await f.channels.read.ticketDigest([
      t.channel,
      t.amount,
      Number(t.index),
      Number(t.epoch),
      t.winProb,
      t.challenge,
    ]);
    expect(onChain).toBe(`0x${Buffer.from(ticketDigest(t, f.domain)).toString("hex")}`);
  });

  it("redeems a winning ticket once: pays the destination, emits, then refuses the replay", async () => {
    const f = await opened(10n * OBOL);
    const { redeemable } = await makeTicket(f.domain, clientKey!, base(f.id, { index: R1 + 5n }));
    const relayBefore = await f.token.read.balanceOf([relayA!.address]);
    const tx = f.channels.write.redeemTicket([redeemable], { account: relayA });
    await viem.assertions.emitWithArgs(tx, f.channels, "TicketRedeemed", [f.id, Number(R1 + 5n), OBOL]);
    expect(await f.token.read.balanceOf([relayA!.address])).toBe(relayBefore + OBOL);
    const ch = await f.channels.read.channel([client!.address, relayA!.address]);
    expect(ch.balance).toBe(9n * OBOL);
    expect(ch.ticketIndex).toBe(Number(R1 + 5n));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([redeemable], { account: relayA }),
      f.channels,
      "PaymentChannelsIndexNotIncreasing",
      [f.id, Number(R1 + 5n), Number(R1 + 5n)],
    );
    const older = await makeTicket(f.domain, clientKey!, base(f.id, { index: R1 + 4n }));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([older.redeemable], { account: relayA }),
      f.channels,
      "PaymentChannelsIndexNotIncreasing",
      [f.id, Number(R1 + 4n), Number(R1 + 5n)],
    );
  });

  it("rejects a forged signature", async () => {
    const f = await opened();
    const { redeemable } = await makeTicket(f.domain, strangerKey!, base(f.id));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([{ ...redeemable, source: client!.address }], { account: relayA }),
      f.channels,
      "PaymentChannelsInvalidSignature",
      [f.id, stranger!.address],
    );
    // Tampering with a signed field also breaks the signature.
    const good = await makeTicket(f.domain, clientKey!, base(f.id));
    await viem.assertions.revertWithCustomError(
      f.channels.write.redeemTicket([{ ...good.redeemable, amount: 2n * OBOL }], { account: relayA }),
      f.channels,
      "PaymentChannelsInvalidSignature",
    );
    // A high-s (malleated) signature is refused by OpenZeppelin's ECDSA.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const vs = BigInt(good.redeemable.vs);
    const s = vs & ((1n << 255n) - 1n);
    const flipped = (((vs >> 255n) ^ 1n) << 255n) | (n - s);
    await viem.assertions.revertWithCustomError(
      f.channels.write.redeemTicket([{ ...good.redeemable, vs: `0x${flipped.toString(16).padStart(64, "0")}` }], {
        account: relayA,
      }),
      f.channels,
      "PaymentChannelsInvalidSignature",
    );
  });

  it("rejects a ticket for another channel", async () => {
    const f = await opened();
    await f.channels.write.openChannel([relayB!.address, 10n * OBOL], { account: client });
    const idB = await f.channels.read.channelId([client!.address, relayB!.address]);
    const { redeemable } = await makeTicket(f.domain, clientKey!, base(idB));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([redeemable], { account: relayA }),
      f.channels,
      "PaymentChannelsWrongChannel",
      [idB, f.id],
    );
  });

  it("rejects a stale epoch after the channel is reopened", async () => {
    const f = await opened();
    const { redeemable } = await makeTicket(f.domain, clientKey!, base(f.id));
    await f.channels.write.closeByDestination([client!.address], { account: relayA });
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([redeemable], { account: relayA }),
      f.channels,
      "PaymentChannelsWrongStatus",
      [f.id, 0],
    );
    await f.channels.write.openChannel([relayA!.address, 10n * OBOL], { account: client });
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([redeemable], { account: relayA }),
      f.channels,
      "PaymentChannelsWrongEpoch",
      [f.id, 1, 2],
    );
  });

  it("rejects a ticket above the channel balance", async () => {
    const f = await opened(OBOL);
    const { redeemable } = await makeTicket(f.domain, clientKey!, base(f.id, { amount: OBOL + 1n }));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([redeemable], { account: relayA }),
      f.channels,
      "PaymentChannelsInsufficientBalance",
      [f.id, OBOL + 1n, OBOL],
    );
  });

  it("rejects a wrong proof-of-relay response, including out-of-range scalars", async () => {
    const f = await opened();
    const { redeemable } = await makeTicket(f.domain, clientKey!, base(f.id));
    for (const response of [redeemable.response + 1n, 0n, 2n ** 256n - 1n])
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.channels.write.redeemTicket([{ ...redeemable, response }], { account: relayA }),
        f.channels,
        "PaymentChannelsWrongResponse",
        [f.id, Number(R1 + 1n)],
      );
  });

  it("rejects a losing ticket and pays a winning one under the same win rule as off chain", async () => {
    const f = await opened();
    let index = R1 + 1n;
    const found = { win: 0, lose: 0 };
    const half = (1n << 55n) - 1n; // p = 1/2
    while (found.win === 0 || found.lose === 0) {
      const { signed, redeemable } = await makeTicket(f.domain, clientKey!, base(f.id, { index, winProb: half }));
      const wins = isWinning(ticketDigest(signed, f.domain), redeemable.response, ROUND_SECRET, half);
      const tx = f.channels.write.redeemTicket([redeemable], { account: relayA });
      if (wins) {
        await tx;
        found.win++;
      } else {
        await viem.assertions.revertWithCustomErrorWithArgs(tx, f.channels, "PaymentChannelsTicketNotWinning", [
          f.id,
          Number(index),
        ]);
        found.lose++;
      }
      index++;
    }
  });

  it("lottery rounds: committed per destination with events; a ticket wins only with its round's committed secret", async () => {
    const f = await opened();
    expect(await f.channels.read.currentRound([relayA!.address])).toBe(1);
    expect(await f.channels.read.roundCommitment([relayA!.address, 1])).toBe(roundCommitment(ROUND_SECRET));
    const next = new Uint8Array(32).fill(9);
    await viem.assertions.emitWithArgs(
      f.channels.write.commitRound([roundCommitment(next)], { account: relayA }),
      f.channels,
      "RoundCommitted",
      [relayA!.address, 2, roundCommitment(next)],
    );
    await viem.assertions.revertWithCustomError(
      f.channels.write.commitRound([`0x${"00".repeat(32)}`], { account: relayA }),
      f.channels,
      "PaymentChannelsZeroCommitment",
    );
    // Another secret than the committed one (the redeemer trying a luckier one) is refused.
    const { redeemable } = await makeTicket(f.domain, clientKey!, base(f.id));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([{ ...redeemable, roundSecret: `0x${"09".repeat(32)}` }], { account: relayA }),
      f.channels,
      "PaymentChannelsWrongRoundSecret",
      [f.id, 1],
    );
    // Round 0 (an index below 2^24) has no commitment: nothing in it ever wins.
    const zero = await makeTicket(f.domain, clientKey!, base(f.id, { index: 1n }));
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([zero.redeemable], { account: relayA }),
      f.channels,
      "PaymentChannelsWrongRoundSecret",
      [f.id, 0],
    );
    // A round committed by another destination does not open tickets to relayA.
    const r3 = await makeTicket(f.domain, clientKey!, base(f.id, { index: 3n * R1 + 1n }));
    await f.channels.write.commitRound([roundCommitment(ROUND_SECRET)], { account: relayB });
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.channels.write.redeemTicket([r3.redeemable], { account: relayA }),
      f.channels,
      "PaymentChannelsWrongRoundSecret",
      [f.id, 3],
    );
    await f.channels.write.redeemTicket([redeemable], { account: relayA });
  });

  it("keeps tickets redeemable during the closure notice period", async () => {
    const f = await opened();
    await f.channels.write.initiateClosure([relayA!.address], { account: client });
    const { redeemable } = await makeTicket(f.domain, clientKey!, base(f.id));
    const relayBefore = await f.token.read.balanceOf([relayA!.address]);
    await f.channels.write.redeemTicket([redeemable], { account: relayA });
    expect(await f.token.read.balanceOf([relayA!.address])).toBe(relayBefore + OBOL);
  });

  it("redeems a batch across channels with exactly one token transfer; any bad ticket reverts it all", async () => {
    const f = await opened(10n * OBOL);
    await f.channels.write.openChannel([relayA!.address, 10n * OBOL], { account: stranger });
    const idS = await f.channels.read.channelId([stranger!.address, relayA!.address]);
    const batch = [];
    for (let i = R1 + 1n; i <= R1 + 3n; i++)
      batch.push((await makeTicket(f.domain, clientKey!, base(f.id, { index: i, response: 1000n + i }))).redeemable);
    batch.push((await makeTicket(f.domain, strangerKey!, base(idS, { index: R1 + 1n, amount: 2n * OBOL }))).redeemable);
    const bad = [...batch, batch[0]!];
    await viem.assertions.revertWithCustomError(
      f.channels.write.redeemTickets([bad], { account: relayA }),
      f.channels,
      "PaymentChannelsIndexNotIncreasing",
    );
    await viem.assertions.revertWithCustomError(
      f.channels.write.redeemTickets([[]], { account: relayA }),
      f.channels,
      "PaymentChannelsEmptyBatch",
    );
    const relayBefore = await f.token.read.balanceOf([relayA!.address]);
    const hash = await f.channels.write.redeemTickets([batch], { account: relayA });
    const receipt = await publicClient.getTransactionReceipt({ hash });
    const transfers = parseEventLogs({ abi: f.token.abi, logs: receipt.logs, eventName: "Transfer" });
    expect(transfers.length).toBe(1);
    expect(transfers[0]!.args.value).toBe(5n * OBOL);
    expect(parseEventLogs({ abi: paymentChannelsAbi, logs: receipt.logs, eventName: "TicketRedeemed" }).length).toBe(4);
    // Conservation: what the contract holds is exactly the sum of balances.
    const a = await f.channels.read.channel([client!.address, relayA!.address]);
    const s = await f.channels.read.channel([stranger!.address, relayA!.address]);
    expect(await f.token.read.balanceOf([f.channels.address])).toBe(a.balance + s.balance);
    expect(a.balance + s.balance + (await f.token.read.balanceOf([relayA!.address])) - relayBefore).toBe(20n * OBOL);
  });

  it("a JSON-RPC wallet (eth_signTypedData_v4) signs tickets the contract accepts", async () => {
    const f = await opened();
    const chain = {
      publicClient,
      walletClient: wallets[1]!,
      account: client!.address,
      deployment: {
        chainId: 31337,
        rpcUrl: "",
        startBlock: 0n,
        contracts: { ObolToken: f.token.address, RelayRegistry: zeroAddress, PaymentChannels: f.channels.address },
      },
    } as unknown as ChainClients;
    const signer = chainSigner(chain);
    const response = 987654321n;
    const signed = await signTicket(
      { channel: f.id, amount: 7n, index: R1 + 3n, epoch: 1n, winProb: MAX_WIN, challenge: pointAddress(response) },
      f.domain,
      signer,
    );
    await viem.assertions.emitWithArgs(
      f.channels.write.redeemTicket([toRedeemable(signed, client!.address, response, ROUND_SECRET)], {
        account: relayA,
      }),
      f.channels,
      "TicketRedeemed",
      [f.id, Number(R1 + 3n), 7n],
    );
  });

  it("exposes token, notice period and a domain separator matching EIP-712", async () => {
    const f = await opened();
    expect((await f.channels.read.token()).toLowerCase()).toBe(f.token.address.toLowerCase());
    expect(await f.channels.read.noticePeriod()).toBe(NOTICE);
    expect(await f.channels.read.domainSeparator()).toBe(`0x${Buffer.from(f.domain).toString("hex")}`);
  });
});
