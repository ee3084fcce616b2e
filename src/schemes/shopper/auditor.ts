/**
 * The loop sender / auditor (docs/shopper.md §Auditor): during epoch e it
 * sends up to jMax verifiable cover loops, each at a time its VRF output fixes
 * (each stored durably before it is sent), each delivered to its own mailbox at
 * the loop's exit gateway; it pulls those mailboxes like a client; in e+2 it
 * fixes the beacon and reveals its winners; it collects the hops' inclusion
 * proofs over `/obol/proof/1` and submits them; in e+3 it reports the revealed
 * loops it never found in its mailbox; from e+4 it finalizes. Relays run it
 * for their own loops; any registered key holder can.
 */
import { bytesToHex, encodeAbiParameters, keccak256, type Address, type Hex } from "viem";
import type { Libp2p } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { DatabaseSync } from "node:sqlite";
import type { ChainClients } from "../../chain/types.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { inTurn, sendContractTx } from "../../chain/tx.js";
import { ContractRevertError } from "../../chain/errors.js";
import { forComponent, type Logger } from "../../log.js";
import type { SphinxParams } from "../../crypto/sphinx/params.js";
import { vrfProve } from "../../crypto/vrf/bls.js";
import type { RouteHop } from "../scheme.js";
import { buildLoop, loopInput, loopMessage, loopPullKey, loopSendOffsetMs } from "./loop.js";
import { mailboxId } from "../../net/inbox.js";
import { unframeMessage } from "../../crypto/sphinx/body.js";
import { currentEpoch, epochInfo, epochStart } from "../../chain/epochs.js";
import { claim5, loopLayers, shopperAddress } from "./chain.js";
import { requestProof } from "./proofs.js";
import { ShopperStore, type StoredLoop } from "./store.js";
import { FINALIZE_OFFSET, LOOP_HOPS, PROOF_LAST_OFFSET, REVEAL_OFFSET } from "./constants.js";
import { sleep } from "../../sleep.js";

export type AuditorParameters = {
  chain: ChainClients;
  db: DatabaseSync;
  log: Logger;
  /** The sender's VRF secret key; its public key is the sender's registry blsKey. */
  vrfSecretKey: Uint8Array;
  params: SphinxParams;
  /** Mean per-hop delay of loops (1/μ), ms; same as the network's other traffic. */
  meanDelayMs: number;
  /** Hands a built packet to the first hop (the relay's or client's normal send path). */
  send(packet: Uint8Array, firstHop: RouteHop): Promise<void>;
  /**
   * Pulls the mailbox of `pullKey` at `gateway` over the auditor's client-like link, as a client pulls
   * its inbox; resolves with every stored Sphinx body it held. Without it the auditor never learns
   * whether its loops were delivered, so it never reports a delivery missing.
   */
  pull?(gateway: Address, pullKey: Uint8Array): Promise<Uint8Array[]>;
  /** Used to fetch proofs from relays; when absent, relays are expected to prove their own hops. */
  libp2p?: Libp2p;
  /**
   * No loop is sent within this long of either end of an epoch (default 3 s):
   * relays cache the current epoch for up to 2 s, and a loop they file under
   * another epoch would be missing from the audited epoch's root.
   */
  guardMs?: number;
  /**
   * Length of the stretch over which loops are spread (default: the whole
   * epoch, from its start by chain time). When set, the stretch starts when
   * `sendLoops` is called. Only a dev chain that is advanced by hand, far
   * faster than its epochs, sets it; on a live network a shorter window is
   * exactly the burst a strategic dropper looks for (issue 11, finding 1).
   */
  spreadMs?: number;
  /** Times the sends (default: the wall clock); tests pass a virtual one. */
  clock?: AuditorClock;
};

/** The auditor's time source: `now()` in ms and a sleep of `ms` (≤ 0: none). */
export type AuditorClock = { now(): number; sleep(ms: number): Promise<void> };

const realClock = (signal?: AbortSignal): AuditorClock => ({
  now: () => Date.now(),
  sleep: (ms) => sleep(Math.max(0, ms), signal),
});

export class Auditor {
  readonly store: ShopperStore;
  readonly #p: AuditorParameters;
  readonly #log: Logger;

  constructor(p: AuditorParameters) {
    this.#p = p;
    this.store = new ShopperStore(p.db);
    this.#log = forComponent(p.log, "obol:shopper:auditor");
  }

