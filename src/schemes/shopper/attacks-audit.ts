/**
 * The auditors' economic attacks on the shopper (issue 11, findings 2 and 3;
 * docs/compare.md §Attack scenarios), run by `obol compare` on the deployed
 * ShopperAudit + RelayRegistry through the world of `./world.ts` (real
 * Sphinx loops, real VRF proofs, relays' Merkle commitments on chain) and by
 * `test/schemes/shopper/attacks.test.ts` on the in-process chain.
 *
 * - Front-running auditor: a relay watches the mempool for a sender's winning
 *   reveal and submits the same VRF proof first, with tags of its own, to
 *   take the audit (and frame the hops its forged tags name). The contract
 *   binds a reveal to its sender (`msg.sender`), so there is no control: no
 *   contract path without the binding ships.
 * - Framing auditor: a sender builds a loop whose hop 2 must refuse it (a
 *   delay above the relays' cap), reveals it as a winner and proves hops 0–1,
 *   so an unproven hop 2 would be recorded at fault. The honest hop keeps the
 *   header it refused and disputes. Leaky control: the same victim keeping no
 *   refused header (a relay without that evidence), where the framing lands.
 */
import { bytesToHex, type Address } from "viem";
import { explainRevert } from "../../chain/errors.js";
import type { ChainClients } from "../../chain/types.js";
import { x25519Group } from "../../crypto/sphinx/group.js";
import { deriveHopSecrets } from "../../crypto/sphinx/header.js";
import { createPacket } from "../../crypto/sphinx/packet.js";
import type { AttackContext, AttackOutcome, AttackScenario } from "../devnet.js";
import { headerHashOf, hopHeaders, type Loop } from "./loop.js";
import { shopperWorld, WORLD_PARAMS, type ShopperWorld, type WorldOptions } from "./world.js";

/** Loops a sender sends so that one wins at the deployed ε = 1/8 (all lose with chance (7/8)^48 ≈ 0.2 %). */
const LOOPS = 48;
const HOPS = [0, 1, 2, 3, 4] as const;

/**
 * A world of fresh relays on the scenario's chain. Its relays leave the
 * directory when `use` returns, so the next world's routes meet none of them.
 */
export async function withAttackWorld<T>(
  context: AttackContext,
  options: WorldOptions,
  use: (w: ShopperWorld) => Promise<T>,
): Promise<T> {
  const { deployer } = context;
  const shopper = deployer.deployment.contracts.ShopperAudit;
  if (!shopper) throw new Error("the deployment has no ShopperAudit: deploy the shopper module first");
  const count = (options.gateways ?? 2) + 3 * (options.mixesPerLayer ?? 2);
  const accounts = await context.accounts(count, 0n);
  const w = await shopperWorld(
    {
      publicClient: deployer.publicClient,
      deployer: deployer.walletClient,
      relayWallets: accounts.map((a: ChainClients) => a.walletClient),
      contracts: {
        ObolToken: deployer.deployment.contracts.ObolToken,
        RelayRegistry: deployer.deployment.contracts.RelayRegistry,
        ShopperAudit: shopper,
      },
      increaseTo: (ts) => context.timeTo(BigInt(ts)),
      mine: async (blocks) => {
        for (let i = 0; i < blocks; i++)
          await deployer.publicClient.request({ method: "evm_mine" as never, params: [] as never });
      },
    },
    options,
  );
  try {
    return await use(w);
  } finally {
    for (const r of w.relays)
      await w.registry.write.unbond({ account: r.wallet.account }).catch((error: unknown) => {
        context.log.warn({ relay: r.address, err: error }, "a scenario relay could not leave the directory");
      });
  }
}

/** The revert's custom error name, or null when the call went through. */
async function refusal(call: Promise<unknown>): Promise<string | null> {
  try {
    await call;
    return null;
  } catch (error) {
    const name = explainRevert(error)?.errorName;
    if (name === undefined) throw error;
    return name;
  }
}

/** Loops 0…LOOPS−1 of `sender` in `e`. */
async function buildLoops(w: ShopperWorld, e: bigint, sender: ShopperWorld["relays"][number]) {
  const loops: { loop: Loop & { proof: Uint8Array }; j: number }[] = [];
  for (let j = 0; j < LOOPS; j++) loops.push({ loop: await w.loop(sender, e, j), j });
  return loops;
}

