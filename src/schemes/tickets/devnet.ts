/**
 * Devnet hook of scheme B (docs/tickets.md): deploys TicketBank, registers
 * the deployer as issuer (fresh BLS key), runs the issuer core in this
 * process, and has every client and relay (relays pay for their own cover
 * loops) buy tokens for every relay of the current epoch, before traffic,
 * and keep that balance paid while traffic runs from a standing order
 * (`keeper.ts`) naming the issuer this hook serves on loopback.
 * Counts per relay: {@link DEVNET_TOKENS}, overridden by the context's
 * `prepaid` hops (`obol devnet --prepaid-gateway/--prepaid-mix`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createObolNode } from "../../net/node.js";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { sendContractTx } from "../../chain/tx.js";
import { forComponent } from "../../log.js";
import { openDatabase } from "../../store/db.js";
import { loadBlindBls } from "../../crypto/blind/bls.js";
import { ticketBankAbi } from "../../chain/abi/TicketBank.js";
import type { DevnetContext, PrepaidHops, SchemeDevnet } from "../devnet.js";
import { InvalidInputError } from "../../errors.js";
import { ticketsLottery } from "./lottery.js";
import TicketBankModule from "../../../ignition/modules/TicketBank.js";
import { readIssuer, setIssuer, ticketBank } from "./bank.js";
import { buyTokens } from "./buy.js";
import { Issuer, serveIssuer } from "./issuer.js";
import { ensureIssuerRegistered } from "./setup.js";
import { crossEpochBuyer } from "./attacks.js";
import { setStandingOrder } from "./keeper.js";
import { ticketsScaleEpoch } from "./scale.js";
import { ticketsPaidOnChain } from "./paid.js";

const OBOL = 10n ** 18n;

/** Allotments each participant is funded for beyond the ones bought at setup: its top-ups during traffic. */
export const TOP_UP_ALLOTMENTS = 20;

/** Price, stake and default tokens each participant buys per relay (gateways carry every packet twice). */
export const DEVNET_TOKENS = { perGateway: 150, perMix: 60, price: 10n ** 15n, issuerStake: 1_000n * OBOL } as const;

/**
 * Tokens each participant buys per relay: the devnet's `prepaid` hops (one token pays one hop), else the defaults.
 *
 * @throws InvalidInputError when a count is not a whole number ≥ 0.
 */
export function tokenCounts(prepaid: PrepaidHops = {}): { gateway: number; mix: number } {
  const count = (role: keyof PrepaidHops, fallback: number) => {
    const n = prepaid[role] ?? fallback;
    if (!Number.isSafeInteger(n) || n < 0)
      throw new InvalidInputError(`prepaid.${role}`, `tokens per ${role} must be a whole number ≥ 0, got ${n}`);
    return n;
  };
  return { gateway: count("gateway", DEVNET_TOKENS.perGateway), mix: count("mix", DEVNET_TOKENS.perMix) };
}

export const devnet: SchemeDevnet = {
  attacks: [crossEpochBuyer],
  paidOnChain: ticketsPaidOnChain,
  module: TicketBankModule,
  contracts: [{ name: "TicketBank", abi: ticketBankAbi }],
  scaleEpoch: (c) => ticketsScaleEpoch(c, { price: DEVNET_TOKENS.price, issuerStake: DEVNET_TOKENS.issuerStake }),
  // Redemptions follow traffic (tokens spent): the run's redemptions per packet-hop scale them.
  sampled: { "TicketBank.redeem": "hop" },
  unprobed: [{ op: "TicketBank.reclaim", why: "only for tokens left unspent past the redemption window" }],
  // Claims right after the traffic redeem every token: no settlement epochs.
  expectedSeconds: { setup: 25, settlement: 1 },
  setup: (context) => setupTickets(context, 0),
};
devnet.lottery = ticketsLottery(devnet, setupTickets);