  /**
   * Sends loops 0 … count−1 of `epoch` (never more than jMax), each at the
   * time its VRF output fixes (`loopSendOffsetMs`): spread over the whole
   * epoch, so a relay cannot pick loops out by when they arrive (issue 11,
   * finding 1). Resolves once the last one is sent, near the epoch's end:
   * callers run it beside their epoch loop, not inside it.
   * A loop whose time has passed when this is called (a late start or a
   * restart) is skipped, never sent late: a burst of late loops would stand
   * out. A loop is stored just before it is sent, so a restart never exceeds
   * the cap; the epoch is re-read before each send and loops stop when it moved.
   *
   * @param options.signal stops the schedule (no loop is sent after it aborts)
   * @returns number of loops sent now
   */
  async sendLoops(epoch: bigint, count?: number, { signal }: { signal?: AbortSignal } = {}): Promise<number> {
    const { chain } = this.#p;
    const clock = this.#p.clock ?? realClock(signal);
    const guardMs = this.#p.guardMs ?? 3_000;
    const shopper = shopperAddress(chain);
    const jMax = await chain.publicClient.readContract({
      address: shopper,
      abi: shopperAuditAbi,
      functionName: "jMax",
    });
    const n = Math.min(count ?? jMax, jMax);
    const layers = await loopLayers(chain, epoch);
    const info = await epochInfo(chain);
    const epochMs = Math.min(Number(info.duration) * 1000, this.#p.spreadMs ?? Number.POSITIVE_INFINITY);
    // Chain time says how far into the epoch we are; the local clock times the sends from here.
    // A devnet window starts when we see the epoch: its chain clock runs ahead under bursts of blocks.
    const block = await chain.publicClient.getBlock({ blockTag: "latest" });
    const elapsedMs =
      this.#p.spreadMs !== undefined ? 0 : Math.max(0, Number(block.timestamp - epochStart(info, epoch)) * 1000);
    const startedAt = clock.now() - elapsedMs;
    const stored = new Set(this.store.loopsOf(epoch).map((l) => l.index));
    const chainId = chain.publicClient.chain.id;
    const plan: { j: number; at: number; proof: Uint8Array; output: Uint8Array }[] = [];
    for (let j = 0; j < n; j++) {
      if (stored.has(j)) continue;
      const { proof, output } = vrfProve(
        this.#p.vrfSecretKey,
        loopInput({ chainId, shopper, sender: chain.account, epoch, index: j }),
      );
      const at = loopSendOffsetMs(output, epochMs, guardMs);
      if (at >= elapsedMs) plan.push({ j, at, proof, output });
    }
    plan.sort((a, b) => a.at - b.at);
    let sent = 0;
    for (const { j, at, proof, output } of plan) {
      await clock.sleep(startedAt + at - clock.now());
      if (signal?.aborted || (await currentEpoch(chain)) !== epoch) break;
      const loop = buildLoop({
        beta: output,
        layers,
        params: this.#p.params,
        meanDelayMs: this.#p.meanDelayMs,
        mailbox: (exit) => mailboxId(loopPullKey(this.#p.vrfSecretKey, epoch, exit)),
      });
      this.store.addLoop({
        epoch,
        index: j,
        beta: output,
        proof,
        tags: loop.tags,
        headers: loop.headers,
        route: loop.route.map((h) => h.relay),
      });
      try {
        await this.#p.send(loop.packet, loop.route[0]!);
      } catch (error) {
        // One unreachable gateway must not stop the rest of the epoch's schedule; the loop stays unsent.
        this.#log.warn({ epoch, index: j, gateway: loop.route[0]!.relay, err: error }, "sending a loop failed");
        continue;
      }
      this.store.setLoopState(epoch, j, "sent");
      sent++;
    }
    this.#log.info({ epoch, sent, planned: plan.length, elapsedMs, epochMs }, "sent verifiable loops");
    return sent;
  }

  /**
   * Requests and fixes the beacon of `epoch` (idempotent). Several auditors
   * race for it, so every failure is answered by re-reading the chain.
   */
  async ensureBeacon(epoch: bigint, { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<Hex> {
    const { chain } = this.#p;
    const address = shopperAddress(chain);
    const read = () =>
      chain.publicClient.readContract({ address, abi: shopperAuditAbi, functionName: "beaconOf", args: [epoch] });
    const fixed = (b: Hex) => !/^0x0+$/.test(b);
    const deadline = Date.now() + timeoutMs;
    let beacon = await read();
    while (!fixed(beacon) && Date.now() < deadline) {
      await sendContractTx(
        chain,
        { address, abi: shopperAuditAbi, functionName: "requestBeacon", args: [epoch] },
        "request beacon",
      ).catch(() => {});
      await sendContractTx(
        chain,
        { address, abi: shopperAuditAbi, functionName: "fixBeacon", args: [epoch] },
        "fix beacon",
      ).catch(() => {});
      beacon = await read();
      if (fixed(beacon)) break;
      // The requested block is not mined yet: on an idle dev chain, mine one by a self-transfer.
      const hash = await inTurn(chain, () =>
        chain.walletClient.sendTransaction({
          to: chain.account,
          value: 0n,
          account: chain.walletClient.account,
          chain: chain.publicClient.chain,
        }),
      );
      await chain.publicClient.waitForTransactionReceipt({ hash });
      beacon = await read();
    }
    return beacon;
  }

  /**
   * Reveals every sent loop of `epoch` that wins (call while the current epoch is epoch + 2).
   *
   * @returns audit ids of the revealed loops
   */
  async revealWinners(epoch: bigint): Promise<Hex[]> {
    const { chain } = this.#p;
    const address = shopperAddress(chain);
    const ids: Hex[] = [];
    if (!this.store.loopsOf(epoch).some((l) => l.state === "sent")) return ids;
    await this.ensureBeacon(epoch);
    for (const loop of this.store.loopsOf(epoch)) {
      if (loop.state !== "sent") continue;
      const wins = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "isWinner",
        args: [epoch, bytesToHex(loop.beta)],
      });
      if (!wins) {
        this.store.setLoopState(epoch, loop.index, "lost");
        continue;
      }
      const auditId = await this.#revealOne(address, loop);
      if (auditId) ids.push(auditId);
    }
    this.#log.info({ epoch, revealed: ids.length }, "revealed winning loops");
    return ids;
  }

  async #revealOne(address: Address, loop: StoredLoop): Promise<Hex | null> {
    const { chain } = this.#p;
    try {
      await sendContractTx(
        chain,
        {
          address,
          abi: shopperAuditAbi,
          functionName: "reveal",
          args: [chain.account, loop.epoch, loop.index, bytesToHex(loop.proof), claim5(loop.tags, loop.headers)],
        },
        "reveal loop",
      );
    } catch (error) {
      if (revertName(error) !== "ShopperAuditAlreadyRevealed") {
        this.#log.warn({ epoch: loop.epoch, index: loop.index, err: error }, "reveal failed");
        return null;
      }
    }
    const auditId = auditIdOf(chain.account, loop.epoch, loop.index);
    this.store.setLoopState(loop.epoch, loop.index, "revealed", auditId);
    return auditId;
  }

  /**
   * Fetches missing hops' proofs from the relays over `/obol/proof/1` and submits them.
   *
   * @returns number of hops proven by this call
   */
  async collectProofs(epoch: bigint): Promise<number> {
    const { chain, libp2p } = this.#p;
    if (!libp2p) return 0;
    const address = shopperAddress(chain);
    let proven = 0;
    for (const loop of this.store.loopsOf(epoch)) {
      if (loop.state !== "revealed" || !loop.auditId) continue;
      const audit = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [loop.auditId],
      });
      if (audit.status !== 1) continue;
      const hops: number[] = [];
      const proofs: Hex[][] = [];
      for (let h = 0; h < 5; h++) {
        if (((audit.provenMask >> h) & 1) === 1) continue;
        const info = await chain.publicClient.readContract({
          address: chain.deployment.contracts.RelayRegistry,
          abi: relayRegistryAbi,
          functionName: "relayInfo",
          args: [loop.route[h]!],
        });
        const proof = await requestProof(libp2p, multiaddr(info.multiaddr), { epoch, tag: loop.tags[h]! }).catch(
          () => null,
        );
        if (!proof) continue;
        hops.push(h);
        proofs.push(proof.map((p) => bytesToHex(p)));
      }
      if (hops.length === 0) continue;
      try {
        await sendContractTx(
          chain,
          {
            address,
            abi: shopperAuditAbi,
            functionName: "proveHops",
            args: [loop.auditId, claim5(loop.tags, loop.headers), hops, proofs],
          },
          "prove hops",
        );
        proven += hops.length;
      } catch (error) {
        this.#log.warn(
          { auditId: loop.auditId, err: error },
          "submitting proofs failed (a relay may have proven meanwhile)",
        );
      }
    }
    return proven;
  }

  /**
   * Pulls this epoch's mailbox at every exit its loops of `epoch` went to and
   * records which loops arrived (recognised by their message, `loopMessage`).
   * Pulling removes what it returns, so the record is durable before the next pull.
   *
   * @returns number of loops of `epoch` found delivered so far
   */
  async pullDeliveries(epoch: bigint): Promise<number> {
    const { pull, vrfSecretKey } = this.#p;
    const loops = this.store.loopsOf(epoch).filter((l) => l.state !== "built");
    if (!pull) return 0;
    const waiting = new Map<string, typeof loops>();
    for (const l of loops) {
      if (this.store.isDelivered(epoch, l.index)) continue;
      const exit = l.route[LOOP_HOPS - 1]!;
      waiting.set(exit, [...(waiting.get(exit) ?? []), l]);
    }
    for (const [exit, mine] of waiting) {
      let bodies: Uint8Array[];
      try {
        bodies = await pull(exit as Address, loopPullKey(vrfSecretKey, epoch, exit as Address));
      } catch (error) {
        this.#log.warn({ epoch, exit, err: error }, "pulling a loop mailbox failed; will pull again");
        continue;
      }
      const messages = bodies.map((b) => unframeMessage(b)).filter((m) => m instanceof Uint8Array);
      for (const l of mine) {
        const expected = Buffer.from(loopMessage(l.beta));
        if (messages.some((m) => expected.equals(m))) this.store.markDelivered(epoch, l.index);
      }
    }
    return loops.filter((l) => this.store.isDelivered(epoch, l.index)).length;
  }

  /**
   * Reports each revealed, still open loop of `epoch` that never reached its
   * mailbox (call while the current epoch is epoch + 3, the last of the proof
   * window: every pull until then counts, so a late pull never faults an exit
   * that delivered). Pulls once more first; without a `pull` port it reports nothing.
   *
   * @returns audit ids reported
   */
  async reportUndelivered(epoch: bigint): Promise<Hex[]> {
    const { chain } = this.#p;
    const out: Hex[] = [];
    if (!this.#p.pull) return out;
    await this.pullDeliveries(epoch);
    const address = shopperAddress(chain);
    for (const loop of this.store.loopsOf(epoch)) {
      if (loop.state !== "revealed" || !loop.auditId || this.store.isDelivered(epoch, loop.index)) continue;
      const audit = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [loop.auditId],
      });
      if (audit.status !== 1 || (audit.provenMask & 0x20) !== 0) continue;
      try {
        await sendContractTx(
          chain,
          {
            address,
            abi: shopperAuditAbi,
            functionName: "reportUndelivered",
            args: [loop.auditId, claim5(loop.tags, loop.headers)],
          },
          "report undelivered loop",
        );
        out.push(loop.auditId);
      } catch (error) {
        this.#log.warn({ auditId: loop.auditId, err: error }, "reporting an undelivered loop failed");
      }
    }
    if (out.length) this.#log.warn({ epoch, reported: out.length }, "loops missing from their exit mailboxes");
    return out;
  }

  /**
   * Finalizes the revealed loops of `epoch` (current epoch ≥ epoch + 4).
   *
   * @returns statuses by audit id (2 paid, 3 broken)
   */
  async finalize(epoch: bigint): Promise<Map<Hex, number>> {
    const { chain } = this.#p;
    const address = shopperAddress(chain);
    const out = new Map<Hex, number>();
    for (const loop of this.store.loopsOf(epoch)) {
      if (loop.state !== "revealed" || !loop.auditId) continue;
      const before = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [loop.auditId],
      });
      if (before.status === 1)
        await sendContractTx(
          chain,
          { address, abi: shopperAuditAbi, functionName: "finalize", args: [loop.auditId] },
          "finalize audit",
        );
      const after = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [loop.auditId],
      });
      this.store.setLoopState(epoch, loop.index, "finalized");
      out.set(loop.auditId, after.status);
    }
    return out;
  }

  /**
   * Everything due on entering `epoch`: reveal e−2 (and collect), collect e−3 and report its undelivered
   * loops, finalize e−4, then pull e−1's mailboxes (last: pulls have no deadline before e+3, the
   * chain steps do).
   */
  async onEpoch(epoch: bigint): Promise<void> {
    if (epoch >= REVEAL_OFFSET) {
      await this.revealWinners(epoch - REVEAL_OFFSET);
      await this.collectProofs(epoch - REVEAL_OFFSET);
    }
    if (epoch >= PROOF_LAST_OFFSET) {
      await this.collectProofs(epoch - PROOF_LAST_OFFSET);
      await this.reportUndelivered(epoch - PROOF_LAST_OFFSET);
    }
    if (epoch >= FINALIZE_OFFSET) await this.finalize(epoch - FINALIZE_OFFSET);
    if (epoch >= 1n) await this.pullDeliveries(epoch - 1n);
  }
}

/**
 * keccak256(abi.encode(sender, epoch, index)), as the contract names audits.
 *
 * @example
 * const id = auditIdOf(relay, 3n, 0);
 */
export function auditIdOf(sender: Address, epoch: bigint, index: number): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "address" }, { type: "uint64" }, { type: "uint32" }], [sender, epoch, index]),
  );
}

/** Name of the custom error a `sendContractTx` call reverted with, if any. */
function revertName(error: unknown): string | undefined {
  return error instanceof ContractRevertError ? error.errorName : undefined;
}