/**
 * The loops among `loops` that win epoch `e` (its beacon fixed).
 *
 * @throws Error when none wins (probability ≈ 0.2 % at ε = 1/8)
 */
async function winners(w: ShopperWorld, e: bigint, loops: { loop: Loop; j: number }[]) {
  const out: typeof loops = [];
  for (const l of loops) if (await w.shopper.read.isWinner([e, bytesToHex(l.loop.beta)])) out.push(l);
  if (out.length === 0) throw new Error(`none of ${loops.length} loops won at the deployed threshold`);
  return out;
}

/** Faults the registry holds against each of `relays`. */
async function faultsOf(w: ShopperWorld, relays: readonly Address[]): Promise<bigint[]> {
  return Promise.all(relays.map((a) => w.registry.read.faults([a])));
}

async function worth(w: ShopperWorld, a: Address): Promise<bigint> {
  return (await w.token.read.balanceOf([a])) + (await w.registry.read.relayInfo([a])).stake;
}

export const frontRunningAuditor: AttackScenario = {
  name: "shopper.front_running_auditor",
  attacker:
    "a relay that copies a sender's pending winning reveal (its VRF proof) and submits it first with tags of its own",
  async run(context): Promise<AttackOutcome> {
    return withAttackWorld(context, { gateways: 2, mixesPerLayer: 2 }, async (w) => {
      const E = (await w.epoch()) + 1n;
      await w.gotoEpoch(E);
      const sender = w.relays[0]!;
      const attacker = w.relays[5]!;
      const loops = await buildLoops(w, E, sender);
      for (const { loop } of loops) w.carry(E, loop.packet, loop.route[0]!.relay);
      await w.gotoEpoch(E + 1n);
      await w.commitAll(E);
      await w.gotoEpoch(E + 2n);
      await w.fixBeacon(E);
      const [{ loop, j }] = (await winners(w, E, loops)) as [{ loop: Loop & { proof: Uint8Array }; j: number }];
      const before = await worth(w, attacker.address);
      const forged = w.claim(
        loop,
        loop.tags.map(() => crypto.getRandomValues(new Uint8Array(32))),
      );
      const refused = await refusal(
        w.shopper.write.reveal([sender.address, E, j, bytesToHex(loop.proof), forged], {
          account: attacker.wallet.account,
        }),
      );
      // The honest sender's reveal and its hops' proofs follow, as the auditor and relays would send them.
      const auditId = w.auditIdOf(sender.address, E, j);
      const honestRefused = await refusal(
        w.shopper.write.reveal([sender.address, E, j, bytesToHex(loop.proof), w.claim(loop)], {
          account: sender.wallet.account,
        }),
      );
      if (honestRefused === null)
        await w.shopper.write.proveHops([
          auditId,
          w.claim(loop),
          [...HOPS],
          HOPS.map((h) => w.proofFor(E, loop.route[h]!.relay, loop.tags[h]!)!),
        ]);
      await w.gotoEpoch(E + 4n);
      await refusal(w.shopper.write.finalize([auditId]));
      const status = (await w.shopper.read.audit([auditId])).status;
      const gained = (await worth(w, attacker.address)) - before;
      const honest = w.relays.filter((r) => r !== attacker).map((r) => r.address);
      const faults = (await faultsOf(w, honest)).reduce((a, b) => a + b, 0n);
      const succeeded = refused === null || honestRefused !== null || gained > 0n || faults > 0n;
      return {
        succeeded,
        valueMoved: gained > 0n ? gained : 0n,
        honest,
        detail:
          refused === null
            ? `the copied reveal was accepted; the sender's own reveal ${honestRefused ?? "went through"}; audit status ${status}`
            : `the copied reveal was refused (${refused}); the sender's reveal went through and its audit closed with status ${status} (2 = paid); attacker ${gained >= 0n ? "+" : ""}${gained} wei`,
      };
    });
  },
};

