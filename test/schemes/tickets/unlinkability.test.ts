/**
 * Unlinkability of scheme B (DESIGN §5B "the issuer must learn nothing that
 * links a purchase to a redemption"). 20 clients each buy 50 tokens (1,000)
 * through the real issuer core; a malicious issuer keeps the full transcript
 * (deposit, owner, every blinded point) instead of counts; relays accept the
 * tokens and redeem them on chain. The adversary reads every redemption from
 * the chain (relay, epoch, serials in calldata), recomputes H(m) per token,
 * and assigns each token to the deposit whose blinded points correlate best
 * with it (exact match, then maximal bit agreement of the encodings).
 *
 * Chance is 1/20. Under H0 (no link), correct assignments X ~ Bin(1000, 0.05):
 * mean 50, σ ≈ 6.9; the test requires X ≤ 50 + 4σ ≈ 77 (false alarm
 * ≈ 3·10⁻⁵). A control run with a client that does not blind (r = 1) shows
 * the same attack links 100 % of such tokens, so the test can fail.
 */
import { describe, it, expect } from "vitest";
import { decodeFunctionData, getAddress, hexToBytes, type Address } from "viem";
import { schemeEnv } from "./env.js";
import { ticketBankAbi } from "../../../src/chain/abi/TicketBank.js";
import { tokenMessage } from "../../../src/crypto/blind/encoding.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { readIssuer } from "../../../src/schemes/tickets/bank.js";
import { TicketsClient } from "../../../src/schemes/tickets/client.js";
import { TicketsRelay } from "../../../src/schemes/tickets/relay.js";
import { TicketsSettle } from "../../../src/schemes/tickets/settle.js";
import type { IssueRequest } from "../../../src/schemes/tickets/issuer.js";

const CLIENTS = 20;
const PER_CLIENT = 50;
const s = await schemeEnv();
const domain = {
  chainId: await s.publicClient.getChainId(),
  bank: s.bank.address,
  issuer: s.wallets[1]!.account.address,
};
const relays = [getAddress(s.wallets[3]!.account.address), getAddress(s.wallets[4]!.account.address)];

const BITS = new Uint8Array(256).map((_, i) => i.toString(2).split("1").length - 1);
function agreement(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let i = 1; i < a.length; i++) same += 8 - BITS[a[i]! ^ b[i]!]!; // skip the flag byte
  return same;
}

/** The attack: best-scoring deposit for each observed token hash. */
function link(transcript: { deposit: number; blinded: Uint8Array[] }[], observed: Uint8Array[]): number[] {
  return observed.map((h) => {
    let best = -1;
    let bestScore = -1;
    for (const t of transcript) {
      for (const b of t.blinded) {
        const score = b.every((x, i) => x === h[i]) ? 1e9 : agreement(b, h);
        if (score > bestScore) [best, bestScore] = [t.deposit, score];
      }
    }
    return best;
  });
}