/**
 * Registers the devnet issuer with win probability 2^−winBits (0: every token
 * pays), runs its core here, and has every participant buy tokens for each
 * of the `epochs` epochs the workload spans, from the current one.
 */
export async function setupTickets(
  { deployer, relays, clients, prepaid, servicesDir, log, signal }: DevnetContext,
  winBits: number,
  epochs = 1,
): Promise<() => Promise<void>> {
  const l = forComponent(log, "obol:tickets:devnet");
  const bls = await loadBlindBls();
  const { secretKey, publicKey } = bls.keygen();
  await ensureIssuerRegistered(deployer, {
    publicKey,
    price: DEVNET_TOKENS.price,
    winBits,
    stake: DEVNET_TOKENS.issuerStake,
  });
  const issuerDb = openDatabase(":memory:");
  const issuer = new Issuer({ chain: deployer, db: issuerDb, log, bls, secretKey });
  const info = await readIssuer(deployer, deployer.account);
  const first = await ticketBank(deployer).read.currentEpoch();
  const counts = tokenCounts(prepaid);
  // Clients outside this process (a browser page, `obol tickets buy`) reach the same issuer over libp2p, and so do
  // participants topping up their balance during traffic (their standing order names it).
  const served = servicesDir ? await serveOnLoopback(issuer, deployer.account, join(servicesDir, "issuer"), log) : null;
  const perRelay = Object.fromEntries(relays.map((r) => [r.chain.account, counts[r.role]] as const));
  const participants = [
    ...relays.map((r) => ({ ...r, file: "relay.sqlite" })),
    ...clients.map((c) => ({ ...c, file: "client.sqlite" })),
  ];
  for (const p of participants) {
    signal.throwIfAborted();
    const db = openDatabase(join(p.dataDir, p.file));
    try {
      setIssuer(db, deployer.account);
      if (served) setStandingOrder(db, { issuer: served.multiaddrs, perRelay });
      // Two purchases (gateways, mixes) so each stays under the per-request cap.
      for (const [role, per] of [
        ["gateway", counts.gateway],
        ["mix", counts.mix],
      ] as const) {
        const targets = relays.filter((r) => r.role === role).map((r) => r.chain.account);
        if (targets.length === 0 || per === 0) continue;
        // Enough for the epochs bought now and for top-ups while traffic runs (keeper.ts).
        const allotment = DEVNET_TOKENS.price * BigInt(targets.length * per);
        await sendContractTx(
          deployer,
          {
            address: deployer.deployment.contracts.ObolToken,
            abi: obolTokenAbi,
            functionName: "transfer",
            args: [p.chain.account, allotment * BigInt(epochs + (served ? TOP_UP_ALLOTMENTS : 0))],
          },
          `fund ${p.name} for tokens`,
        );
        for (let epoch = first; epoch < first + BigInt(epochs); epoch++)
          await buyTokens(p.chain, db, bls, {
            epoch,
            relays: targets,
            perRelay: per,
            issuer: info,
            issue: (r) => issuer.issue(r),
          });
      }
    } finally {
      db.close();
    }
    l.info({ participant: p.name, epoch: first, epochs }, "bought tokens");
  }
  // Relays pin the issuer too (they verify against its key).
  return async () => {
    await served?.stop();
    issuerDb.close();
  };
}

/** Serves `/obol/issue/1` on loopback TCP and WebSockets and writes `<dir>/issuer.json` as `obol issuer` does. */
async function serveOnLoopback(
  issuer: Issuer,
  address: string,
  dir: string,
  log: Parameters<typeof serveIssuer>[2],
): Promise<{ multiaddrs: string[]; stop: () => Promise<void> }> {
  const node = await createObolNode({});
  const unserve = await serveIssuer(node, issuer, log);
  const multiaddrs = node.getMultiaddrs().map(String);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "issuer.json"), `${JSON.stringify({ address, multiaddrs }, null, 2)}\n`);
  return {
    multiaddrs,
    stop: async () => {
      await unserve();
      await node.stop();
    },
  };
}