/** Loop j of `sender` with hop `bad` told to hold the packet for an hour (the relays refuse delays above 60 s). */
export async function malformedLoop(
  w: ShopperWorld,
  sender: ShopperWorld["relays"][number],
  e: bigint,
  j: number,
  bad: number,
) {
  const honest = await w.loop(sender, e, j);
  const keys = deriveHopSecrets({
    group: x25519Group,
    sessionKey: honest.sessionKey,
    publicKeys: honest.route.map((h) => h.mixKey),
  });
  const slot = new Uint8Array(0);
  const hops = honest.route.map((_, h) =>
    h < 4
      ? {
          action: "forward" as const,
          next: honest.route[h + 1]!.relay,
          delayMs: h === bad ? 3_600_000 : honest.delaysMs[h]!,
          slot,
        }
      : { action: "loop" as const, delayMs: 0, slot },
  );
  const packet = createPacket({ group: x25519Group, params: WORLD_PARAMS, ...keys, hops, message: new Uint8Array(0) });
  // Same β, route and session key (so the same tags); the headers are those of the packet really sent.
  const sent = hopHeaders(packet, keys.secrets, WORLD_PARAMS);
  return { ...honest, packet, headers: sent.map(headerHashOf), sent };
}

export const framingAuditor: AttackScenario = {
  name: "shopper.framing_auditor",
  attacker:
    "a sender that builds its winning loop so that hop 2 must refuse it (delay above the cap), then reveals it to get hop 2 recorded at fault",
  control: "the victim relay keeps no refused header (no evidence to dispute with)",
  async run(context, { control }): Promise<AttackOutcome> {
    return withAttackWorld(context, { gateways: 2, mixesPerLayer: 2 }, async (w) => {
      const E = (await w.epoch()) + 1n;
      await w.gotoEpoch(E);
      const sender = w.relays[0]!;
      const BAD = 2;
      const loops: { loop: Awaited<ReturnType<typeof malformedLoop>>; j: number }[] = [];
      for (let j = 0; j < LOOPS; j++) {
        const loop = await malformedLoop(w, sender, E, j, BAD);
        w.carry(E, loop.packet, loop.route[0]!.relay);
        loops.push({ loop, j });
      }
      for (const r of w.relays) w.noise(r, E, 3);
      await w.gotoEpoch(E + 1n);
      await w.commitAll(E);
      await w.gotoEpoch(E + 2n);
      await w.fixBeacon(E);
      const [{ loop, j }] = (await winners(w, E, loops)) as [(typeof loops)[number]];
      const victim = w.relayOf(loop.route[BAD]!.relay);
      const before = await worth(w, sender.address);
      const claim = { tags: w.tagsHex(loop.tags), headers: w.tagsHex(loop.headers) };
      await w.shopper.write.reveal([sender.address, E, j, bytesToHex(loop.proof), claim], {
        account: sender.wallet.account,
      });
      const auditId = w.auditIdOf(sender.address, E, j);
      const upTo = HOPS.slice(0, BAD);
      await w.shopper.write.proveHops([
        auditId,
        claim,
        [...upTo],
        upTo.map((h) => w.proofFor(E, loop.route[h]!.relay, loop.tags[h]!)!),
      ]);
      // The victim answers the audit with the header it refused, as ShopperRelay.answerAudits does.
      const evidence = control ? undefined : victim.refused.get(`${E}:${bytesToHex(loop.tags[BAD]!)}`);
      const disputed =
        evidence === undefined
          ? "no evidence"
          : ((await refusal(
              w.shopper.write.disputeHop([auditId, claim, BAD, bytesToHex(evidence)], {
                account: victim.wallet.account,
              }),
            )) ?? "dispute upheld");
      await w.gotoEpoch(E + 4n);
      const finalized = (await refusal(w.shopper.write.finalize([auditId]))) ?? "finalized";
      const status = (await w.shopper.read.audit([auditId])).status;
      const honest = w.relays.filter((r) => r !== sender).map((r) => r.address);
      const faults = (await faultsOf(w, honest)).reduce((a, b) => a + b, 0n);
      const victimFaults = await w.registry.read.faults([victim.address]);
      const delta = (await worth(w, sender.address)) - before;
      return {
        succeeded: victimFaults > 0n,
        valueMoved: delta > 0n ? delta : 0n,
        honest,
        detail: `victim hop ${BAD}: ${disputed}; finalize: ${finalized}; audit status ${status}; faults on the victim ${victimFaults}, on every honest relay ${faults}; sender ${delta >= 0n ? "+" : ""}${delta} wei (stake and balance)`,
      };
    });
  },
};