describe("unlinkability against a logging issuer and colluding relays", () => {
  it("links 1,000 redeemed tokens to deposits no better than chance", async () => {
    const transcript: { deposit: number; blinded: Uint8Array[] }[] = [];
    const truth = new Map<string, number>(); // serial → deposit (ground truth, adversary never sees it)
    const clients = [];
    for (let i = 0; i < CLIENTS; i++) {
      const c = s.participant(5 + (i % 5));
      const issuer = await readIssuer(c.chain, s.wallets[1]!.account.address);
      const logIssue = async (req: IssueRequest) => {
        transcript.push({ deposit: Number(req.depositId), blinded: req.blinded });
        return s.issuer.issue(req);
      };
      const r = await buyTokens(c.chain, c.db, s.bls, {
        epoch: 0n,
        relays,
        perRelay: PER_CLIENT / 2,
        issuer,
        issue: logIssue,
      });
      for (const row of c.db.prepare("SELECT serial FROM tk_wallet").all() as { serial: Uint8Array }[]) {
        const key = Buffer.from(row.serial).toString("hex");
        if (!truth.has(key)) truth.set(key, Number(r.depositId));
      }
      clients.push(c);
    }
    expect(truth.size).toBe(CLIENTS * PER_CLIENT);
    // Relays accept every token (clients interleave), then redeem on chain.
    const relaySides = relays.map((relay, k) => {
      const p = s.participant(3 + k);
      return { relay, p, scheme: new TicketsRelay({ ...p, relay }, { maxBatch: 64, maxDelayMs: 5 }) };
    });
    for (const r of relaySides) await r.scheme.start();
    const payers = clients.map((c) => new TicketsClient(c));
    const verdicts: Promise<import("../../../src/schemes/scheme.js").PacketVerdict>[] = [];
    for (let round = 0; round < PER_CLIENT / 2; round++) {
      for (const pay of payers) {
        const { slots } = await pay.pay({
          route: relays.map((relay) => ({ relay, mixKey: new Uint8Array(32), layer: 1 })),
          secrets: [],
          epoch: 0n,
          kind: "payload",
        });
        slots.forEach((slot, k) => {
          verdicts.push(
            relaySides[k]!.scheme.onPacket({
              slot,
              attachment: new Uint8Array(0),
              ss: new Uint8Array(32),
              replayTag: new Uint8Array(32),
              packetRef: new Uint8Array(32),
              fromPeer: "p",
              nextHop: null,
              epoch: 0n,
            }),
          );
        });
      }
    }
    expect((await Promise.all(verdicts)).every((v) => v.accept)).toBe(true);
    const txs = [];
    for (const r of relaySides) txs.push(...(await new TicketsSettle({ ...r.p, relay: r.relay }).claim()).transactions);
    // The adversary's view of redemptions: calldata of every redeem transaction.
    const observed: { serial: string; h: Uint8Array }[] = [];
    for (const hash of txs) {
      const tx = await s.publicClient.getTransaction({ hash: hash as `0x${string}` });
      const { functionName, args } = decodeFunctionData({ abi: ticketBankAbi, data: tx.input });
      if (functionName !== "redeem") continue;
      const [, epoch, serials] = args as readonly [Address, bigint, `0x${string}`, `0x${string}`];
      const bytes = hexToBytes(serials as `0x${string}`);
      for (let i = 0; i < bytes.length; i += 16) {
        const serial = bytes.slice(i, i + 16);
        observed.push({
          serial: Buffer.from(serial).toString("hex"),
          h: s.bls.hashToG1(tokenMessage(domain, getAddress(tx.from), epoch, serial)),
        });
      }
    }
    expect(observed.length).toBe(CLIENTS * PER_CLIENT);
    const guesses = link(
      transcript,
      observed.map((o) => o.h),
    );
    const correct = guesses.filter((g, i) => g === truth.get(observed[i]!.serial)).length;
    const n = observed.length;
    const p0 = 1 / CLIENTS;
    const bound = n * p0 + 4 * Math.sqrt(n * p0 * (1 - p0));
    process.stdout.write(
      `tickets unlinkability: ${correct}/${n} linked = ${((100 * correct) / n).toFixed(1)} % (chance ${(100 * p0).toFixed(1)} %, 4σ bound ${Math.floor(bound)})\n`,
    );
    expect(correct).toBeLessThanOrEqual(bound);

    // Control: a client that does not blind (r = 1) is linked every time by the same attack.
    const naive = Array.from({ length: 5 }, (_, d) => {
      const msgs = Array.from({ length: 20 }, () =>
        tokenMessage(domain, relays[0]!, 0n, crypto.getRandomValues(new Uint8Array(16))),
      );
      return { deposit: d, msgs, blinded: msgs.map((m) => s.bls.hashToG1(m)) };
    });
    const naiveGuesses = link(
      naive,
      naive.flatMap((d) => d.msgs.map((m) => s.bls.hashToG1(m))),
    );
    expect(naiveGuesses).toEqual(naive.flatMap((d) => d.msgs.map(() => d.deposit)));
  });
});
